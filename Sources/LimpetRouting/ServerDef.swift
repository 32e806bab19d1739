/// One backend server of a load balancer.
public struct ServerDef: Sendable {
    /// Exactly as configured; the sticky cookie value is computed from it.
    public let url: String
    /// Host from the URL, without brackets (`127.0.0.1`, `::1`, `whoami`).
    public let host: String
    public let port: UInt16
    /// 0: only existing sticky sessions reach it (SPEC §5.5).
    public let weight: Int
    /// Resolved when the snapshot was built.
    public let address: SocketAddress
    /// The `Host` header sent when `passHostHeader` is false: the URL's authority (`127.0.0.1:9001`).
    public let hostHeader: [UInt8]
    /// 0 for a configured server. For a server that left the configuration (SPEC §5.5): the monotonic time
    /// (ns) until which requests whose sticky cookie names it still reach it; it gets no new sessions.
    public var drainingUntil: UInt64 = 0

    public init(url: String, host: String, port: UInt16, weight: Int, address: SocketAddress, hostHeader: [UInt8]) {
        self.url = url
        self.host = host
        self.port = port
        self.weight = weight
        self.address = address
        self.hostHeader = hostHeader
    }

    public var isDraining: Bool { drainingUntil != 0 }

    /// The parts of a server URL (`http://HOST[:PORT][/PATH]`).
    public struct ParsedURL: Sendable, Equatable {
        public var scheme: String
        /// Without brackets.
        public var host: String
        public var port: UInt16
        /// `host[:port]` as written in the URL, brackets included.
        public var authority: String
        /// Everything after the authority (`""` or `/`, usually).
        public var path: String
    }

    /// Splits a server URL; returns a message when it is not `http://HOST[:PORT][/PATH]`.
    public static func parseURL(_ url: String) -> Result<ParsedURL, URLError> {
        guard let schemeEnd = url.firstRange(of: "://") else {
            return .failure(URLError(message: "server URL \"\(url)\" has no scheme; expected http://HOST:PORT"))
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" else {
            return .failure(URLError(message: "server URL \"\(url)\": scheme \"\(scheme)\" is not supported (only http)"))
        }
        let rest = url[schemeEnd.upperBound...]
        let isDelimiter: (Character) -> Bool = { c in c == "/" || c == "?" || c == "#" }
        let authorityEnd = rest.firstIndex(where: isDelimiter) ?? rest.endIndex
        let authority = String(rest[..<authorityEnd])
        let path = String(rest[authorityEnd...])
        if authority.contains("@") {
            return .failure(URLError(message: "server URL \"\(url)\": user information is not supported"))
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                return .failure(URLError(message: "server URL \"\(url)\": missing ']' in IPv6 address"))
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else {
                    return .failure(URLError(message: "server URL \"\(url)\": unexpected text after ']'"))
                }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
            if host.contains(":") {
                return .failure(URLError(message: "server URL \"\(url)\": put an IPv6 address in brackets, [::1]:80"))
            }
        } else {
            host = Substring(authority)
        }
        guard !host.isEmpty else { return .failure(URLError(message: "server URL \"\(url)\" has no host")) }
        var port: UInt16 = 80
        if let portText {
            guard let p = UInt16(portText), p > 0, portText.allSatisfy(\.isASCII) else {
                return .failure(URLError(message: "server URL \"\(url)\": invalid port \"\(portText)\""))
            }
            port = p
        }
        return .success(ParsedURL(scheme: scheme, host: String(host), port: port, authority: authority, path: path))
    }

    public struct URLError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
