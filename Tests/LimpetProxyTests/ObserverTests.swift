import Foundation
import Glibc
import LimpetConfig
import LimpetIO
@testable import LimpetProxy
import LimpetRouting
import LimpetWhoami
import Logging
import Synchronization
import Testing

/// What an observer saw, in order, as plain values (the test thread reads them while the loop thread writes).
private final class Recorder: ExchangeObserver, Sendable {
    enum Event: Equatable {
        case opened, closed
        case began(path: String, host: String)
        case routed(String)
        case chosen(server: String, choice: Choice)
        case ended(status: Int, local: Bool, router: String?, server: String?, attempts: Int,
                   outcome: ExchangeSummary.Outcome)
    }

    private let log = Mutex<[Event]>([])
    /// Response body bytes and durations per ended exchange, in order.
    private let sizes = Mutex<[(bytes: Int, duration: UInt64)]>([])

    var events: [Event] { log.withLock { $0 } }
    var ended: [(bytes: Int, duration: UInt64)] { sizes.withLock { $0 } }

    func connectionOpened(entryPoint: Int) { log.withLock { $0.append(.opened) } }
    func connectionClosed(entryPoint: Int) { log.withLock { $0.append(.closed) } }

    func exchangeBegan(_ id: ExchangeID, head: ObservedHead) {
        let event = Event.began(path: String(decoding: head.path, as: UTF8.self),
                                host: String(decoding: head.host, as: UTF8.self))
        log.withLock { $0.append(event) }
    }

    func exchangeRouted(_ id: ExchangeID, router: Router) { log.withLock { $0.append(.routed(router.name)) } }

    func upstreamChosen(_ id: ExchangeID, service: Service, server: ServerDef, choice: Choice) {
        log.withLock { $0.append(.chosen(server: server.url, choice: choice)) }
    }

    func exchangeEnded(_ id: ExchangeID, _ summary: ExchangeSummary) {
        log.withLock {
            $0.append(.ended(status: summary.status, local: summary.local, router: summary.router?.name,
                             server: summary.server?.url, attempts: summary.attempts, outcome: summary.outcome))
        }
        sizes.withLock { $0.append((summary.responseBodyBytes, summary.duration)) }
    }
}

/// A port nothing listens on now (bound to 0, read back, released).
private func freePort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: address.sin_port)
}

/// A blocking HTTP/1.1 client on one keep-alive connection.
private struct Client {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard ok else { throw POSIXError(.ECONNREFUSED) }
    }

    /// Sends a request and reads one response: its status line, `Set-Cookie` value and body.
    func request(_ head: String) -> (status: Int, cookie: String?, body: [UInt8]) {
        _ = head.withCString { send(fd, $0, strlen($0), 0) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        func headEnd() -> Int? {
            guard bytes.count >= 4 else { return nil }
            for i in 0...(bytes.count - 4) where bytes[i..<i + 4].elementsEqual([13, 10, 13, 10]) { return i + 4 }
            return nil
        }
        while headEnd() == nil {
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { return (0, nil, []) }
            bytes += chunk[..<n]
        }
        let end = headEnd()!
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        var length = 0
        var cookie: String?
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0].lowercased() == "content-length" { length = Int(parts[1]) ?? 0 }
            if parts[0].lowercased() == "set-cookie" { cookie = String(parts[1].split(separator: ";")[0]) }
        }
        while bytes.count < end + length {
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { break }
            bytes += chunk[..<n]
        }
        return (status, cookie, Array(bytes[end...]))
    }

    func close() { Glibc.close(fd) }
}

