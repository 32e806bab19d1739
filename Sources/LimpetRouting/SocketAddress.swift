#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 socket address, ready for `connect(2)`.
public struct SocketAddress: Sendable, CustomStringConvertible {
    public var storage: sockaddr_storage
    public var length: socklen_t
    /// `AF_INET` or `AF_INET6`.
    public var family: Int32

    public init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
        self.family = Int32(storage.ss_family)
    }

    /// A failed resolution: the host and the resolver's message.
    public struct ResolveError: Error, Sendable, CustomStringConvertible {
        public var host: String
        public var message: String
        public var description: String { "cannot resolve \"\(host)\": \(message)" }
    }

    /// Resolves a numeric address (`127.0.0.1`, `::1`, without brackets) or a name (`localhost`).
    ///
    /// A name with both IPv4 and IPv6 addresses resolves to its first IPv4 address, so that `localhost`
    /// reaches a backend listening on 127.0.0.1 only.
    public static func resolve(host: String, port: UInt16) throws(ResolveError) -> SocketAddress {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        hints.ai_flags = AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            let message = status == 0 ? "no address" : String(cString: gai_strerror(status))
            throw ResolveError(host: host, message: message)
        }
        defer { freeaddrinfo(first) }
        var chosen: UnsafeMutablePointer<addrinfo>?
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            let family = entry.pointee.ai_family
            if family == AF_INET {
                chosen = entry
                break
            }
            if family == AF_INET6, chosen == nil { chosen = entry }
            cursor = entry.pointee.ai_next
        }
        guard let entry = chosen, let addr = entry.pointee.ai_addr else {
            throw ResolveError(host: host, message: "no IPv4 or IPv6 address")
        }
        var storage = sockaddr_storage()
        let length = entry.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &storage) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: addr, count: Int(length)))
        }
        return SocketAddress(storage: storage, length: length)
    }

    /// The address bytes (4 for IPv4, 16 for IPv6) and the port, in host order.
    public var ipBytes: [UInt8] {
        var copy = storage
        return withUnsafeBytes(of: &copy) { raw in
            if family == AF_INET {
                let sin = raw.load(as: sockaddr_in.self)
                return withUnsafeBytes(of: sin.sin_addr) { Array($0) }
            }
            let sin6 = raw.load(as: sockaddr_in6.self)
            return withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
        }
    }

    /// On this host's loopback: 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. Allocates nothing (it is asked once per
    /// accepted connection).
    public var isLoopback: Bool {
        var copy = storage
        return withUnsafeBytes(of: &copy) { raw in
            if family == AF_INET {
                return withUnsafeBytes(of: raw.load(as: sockaddr_in.self).sin_addr) { $0[0] == 127 }
            }
            return withUnsafeBytes(of: raw.load(as: sockaddr_in6.self).sin6_addr) { a in
                if (0..<10).contains(where: { a[$0] != 0 }) { return false }
                if a[10] == 0xff && a[11] == 0xff { return a[12] == 127 }  // IPv4-mapped
                return a[10] == 0 && a[11] == 0 && a[12] == 0 && a[13] == 0 && a[14] == 0 && a[15] == 1
            }
        }
    }

    public var port: UInt16 {
        var copy = storage
        return withUnsafeBytes(of: &copy) { raw in
            if family == AF_INET { return UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port) }
            return UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
        }
    }

    /// `127.0.0.1:9001` or `[::1]:9001`.
    public var description: String {
        var bytes = ipBytes
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let af = family
        let ok = bytes.withUnsafeMutableBytes { src in
            inet_ntop(af, src.baseAddress, &text, socklen_t(text.count)) != nil
        }
        let ip = ok ? String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        return family == AF_INET6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
