/// Where the Docker daemon listens, parsed from `providers.docker.endpoint` / `providers.swarm.endpoint`.
enum DockerEndpoint: Sendable, Equatable {
    /// `unix:///var/run/docker.sock`: the socket's path.
    case unix(path: String)
    /// `tcp://host:port`: plain HTTP, no TLS.
    case tcp(host: String, port: UInt16)

    /// The default daemon port when `tcp://host` names none (as the Docker CLI does for plain TCP).
    static let defaultTCPPort: UInt16 = 2375

    /// Parses `unix:///path` (also `unix://relative/path`) and `tcp://host[:port]` (IPv6 as `[::1]:2375`).
    static func parse(_ text: String) throws(DockerClientError) -> DockerEndpoint {
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst("unix://".count))
            guard !path.isEmpty else { throw DockerClientError(text, .badEndpoint("no socket path")) }
            return .unix(path: path)
        }
        if text.hasPrefix("tcp://") {
            var rest = Substring(text.dropFirst("tcp://".count))
            if rest.hasSuffix("/") { rest = rest.dropLast() }
            let host: Substring
            var portText: Substring?
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else {
                    throw DockerClientError(text, .badEndpoint("unterminated IPv6 address"))
                }
                host = rest[rest.index(after: rest.startIndex)..<close]
                let after = rest[rest.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":") else { throw DockerClientError(text, .badEndpoint("bad port")) }
                    portText = after.dropFirst()
                }
            } else if let colon = rest.lastIndex(of: ":") {
                host = rest[..<colon]
                portText = rest[rest.index(after: colon)...]
            } else {
                host = rest
            }
            guard !host.isEmpty, !host.contains("/") else { throw DockerClientError(text, .badEndpoint("no host")) }
            var port = defaultTCPPort
            if let portText {
                guard let p = UInt16(portText), p > 0 else {
                    throw DockerClientError(text, .badEndpoint("bad port \"\(portText)\""))
                }
                port = p
            }
            return .tcp(host: String(host), port: port)
        }
        let scheme = text.firstRange(of: "://").map { String(text[..<$0.lowerBound]) } ?? ""
        let why = scheme.isEmpty ? "not a URL" : "\(scheme):// endpoints are not supported"
        throw DockerClientError(text, .badEndpoint(why))
    }

    /// The `Host` header sent with each request (the daemon ignores it on a Unix socket, but HTTP/1.1 requires one).
    var hostHeader: String {
        switch self {
        case .unix: return "docker"
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}
