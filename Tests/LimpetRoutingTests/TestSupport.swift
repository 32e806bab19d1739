import LimpetRouting

/// Runs `body` with a `RequestView` over the given strings (valid only inside `body`).
func withRequest<T>(method: String = "GET", host: String, path: String = "/", query: String = "",
                    _ body: (RequestView) -> T) -> T {
    let m = Array(method.utf8), h = Array(host.utf8), p = Array(path.utf8), q = Array(query.utf8)
    return m.withUnsafeBytes { mb in
        h.withUnsafeBytes { hb in
            p.withUnsafeBytes { pb in
                q.withUnsafeBytes { qb in body(RequestView(method: mb, host: hb, path: pb, query: qb)) }
            }
        }
    }
}

func matches(_ rule: String, method: String = "GET", host: String, path: String = "/") throws -> Bool {
    let compiled = try RuleParser.parse(rule)
    return withRequest(method: method, host: host, path: path) { compiled.matches($0) }
}

extension StickyCookie {
    func find(_ header: String) -> Match {
        Array(header.utf8).withUnsafeBytes { find(inCookieHeader: $0) }
    }

    func line(_ server: Int) -> String {
        String(decoding: setCookieLine(server: server), as: UTF8.self)
    }
}
