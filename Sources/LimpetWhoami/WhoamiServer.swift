import Glibc

/// Built-in test backend (SPEC §2 `limpet whoami`): blocking sockets, one thread per
/// connection, HTTP/1.0 and 1.1 with keep-alive, streamed bodies, WebSocket echo.
/// The endpoints are described in `WhoamiConnection`.
public struct WhoamiServer: Sendable {
    public let listen: String
    public let name: String
    public init(listen: String, name: String) {
        self.listen = listen
        self.name = name
    }

    /// Binds `listen` and serves forever; throws if the address cannot be bound.
    public func run() throws -> Never {
        signal(SIGPIPE, SIG_IGN)
        let listener = try Self.bind(listen)
        let context = WhoamiContext(name: name, hostname: Self.hostname(), addresses: Self.interfaceAddresses())
        let banner = "limpet whoami \(name) listening on \(listen)\n"
        _ = banner.withCString { Glibc.write(2, $0, strlen($0)) }
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listener, $0, &length) }
            }
            if fd < 0 {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO: break
                default: usleep(10_000)  // EMFILE, ENFILE, ENOBUFS, ENOMEM: let connections finish
                }
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var idle = timeval(tv_sec: Self.idleSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &idle, socklen_t(MemoryLayout<timeval>.size))
            let job = ConnectionJob(fd: fd, context: context, remote: Self.describe(storage))
            if !Self.spawn(job) { close(fd) }
        }
    }

    /// A connection that sends nothing (or reads nothing we send) for this long is closed.
    static let idleSeconds = 300

    /// Starts a detached thread with a small stack for one connection.
    private static func spawn(_ job: ConnectionJob) -> Bool {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, 512 * 1024)
        let argument = Unmanaged.passRetained(job).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { argument in
            guard let argument else { return nil }
            let job = Unmanaged<ConnectionJob>.fromOpaque(argument).takeRetainedValue()
            job.run()
            return nil
        }, argument)
        if result != 0 {
            Unmanaged<ConnectionJob>.fromOpaque(argument).release()
            return false
        }
        return true
    }

    // MARK: Addresses

    /// Splits `HOST:PORT`, `[V6]:PORT` or `:PORT`.
    static func split(_ listen: String) throws -> (host: String, port: String) {
        if listen.hasPrefix("[") {
            guard let close = listen.firstIndex(of: "]"),
                  listen[listen.index(after: close)...].hasPrefix(":") else {
                throw WhoamiError("invalid listen address \(listen): expected [IPv6]:PORT")
            }
            let host = String(listen[listen.index(after: listen.startIndex)..<close])
            let port = String(listen[listen.index(close, offsetBy: 2)...])
            return (host, port)
        }
        guard let colon = listen.lastIndex(of: ":") else {
            throw WhoamiError("invalid listen address \(listen): expected HOST:PORT")
        }
        let host = String(listen[..<colon])
        if host.contains(":") {
            throw WhoamiError("invalid listen address \(listen): write IPv6 addresses as [ADDR]:PORT")
        }
        return (host, String(listen[listen.index(after: colon)...]))
    }

    static func bind(_ listen: String) throws -> Int32 {
        let (host, port) = try split(listen)
        guard let number = UInt16(port) else {
            throw WhoamiError("invalid port in listen address \(listen)")
        }
        // `:PORT` means every interface: a dual-stack IPv6 socket, or IPv4 only without IPv6.
        let candidates = host.isEmpty ? ["::", "0.0.0.0"] : [host]
        var lastError = "no address"
        for candidate in candidates {
            var hints = addrinfo()
            hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(candidate, String(number), &hints, &list)
            if status != 0 {
                lastError = String(cString: gai_strerror(status))
                continue
            }
            defer { freeaddrinfo(list) }
            var entry = list
            while let info = entry?.pointee {
                entry = info.ai_next
                let fd = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
                if fd < 0 {
                    lastError = String(cString: strerror(errno))
                    continue
                }
                var one: Int32 = 1
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
                if info.ai_family == AF_INET6 {
                    var v6only: Int32 = host.isEmpty ? 0 : 1
                    setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &v6only, socklen_t(MemoryLayout<Int32>.size))
                }
                if Glibc.bind(fd, info.ai_addr, info.ai_addrlen) == 0 && Glibc.listen(fd, 1024) == 0 {
                    return fd
                }
                lastError = String(cString: strerror(errno))
                close(fd)
            }
        }
        throw WhoamiError("cannot listen on \(listen): \(lastError)")
    }

    /// `ip:port`, or `[ip]:port` for IPv6; IPv4-mapped IPv6 addresses are shown as IPv4.
    static func describe(_ storage: sockaddr_storage) -> String {
        var storage = storage
        return withUnsafePointer(to: &storage) { pointer -> String in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                if let (ip, port) = numeric(address) {
                    return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
                }
                return "unknown"
            }
        }
    }

    /// The numeric host and port of an IPv4 or IPv6 socket address.
    static func numeric(_ address: UnsafePointer<sockaddr>) -> (String, UInt16)? {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                var raw = v4.pointee.sin_addr
                guard inet_ntop(AF_INET, &raw, &text, socklen_t(text.count)) != nil else { return nil }
                return (String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
                        UInt16(bigEndian: v4.pointee.sin_port))
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                var raw = v6.pointee.sin6_addr
                let port = UInt16(bigEndian: v6.pointee.sin6_port)
                let isMapped = withUnsafeBytes(of: &raw) { bytes in
                    bytes.prefix(10).allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
                }
                if isMapped {
                    let quad = withUnsafeBytes(of: &raw) { Array($0.suffix(4)) }
                    return (quad.map(String.init).joined(separator: "."), port)
                }
                guard inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count)) != nil else { return nil }
                return (String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), port)
            }
        default:
            return nil
        }
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Every IPv4 and IPv6 address of the host's interfaces, like traefik/whoami's `IP:` lines.
    static func interfaceAddresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var result: [String] = []
        var entry = list
        while let interface = entry?.pointee {
            entry = interface.ifa_next
            guard let address = interface.ifa_addr, let (ip, _) = numeric(address) else { continue }
            if !result.contains(ip) { result.append(ip) }
        }
        return result
    }
}

/// What every connection needs to know about the server.
struct WhoamiContext: Sendable {
    let name: String
    let hostname: String
    let addresses: [String]
}

/// One accepted connection, handed to its thread.
final class ConnectionJob {
    let fd: Int32
    let context: WhoamiContext
    let remote: String

    init(fd: Int32, context: WhoamiContext, remote: String) {
        self.fd = fd
        self.context = context
        self.remote = remote
    }

    func run() {
        WhoamiConnection(stream: SocketStream(fd: fd), context: context, remote: remote).serve()
        close(fd)
    }
}

struct WhoamiError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
