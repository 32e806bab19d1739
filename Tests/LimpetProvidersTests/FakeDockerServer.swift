import Foundation
import Glibc
import Synchronization

/// A stand-in for dockerd in tests: an HTTP/1.1 server on a Unix socket (or 127.0.0.1), one thread per connection,
/// answering each request with whatever `handler` writes. Requests are recorded in order.
final class FakeDockerServer: @unchecked Sendable {
    /// What the handler sees of a request.
    struct Request: Sendable {
        var method: String
        var target: String
        var headers: String
        /// 1 for the first connection accepted, 2 for the next…
        var connection: Int
    }

    /// The connection the handler answers on.
    final class Client: @unchecked Sendable {
        let fd: Int32
        /// `closed`: shut down (by the handler or the test); `released`: the descriptor is closed and its number
        /// may already belong to another test's socket, so it must not be touched again.
        private let status = Mutex((closed: false, released: false))
        var closed: Bool { status.withLock { $0.closed } }

        init(fd: Int32) { self.fd = fd }

        /// Writes everything (ignoring a peer that has gone).
        func write(_ bytes: [UInt8]) {
            var sent = 0
            while sent < bytes.count && !closed {
                let n = bytes.withUnsafeBytes { raw in
                    Glibc.send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                }
                if n <= 0 { return }
                sent += n
            }
        }

        func write(_ text: String) { write(Array(text.utf8)) }

        /// Writes `text` in pieces of `size` bytes with a short pause between them, so that the client sees
        /// several reads.
        func writeSlowly(_ text: String, size: Int, pause: Duration = .milliseconds(2)) {
            let bytes = Array(text.utf8)
            var i = 0
            while i < bytes.count {
                write(Array(bytes[i..<min(i + size, bytes.count)]))
                i += size
                Thread.sleep(forTimeInterval: Double(pause.components.attoseconds) / 1e18)
            }
        }

        /// A complete response with a Content-Length.
        func respond(_ status: Int = 200, json body: String, reason: String = "OK", extraHeaders: String = "") {
            write("""
                HTTP/1.1 \(status) \(reason)\r
                Content-Type: application/json\r
                Api-Version: 1.41\r
                \(extraHeaders)Content-Length: \(body.utf8.count)\r
                \r
                \(body)
                """)
        }

        /// The head of a chunked response; follow with `chunk` calls and `endChunks`.
        func startChunked(_ status: Int = 200) {
            write("HTTP/1.1 \(status) OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        }

        func chunk(_ text: String) {
            let bytes = Array(text.utf8)
            write(String(bytes.count, radix: 16) + "\r\n")
            write(bytes)
            write("\r\n")
        }

        func endChunks() { write("0\r\n\r\n") }

        /// True once the client has closed its end (or the connection failed).
        var peerClosed: Bool {
            var byte: UInt8 = 0
            let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
            return closed || n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        }

        /// Closes the connection after the handler returns.
        func close() {
            status.withLock { status in
                guard !status.closed && !status.released else { return }
                status.closed = true
                shutdown(fd, Int32(SHUT_RDWR))
            }
        }

        /// Closes the descriptor (once the serving thread is done with it).
        fileprivate func release() {
            status.withLock { status in
                status.closed = true
                status.released = true
                Glibc.close(fd)
            }
        }
    }

    let endpoint: String
    private let path: String?
    private let listenFD: Int32
    private let handler: @Sendable (Request, Client) -> Void
    private let state = Mutex(State())

    private struct State {
        var requests: [Request] = []
        var connections = 0
        var clients: [Client] = []
        var stopped = false
    }

    /// Every request received, in order.
    var requests: [Request] { state.withLock { $0.requests } }
    var targets: [String] { requests.map(\.target) }
    var connectionCount: Int { state.withLock { $0.connections } }

    /// A server on a fresh Unix socket under /tmp, or with `overTCP` on 127.0.0.1 and an ephemeral port.
    convenience init(overTCP: Bool = false, _ handler: @escaping @Sendable (Request, Client) -> Void) {
        if overTCP {
            self.init(tcpHandler: handler)
            return
        }
        let path = "/tmp/limpet-fake-docker-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        precondition(bound == 0 && listen(fd, 64) == 0, "bind \(path): \(errno)")
        self.init(listenFD: fd, endpoint: "unix://\(path)", path: path, handler: handler)
    }

    /// A server on 127.0.0.1 and an ephemeral port (`tcp://127.0.0.1:PORT`).
    private convenience init(tcpHandler handler: @escaping @Sendable (Request, Client) -> Void) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        precondition(ok)
        let port = UInt16(bigEndian: address.sin_port)
        self.init(listenFD: fd, endpoint: "tcp://127.0.0.1:\(port)", path: nil, handler: handler)
    }

    private init(listenFD: Int32, endpoint: String, path: String?,
                 handler: @escaping @Sendable (Request, Client) -> Void)
    {
        self.listenFD = listenFD
        self.endpoint = endpoint
        self.path = path
        self.handler = handler
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops accepting, closes every connection and removes the socket file.
    func stop() {
        let clients = state.withLock { state -> [Client] in
            state.stopped = true
            return state.clients
        }
        shutdown(listenFD, Int32(SHUT_RDWR))
        for client in clients { client.close() }
        if let path { unlink(path) }
    }

    /// Closes the connections open now (the listener stays).
    func dropConnections() {
        for client in state.withLock({ $0.clients }) { client.close() }
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                Glibc.close(listenFD)
                return
            }
            let (number, stopped) = state.withLock { state -> (Int, Bool) in
                state.connections += 1
                return (state.connections, state.stopped)
            }
            if stopped {
                Glibc.close(fd)
                continue
            }
            let client = Client(fd: fd)
            state.withLock { $0.clients.append(client) }
            let thread = Thread { [self] in serve(client, number: number) }
            thread.start()
        }
    }

    private func serve(_ client: Client, number: Int) {
        defer {
            client.release()
            state.withLock { $0.clients.removeAll { $0 === client } }
        }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !client.closed {
            // One request head (GET: no body).
            var end: Int?
            while end == nil {
                if let found = Self.headEnd(buffer) {
                    end = found
                    break
                }
                let n = chunk.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress!, $0.count, 0) }
                if n <= 0 { return }
                buffer.append(contentsOf: chunk[0..<n])
            }
            let head = String(decoding: buffer[0..<end!], as: UTF8.self)
            buffer.removeFirst(end! + 4)
            let firstLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
            let parts = firstLine.split(separator: " ").map(String.init)
            guard parts.count == 3 else { return }
            let request = Request(method: parts[0], target: parts[1], headers: head, connection: number)
            state.withLock { $0.requests.append(request) }
            handler(request, client)
        }
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4)
        where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }
}

/// A blocking queue a test feeds and a server handler drains (events to stream, say).
final class Feed<Item: Sendable>: Sendable {
    private let items = Mutex<[Item]>([])
    private let available = DispatchSemaphore(value: 0)

    func push(_ item: Item) {
        items.withLock { $0.append(item) }
        available.signal()
    }

    /// The next item, or nil after `timeout`.
    func take(timeout: Duration = .seconds(10)) -> Item? {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        guard available.wait(timeout: .now() + seconds) == .success else { return nil }
        return items.withLock { $0.removeFirst() }
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return condition()
}