/// The exchange observer on a real worker: a real event loop, a real listener on 127.0.0.1, a real `whoami`
/// backend, a real client socket.
@Suite(.serialized) struct ObserverTests {
    @Test(arguments: [EngineConfig.IO.epoll, .ioUring])
    func observerSeesEveryExchangeOfAConnection(io: EngineConfig.IO) async throws {
        let proxyPort = freePort(), backendPort = freePort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("limpet-observer-\(getpid())-\(io)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
        entryPoints:
          web:
            address: "127.0.0.1:\(proxyPort)"
        engine:
          io: \(io == .epoll ? "epoll" : "io_uring")
        providers:
          file:
            filename: dynamic.yaml
        """.write(to: directory.appendingPathComponent("limpet.yaml"), atomically: true, encoding: .utf8)
        try """
        http:
          routers:
            app:
              rule: Host(`app.test`)
              service: app
          services:
            app:
              loadBalancer:
                sticky:
                  cookie:
                    name: pin
                servers:
                  - url: "http://127.0.0.1:\(backendPort)"
        """.write(to: directory.appendingPathComponent("dynamic.yaml"), atomically: true, encoding: .utf8)

        let backend = Thread { _ = try? WhoamiServer(listen: "127.0.0.1:\(backendPort)", name: "one").run() }
        backend.start()

        let config = try ConfigLoader.loadStatic(path: directory.appendingPathComponent("limpet.yaml").path)
        let snapshot = try ConfigLoader.loadSnapshot(for: config, generation: 1)
        let listener = try ListenerService.listen(config.entryPoints[0], deferAcceptSeconds: 0)
        let recorder = Recorder()
        let stopped = Atomic<Bool>(false)
        let loopBox = Mutex<LoopReference?>(nil)
        let logger = Logger(label: "observer-test")
        let thread = Thread {
            let poller = WorkerService.makePoller(config.engine, logger: logger, announce: false)
            guard let loop = try? EventLoop(index: 0, poller: poller) else { return }
            let worker = Worker(loop: loop, settings: EngineSettings(config, workers: 1, fileLimit: 1024),
                                entryPoints: config.entryPoints.map(EntryPointSettings.init), listenFDs: [listener],
                                store: SnapshotStore(snapshot), hostName: "test", health: HealthRegistry(),
                                logger: logger)
            worker.observer = recorder
            loopBox.withLock { $0 = LoopReference(loop: loop) }
            try? loop.run()
            withExtendedLifetime(worker) {}
            stopped.store(true, ordering: .sequentiallyConsistent)
        }
        thread.start()
        defer {
            loopBox.withLock { box in box.map { reference in reference.loop.execute { reference.loop.stop() } } }
        }

        // The backend may need a moment to bind.
        var first: (status: Int, cookie: String?, body: [UInt8]) = (0, nil, [])
        var client = try Client(port: proxyPort)
        for _ in 0..<50 {
            first = client.request("GET /one?x=1 HTTP/1.1\r\nHost: app.test\r\n\r\n")
            if first.status == 200 { break }
            client.close()
            try await Task.sleep(for: .milliseconds(100))
            client = try Client(port: proxyPort)
        }
        #expect(first.status == 200)
        let cookie = try #require(first.cookie)
        let second = client.request("GET /two HTTP/1.1\r\nHost: app.test\r\nCookie: \(cookie)\r\n\r\n")
        let third = client.request("GET / HTTP/1.1\r\nHost: nowhere.test\r\n\r\n")
        client.close()
        #expect(second.status == 200)
        #expect(third.status == 404)
        for _ in 0..<100 where recorder.events.last != .closed { try await Task.sleep(for: .milliseconds(20)) }

        // The last connection's events (earlier ones met a backend that was not listening yet).
        let all = recorder.events
        let events = Array(all[try #require(all.lastIndex(of: .opened))...])
        let url = "http://127.0.0.1:\(backendPort)"
        #expect(events == [
            .opened,
            .began(path: "/one", host: "app.test"), .routed("app@file"), .chosen(server: url, choice: .strategy(0)),
            .ended(status: 200, local: false, router: "app@file", server: url, attempts: 1, outcome: .completed),
            .began(path: "/two", host: "app.test"), .routed("app@file"),
            .chosen(server: url, choice: .pinned(0, refresh: false)),
            .ended(status: 200, local: false, router: "app@file", server: url, attempts: 1, outcome: .completed),
            .began(path: "/", host: "nowhere.test"),
            .ended(status: 404, local: true, router: nil, server: nil, attempts: 1, outcome: .completed),
        ] + [.closed])
        let sizes = recorder.ended.suffix(3)
        #expect(sizes.map(\.bytes) == [first.body.count, second.body.count, third.body.count])
        #expect(sizes.allSatisfy { $0.duration > 0 })
    }
}
