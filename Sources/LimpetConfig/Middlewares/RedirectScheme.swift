import LimpetHTTP
import LimpetRouting
import Yams

/// `redirectScheme`: answers with a redirect to the same host and target under another scheme, unless the
/// request already came that way (a redirect to itself would loop).
struct RedirectScheme: Middleware {
    static let typeName = "redirectScheme"

    var scheme: String
    /// Empty: the default port of the scheme.
    var port: String
    var permanent: Bool

    static func decode(_ node: Node, key: Node, path p: String, reader r: NodeReader) -> RedirectScheme? {
        guard let f = r.fields(node, path: p, keys: Keys(["scheme", "port", "permanent"])) else { return nil }
        let scheme = r.string(f["scheme"], path: "\(p).scheme") ?? ""
        if scheme.isEmpty { r.error("\(p).scheme: a scheme is required", at: f["scheme"] ?? key) }
        let port = r.string(f["port"], path: "\(p).port") ?? ""
        if let node = f["port"], !port.isEmpty, UInt16(port) == nil {
            r.error("\(p).port: invalid port \"\(port)\"", at: node)
        }
        let permanent = r.bool(f["permanent"], path: "\(p).permanent") ?? false
        return scheme.isEmpty ? nil : RedirectScheme(scheme: scheme, port: port, permanent: permanent)
    }

    func compile(into chain: inout MiddlewareChainBuilder) {
        chain.append(Step(scheme: scheme, port: port, permanent: permanent))
    }

    final class Step: MiddlewareStep {
        /// Lower-cased, e.g. `https`.
        let scheme: [UInt8]
        /// `:8443`, or empty when the port is left out (not configured, or the scheme's default).
        let portSuffix: [UInt8]
        let permanent: Bool

        init(scheme: String, port: String, permanent: Bool) {
            let lower = scheme.lowercased()
            self.scheme = Array(lower.utf8)
            let defaultPort = lower == "https" ? "443" : lower == "http" ? "80" : ""
            portSuffix = port.isEmpty || port == defaultPort ? [] : Array(":\(port)".utf8)
            self.permanent = permanent
        }

        /// 301/308 when permanent, 302/307 otherwise; the 30x that keeps the method for anything but GET.
        func status(isGet: Bool) -> Int {
            permanent ? (isGet ? 301 : 308) : (isGet ? 302 : 307)
        }

        func handle(_ request: inout MiddlewareRequest) -> MiddlewareVerdict {
            if portSuffix.isEmpty && Self.equalsLowercased(request.scheme, scheme) { return .next }
            let status = status(isGet: request.method == .get)
            let path = request.path
            let head = request.head
            return request.answer(status, body: HTTPStatus.reasonPhrase(status)) { line in
                line += "Location: ".utf8
                line += scheme
                line += "://".utf8
                line += RedirectScheme.hostWithoutPort(head.host)
                line += portSuffix
                line += path
                if !head.query.isEmpty {
                    line.append(UInt8(ascii: "?"))
                    line += head.query
                }
                line += "\r\n".utf8
            }
        }

        private static func equalsLowercased(_ received: UnsafeRawBufferPointer, _ lower: [UInt8]) -> Bool {
            received.count == lower.count && zip(received, lower).allSatisfy { a, b in
                (a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z") ? a | 0x20 : a) == b
            }
        }
    }

    /// `host[:port]` → `host` (`[v6]:port` → `[v6]`).
    static func hostWithoutPort(_ host: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var colon = host.count - 1
        while colon >= 0 {
            let c = host[colon]
            if c == UInt8(ascii: ":") { break }
            if c == UInt8(ascii: "]") || c < UInt8(ascii: "0") || c > UInt8(ascii: "9") { return host }
            colon -= 1
        }
        guard colon >= 0 else { return host }
        if host.first != UInt8(ascii: "["), host[..<colon].contains(UInt8(ascii: ":")) { return host }  // bare IPv6
        return UnsafeRawBufferPointer(rebasing: host[..<colon])
    }
}
