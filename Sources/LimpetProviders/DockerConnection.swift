import Glibc
import LimpetHTTP
import LimpetIO

/// One HTTP/1.1 connection to the Docker daemon, used by one thread at a time and blocking it.
///
/// The socket is non-blocking; every wait goes through `poll(2)` with a deadline, so no call can hang longer than
/// its timeout (the event stream passes none and waits as long as the daemon stays quiet).
final class DockerConnection {
    let socket: Socket
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

    private init(socket: consuming Socket, endpoint: String) {
        self.socket = socket
        self.endpoint = endpoint
    }

    /// Connects to the daemon within `timeout`.
    static func open(_ target: DockerEndpoint, endpoint: String, timeout: Duration) throws(DockerClientError)
        -> DockerConnection
    {
        switch target {
        case .unix(let path):
            // A Unix-socket connect completes at once, or fails with EAGAIN when the daemon's backlog is full.
            do throws(IOError) {
                return DockerConnection(socket: try Socket.unix(connectingTo: path), endpoint: endpoint)
            } catch {
                throw DockerClientError(endpoint, .system(call: error.call, errno: error.errno))
            }
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
            let connection: DockerConnection
            let connected: Bool
            do throws(IOError) {
                connection = DockerConnection(socket: try Socket.tcp(family: info.pointee.ai_family), endpoint: endpoint)
                connected = try connection.socket.connect(to: info.pointee.ai_addr, length: info.pointee.ai_addrlen)
            } catch {
                lastError = DockerClientError(endpoint, .system(call: error.call, errno: error.errno))
                continue
            }
            if connected { return connection }
            do {
                guard try connection.wait(for: Int16(POLLOUT), deadline: deadline) else {
                    lastError = DockerClientError(endpoint, .timeout("connecting"))
                    continue
                }
            } catch {
                lastError = error
                continue
            }
            let err: Int32
            do throws(IOError) { err = try connection.socket.pendingError() } catch { err = error.errno }
            if err == 0 { return connection }
            lastError = DockerClientError(endpoint, .system(call: "connect", errno: err))
        }
        throw lastError
    }

    /// True when the daemon has closed this idle connection (or sent something unexpected on it).
    var isDeadWhileIdle: Bool { !pending.isEmpty || (try? socket.peek()) != .wouldBlock }

    /// Sends every byte or throws.
    func send(_ bytes: [UInt8], timeout: Duration) throws(DockerClientError) {
        let deadline = Self.deadline(after: timeout)
        var sent = 0
        while sent < bytes.count {
            let outcome = bytes.withUnsafeBytes { raw in
                Result { () throws(IOError) in try socket.send(UnsafeRawBufferPointer(rebasing: raw[sent...])) }
            }
            switch outcome {
            case .success(.processed(let n)):
                sent += n
            case .success(.wouldBlock):
                guard try wait(for: Int16(POLLOUT), deadline: deadline) else {
                    throw DockerClientError(endpoint, .timeout("sending the request"))
                }
            case .failure(let error):
                throw DockerClientError(endpoint, .system(call: "send", errno: error.errno))
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
            let outcome = readBuffer.withUnsafeMutableBytes { raw in
                Result { () throws(IOError) in try socket.receive(into: raw) }
            }
            switch outcome {
            case .success(.processed(let n)) where n > 0:
                receivedAny = true
                pending.append(contentsOf: readBuffer[0..<n])
                return .bytes
            case .success(.processed):
                return .endOfStream
            case .success(.wouldBlock):
                guard try wait(for: Int16(POLLIN), deadline: deadline) else { return .timedOut }
            case .failure(let error):
                throw DockerClientError(endpoint, .system(call: "recv", errno: error.errno))
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
                let now = Monotonic.nanoseconds
                guard now < deadline else { return false }
                timeoutMs = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            }
            do throws(IOError) {
                // Readiness or an error: the next call reports which. A timeout goes round again, since the clock
                // decides: poll's milliseconds may end a little early.
                if try socket.wait(for: events, timeoutMilliseconds: timeoutMs) { return true }
            } catch {
                throw DockerClientError(endpoint, .system(call: "poll", errno: error.errno))
            }
        }
    }

    /// The monotonic time `duration` from now, in nanoseconds.
    static func deadline(after duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        let ns = UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
        return Monotonic.nanoseconds &+ ns
    }
}
