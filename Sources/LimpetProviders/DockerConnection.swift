import CShims
import Glibc
import LimpetHTTP

/// One HTTP/1.1 connection to the Docker daemon, used by one thread at a time and blocking it.
///
/// The socket is non-blocking; every wait goes through `poll(2)` with a deadline, so no call can hang longer than
/// its timeout (the event stream passes none and waits as long as the daemon stays quiet).
final class DockerConnection {
    let fd: Int32
    /// The endpoint as configured, for error messages.
    let endpoint: String
    /// Bytes received and not consumed yet: the rest of a head, a body, or the start of the next response.
    var pending: [UInt8] = []
    /// True once any byte has arrived: a failure before that, on a reused connection, means the daemon had closed
    /// it while idle and the request may be sent again on a fresh one.
    private(set) var receivedAny = false
    private let headers = HeaderTable()
    private var readBuffer = [UInt8](repeating: 0, count: DockerConnection.readSize)

    /// The largest response head accepted.
    static let maxHeadLength = 64 * 1024
    private static let readSize = 64 * 1024

    private init(fd: Int32, endpoint: String) {
        self.fd = fd
        self.endpoint = endpoint
    }

    deinit { Glibc.close(fd) }

    /// Connects to the daemon within `timeout`.
    static func open(_ target: DockerEndpoint, endpoint: String, timeout: Duration) throws(DockerClientError)
        -> DockerConnection
    {
        switch target {
        case .unix(let path):
            // A Unix-socket connect completes at once, or fails with EAGAIN when the daemon's backlog is full.
            let fd = limpet_connect_unix(path)
            guard fd >= 0 else { throw DockerClientError(endpoint, .system(call: "connect", errno: -fd)) }
            return DockerConnection(fd: fd, endpoint: endpoint)
        case .tcp(let host, let port):
            return try openTCP(host: host, port: port, endpoint: endpoint, deadline: deadline(after: timeout))
        }
    }

