import Glibc
import LimpetHTTP
import LimpetIO
import LimpetRouting

/// The active health check of one server (SPEC §5.4), run on worker 0's loop with the loop's own poller: connect,
/// send one request, read the status line and headers, close. Never blocks the loop.
final class HealthProbe: LoopHandler {
    let key: String
    private let check: HealthCheck
    private let health: ServerHealth
    /// Worker 0 outlives its probes.
    private unowned(unsafe) let worker: Worker
    private var registration: EventLoop.Registration!
    private let address: UpstreamAddress
    private let hostHeader: String
    private var path: String
    private var redirectsLeft = 0

    private enum Phase { case idle, connecting, sending, reading, closing }
    private var phase = Phase.idle
    private var fd: Int32 = -1
    private var pending = 0
    /// The probe request, in memory the probe owns (the kernel reads it after `send` returns).
    private var request = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var sent = 0
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: 8192, alignment: 16)
    private let capacity = 8192
    private var received = 0
    private var deadline: UInt64 = 0
    private var nextRun: UInt64 = 0
    private var stopped = false
    private let headers = HeaderTable(capacity: 64)

    private static let opConnect: UInt8 = 1, opSend: UInt8 = 2, opRecv: UInt8 = 3

    init(key: String, server: ServerDef, check: HealthCheck, health: ServerHealth, worker: Worker) {
        self.key = key
        self.check = check
        self.health = health
        self.worker = worker
        var target = server.address
        if check.port > 0 { target = target.withPort(UInt16(clamping: check.port)) }
        address = UpstreamAddress(target)
        hostHeader = check.hostname.isEmpty ? String(decoding: server.hostHeader, as: UTF8.self) : check.hostname
        path = check.path.isEmpty ? "/" : check.path
        registration = worker.loop.register(self)
    }

    deinit {
        buffer.deallocate()
        request.deallocate()
    }

    func start() {
        nextRun = worker.loop.now
        worker.loop.arm(registration, at: nextRun)
    }

    /// Stops checking; the probe frees itself once nothing is in flight.
    func stop() {
        stopped = true
        if pending > 0 { worker.loop.poller.cancel(fd: fd) } else { closeFinished() }
    }

    func timerFired() {
        guard !stopped else { return }
        let now = worker.loop.now
        switch phase {
        case .idle:
            if now >= nextRun { run() } else { worker.loop.arm(registration, at: nextRun) }
        case .closing:
            break
        default:
            if now >= deadline { finish(up: false, reason: "no answer within \(check.timeout)") }
        }
    }

    private func run() {
        redirectsLeft = check.followRedirects ? 5 : 0
        path = check.path.isEmpty ? "/" : check.path
        connect()
    }

    private func connect() {
        do {
            fd = try Posix.tcpSocket(family: address.family)
        } catch {
            finish(up: false, reason: "\(error)")
            return
        }
        var text = "\(check.method) \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUser-Agent: Limpet/\(limpetVersion) health check\r\n"
        for header in check.headers { text += "\(header.name): \(header.value)\r\n" }
        text += "Connection: close\r\n\r\n"
        request.deallocate()
        request = UnsafeMutableRawBufferPointer.allocate(byteCount: text.utf8.count, alignment: 1)
        request.copyBytes(from: text.utf8)
        sent = 0
        received = 0
        phase = .connecting
        deadline = worker.loop.now + check.timeout.wholeNanoseconds
        worker.loop.arm(registration, at: deadline)
        pending += 1
        worker.loop.poller.connect(fd: fd, address: address.pointer, length: address.length,
                                   token: registration.token(Self.opConnect))
    }

    func complete(op: UInt8, _ completion: Completion) {
        pending -= 1
        let result = completion.result
        if stopped || phase == .closing {
            if pending == 0 { closeFinished() }
            return
        }
        switch op {
        case Self.opConnect:
            guard result >= 0 else { return finish(up: false, reason: "\(IOError("connect", errno: -result))") }
            phase = .sending
            sendMore()
        case Self.opSend:
            guard result >= 0 else { return finish(up: false, reason: "\(IOError("send", errno: -result))") }
            sent += Int(result)
            if sent < request.count { sendMore() } else { phase = .reading; readMore() }
        case Self.opRecv:
            guard result > 0 else {
                let why = result == 0 ? "the server closed the connection before answering"
                    : "\(IOError("recv", errno: -result))"
                return finish(up: false, reason: why)
            }
            received += Int(result)
            evaluate()
        default:
            break
        }
    }

    private func sendMore() {
        pending += 1
        worker.loop.poller.send(fd: fd, from: request.baseAddress! + sent, count: request.count - sent,
                                token: registration.token(Self.opSend))
    }

    private func readMore() {
        guard received < capacity else { return finish(up: false, reason: "response head too large") }
        pending += 1
        worker.loop.poller.recv(fd: fd, into: buffer + received, count: capacity - received,
                                token: registration.token(Self.opRecv))
    }

    private func evaluate() {
        let bytes = UnsafeRawBufferPointer(start: buffer, count: received)
        switch ResponseScanner.scan(bytes, headers: headers, maxHeadLength: capacity) {
        case .incomplete:
            readMore()
        case .failure(let reason):
            finish(up: false, reason: "malformed response: \(reason)")
        case .complete(let head):
            if (300..<400).contains(head.status), redirectsLeft > 0, let location = sameServerLocation(bytes) {
                redirectsLeft -= 1
                closeSocket()
                path = location
                connect()
                return
            }
            let healthy = check.status != 0 ? head.status == check.status : (200..<400).contains(head.status)
            finish(up: healthy, reason: "status \(head.status)")
        }
    }

    /// The path of a `Location` that stays on this server (a path, or an absolute URL with our authority).
    private func sameServerLocation(_ bytes: UnsafeRawBufferPointer) -> String? {
        let name: StaticString = "location"
        let found = name.withUTF8Buffer { headers.firstIndex(named: UnsafeRawBufferPointer($0), in: bytes) }
        guard let i = found else { return nil }
        let value = String(decoding: UnsafeRawBufferPointer(
            rebasing: bytes[Int(headers[i].value.start)..<Int(headers[i].value.end)]), as: UTF8.self)
        if value.hasPrefix("/") { return value }
        let prefix = "http://\(hostHeader)"
        if value.hasPrefix(prefix) {
            let rest = value.dropFirst(prefix.count)
            return rest.isEmpty ? "/" : (rest.hasPrefix("/") ? String(rest) : nil)
        }
        return nil
    }

    private func closeSocket() {
        if fd >= 0 {
            worker.loop.poller.forget(fd: fd)
            Posix.close(fd)
            fd = -1
        }
    }

    private func finish(up: Bool, reason: String) {
        if health.setActive(up) {
            if up {
                worker.logger.notice("health check: \(health.label) is up again (\(reason))")
            } else {
                worker.logger.warning("health check: \(health.label) is down: \(reason)")
            }
        }
        nextRun = worker.loop.now + (up ? check.interval : check.unhealthyInterval).wholeNanoseconds
        if pending > 0 {
            phase = .closing
            worker.loop.poller.cancel(fd: fd)
        } else {
            closeFinished()
        }
    }

    private func closeFinished() {
        closeSocket()
        if stopped {
            worker.loop.unregister(registration)
            return
        }
        phase = .idle
        worker.loop.arm(registration, at: nextRun)
    }
}

extension SocketAddress {
    /// The same address with another port.
    func withPort(_ port: UInt16) -> SocketAddress {
        var copy = self
        withUnsafeMutableBytes(of: &copy.storage) { raw in
            // sin_port and sin6_port sit at the same offset, right after the family.
            raw.storeBytes(of: port.bigEndian, toByteOffset: 2, as: UInt16.self)
        }
        return copy
    }
}