    private static func openTCP(host: String, port: UInt16, endpoint: String, deadline: UInt64)
        throws(DockerClientError) -> DockerConnection
    {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let list else {
            let reason = gai_strerror(rc).map { String(cString: $0) } ?? "error \(rc)"
            throw DockerClientError(endpoint, .resolve(host: host, reason: reason))
        }
        defer { freeaddrinfo(list) }
        var lastError = DockerClientError(endpoint, .resolve(host: host, reason: "no address"))
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = limpet_socket_tcp(info.pointee.ai_family)
            guard fd >= 0 else {
                lastError = DockerClientError(endpoint, .system(call: "socket", errno: -fd))
                continue
            }
            let connection = DockerConnection(fd: fd, endpoint: endpoint)
            let result = limpet_connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen)
            if result == 0 { return connection }
            guard result == -EINPROGRESS else {
                lastError = DockerClientError(endpoint, .system(call: "connect", errno: -result))
                continue
            }
            do {
                guard try connection.wait(for: Int16(POLLOUT), deadline: deadline) else {
                    lastError = DockerClientError(endpoint, .timeout("connecting"))
                    continue
                }
            } catch {
                lastError = error
                continue
            }
            let err = limpet_socket_error(fd)
            if err == 0 { return connection }
            lastError = DockerClientError(endpoint, .system(call: "connect", errno: err))
        }
        throw lastError
    }

    /// True when the daemon has closed this idle connection (or sent something unexpected on it).
    var isDeadWhileIdle: Bool { !pending.isEmpty || limpet_idle_socket_is_dead(fd) != 0 }

    /// Sends every byte or throws.
    func send(_ bytes: [UInt8], timeout: Duration) throws(DockerClientError) {
        let deadline = Self.deadline(after: timeout)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                limpet_send(fd, raw.baseAddress! + sent, raw.count - sent)
            }
            if n >= 0 {
                sent += n
            } else if n == -Int(EAGAIN) {
                guard try wait(for: Int16(POLLOUT), deadline: deadline) else {
                    throw DockerClientError(endpoint, .timeout("sending the request"))
                }
            } else if n != -Int(EINTR) {
                throw DockerClientError(endpoint, .system(call: "send", errno: Int32(-n)))
            }
        }
    }

    /// What one read produced.
    enum Received {
        case bytes
        case endOfStream
        case timedOut
    }

    /// Appends what the daemon sends next to `pending`, waiting until `deadline` (nil: forever).
    func receive(deadline: UInt64?) throws(DockerClientError) -> Received {
        while true {
            let n = readBuffer.withUnsafeMutableBytes { raw in limpet_recv(fd, raw.baseAddress!, raw.count) }
            if n > 0 {
                receivedAny = true
                pending.append(contentsOf: readBuffer[0..<n])
                return .bytes
            }
            if n == 0 { return .endOfStream }
            if n == -Int(EAGAIN) {
                guard try wait(for: Int16(POLLIN), deadline: deadline) else { return .timedOut }
            } else if n != -Int(EINTR) {
                throw DockerClientError(endpoint, .system(call: "recv", errno: Int32(-n)))
            }
        }
    }

    /// Reads until a whole response head is in `pending`, removes it and returns it. Interim (1xx) responses are
    /// skipped. `timeout` bounds each wait for more bytes.
    func readHead(timeout: Duration) throws(DockerClientError) -> ResponseHead {
        while true {
            let result = pending.withUnsafeBytes { raw in
                ResponseScanner.scan(raw, headers: headers, maxHeadLength: Self.maxHeadLength)
            }
            switch result {
            case .complete(let head):
                pending.removeFirst(head.headLength)
                if head.status >= 100 && head.status < 200 && head.status != 101 { continue }
                return head
            case .failure(let reason):
                throw DockerClientError(endpoint, .badResponse("\(reason)"))
            case .incomplete:
                switch try receive(deadline: Self.deadline(after: timeout)) {
                case .bytes: continue
                case .timedOut: throw DockerClientError(endpoint, .timeout("waiting for the response"))
                case .endOfStream:
                    throw DockerClientError(endpoint, .closed(pending.isEmpty ? "before responding" : "mid-head"))
                }
            }
        }
    }

    /// Reads a whole body framed as `head` says. A body longer than `limit` bytes fails.
    func readBody(_ head: ResponseHead, requestWasHead: Bool = false, limit: Int, timeout: Duration)
        throws(DockerClientError) -> [UInt8]
    {
        var decoder = BodyDecoder(head, requestWasHead: requestWasHead)
        var body: [UInt8] = []
        while true {
            let done: Bool
            do {
                done = try decoder.decode(&pending, into: &body)
            } catch {
                throw DockerClientError(endpoint, .badResponse("malformed chunked body"))
            }
            guard body.count <= limit else {
                throw DockerClientError(endpoint, .badResponse("body longer than \(limit) bytes"))
            }
            if done { return body }
            switch try receive(deadline: Self.deadline(after: timeout)) {
            case .bytes: continue
            case .timedOut: throw DockerClientError(endpoint, .timeout("reading the response body"))
            case .endOfStream:
                if decoder.endsAtClose { return body }
                throw DockerClientError(endpoint, .closed("mid-body"))
            }
        }
    }

    /// Waits for `events` until `deadline` (nil: forever); false on timeout.
    func wait(for events: Int16, deadline: UInt64?) throws(DockerClientError) -> Bool {
        while true {
            var timeoutMs: Int32 = -1
            if let deadline {
                let now = limpet_monotonic_ns()
                guard now < deadline else { return false }
                timeoutMs = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, timeoutMs)
            if ready > 0 { return true }  // readiness or an error: the next call reports which
            if ready == 0 { continue }  // the clock decides: poll's milliseconds may end a little early
            let err = errno
            if err != EINTR { throw DockerClientError(endpoint, .system(call: "poll", errno: err)) }
        }
    }

    /// The monotonic time `duration` from now, in nanoseconds.
    static func deadline(after duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        let ns = UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
        return limpet_monotonic_ns() &+ ns
    }
}
