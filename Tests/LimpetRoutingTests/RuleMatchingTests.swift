import LimpetHTTP
import LimpetRouting
import Testing

// MARK: - Support: requests as the proxy sees them

struct NotAComplete: Error, CustomStringConvertible {
    var description: String
}

/// An HTTP/1.1 request head.
func request(method: String = "GET", host: String = "example.com", target: String = "/",
             headers: [(String, String)] = []) -> String {
    var text = "\(method) \(target) HTTP/1.1\r\nHost: \(host)\r\n"
    for (name, value) in headers { text += "\(name): \(value)\r\n" }
    return text + "\r\n"
}

/// Scans `head` with the real scanner and builds the view the way the proxy does (method, effective host, path,
/// query, the header table and the scanned buffer, the peer), valid only inside `body`.
func withScannedRequest<T>(_ head: String, peer: String? = nil, _ body: (RequestView) throws -> T) throws -> T {
    let bytes = Array(head.utf8)
    let table = HeaderTable(capacity: 32)
    let address = try peer.map { try SocketAddress.resolve(host: $0, port: 40_000) }
    return try bytes.withUnsafeBytes { source in
        guard case .complete(let h) = RequestScanner.scan(source, headers: table, maxHeadLength: 16_384) else {
            throw NotAComplete(description: "not a complete request head: \(head.debugDescription)")
        }
        func bytes(_ span: Span?) -> UnsafeRawBufferPointer {
            guard let span, !span.isEmpty else { return UnsafeRawBufferPointer(start: source.baseAddress, count: 0) }
            return UnsafeRawBufferPointer(rebasing: source[Int(span.start)..<Int(span.end)])
        }
        let view = RequestView(method: bytes(h.methodSpan), host: bytes(h.effectiveHost), path: bytes(h.path),
                               query: bytes(h.query), headers: table, source: source, peer: address)
        return try body(view)
    }
}

/// Whether `rule` matches the request head, from `peer`.
func check(_ rule: String, _ head: String, peer: String? = "198.51.100.1") throws -> Bool {
    let compiled = try RuleParser.parse(rule)
    return try withScannedRequest(head, peer: peer) { compiled.matches($0) }
}

// MARK: - Matching, from Traefik's documentation and tests

@Suite struct RuleMatchingTests {
    @Test func documentedCombination() throws {
        let rule = "Host(`example.com`) && (PathPrefix(`/api`) || Header(`X-Api`, `1`))"
        #expect(try check(rule, request(target: "/api/users")))
        #expect(try check(rule, request(target: "/other", headers: [("X-Api", "1")])))
        #expect(try check(rule, request(host: "EXAMPLE.com:8080", target: "/other", headers: [("x-api", "1")])))
        #expect(try !check(rule, request(target: "/other", headers: [("X-Api", "2")])))
        #expect(try !check(rule, request(target: "/other")))
        #expect(try !check(rule, request(host: "example.org", target: "/api/users")))
        #expect(try !check(rule, request(host: "example.org", target: "/", headers: [("X-Api", "1")])))
    }

    @Test func hostRegexp() throws {
        let rule = "HostRegexp(`^.+\\.example\\.com$`)"
        #expect(try check(rule, request(host: "api.example.com")))
        #expect(try check(rule, request(host: "a.b.example.com:8443")))
        // Matched against the lower-cased host, as Traefik canonicalises it.
        #expect(try check(rule, request(host: "API.Example.COM")))
        #expect(try !check(rule, request(host: "example.com")))
        #expect(try !check(rule, request(host: "api.example.com.evil")))
        #expect(try !check(rule, request(host: "api.example.org")))
        // Unanchored, as Go's MatchString.
        #expect(try check("HostRegexp(`example`)", request(host: "www.example.org")))
        // The regex is not lower-cased: upper-case letters never match.
        #expect(try !check("HostRegexp(`^[A-Z]+\\.com$`)", request(host: "EXAMPLE.com")))
        // v2 placeholders are literal text in v3.
        #expect(try !check("HostRegexp(`{domain:[a-z]+\\.com}`)", request(host: "example.com")))
        #expect(try check("HostRegexp(`^::1$`)", request(host: "[::1]:8000")))
        #expect(try check("HostRegexp(`^[a-z-]+\\.com$`)", request(host: "example.com:8080")))
    }

    @Test func pathRegexp() throws {
        let rule = "PathRegexp(`\\.(jpeg|jpg|png)$`)"
        #expect(try check(rule, request(target: "/img/cat.png")))
        #expect(try check(rule, request(target: "/cat.jpeg?size=large")))
        #expect(try check(rule, request(target: "/img/cat%2Ejpg")))  // decoded path, as URL.Path
        #expect(try !check(rule, request(target: "/img/cat.PNG")))
        #expect(try !check(rule, request(target: "/img/cat.png/raw")))
        #expect(try !check(rule, request(target: "/img/cat.gif?f=.png")))
        // Traefik's own cases.
        let css = "PathRegexp(`^/(css|js)`)"
        for path in ["/css", "/css/", "/css/main.css", "/js/main.js"] { #expect(try check(css, request(target: path))) }
        for path in ["/", "/html", "/CSS", "/a/css"] { #expect(try !check(css, request(target: path))) }
        let v2 = "PathRegexp(\"/{path:(css|js)}\")"
        #expect(try check(v2, request(target: "/%7Bpath:css%7D/")))
        #expect(try !check(v2, request(target: "/css")))
        // Go's `$` is the end of the text, never before a final newline.
        #expect(try !check("PathRegexp(`^/foo$`)", request(target: "/foo%0A")))
        #expect(try check("PathRegexp(`^/foo$`)", request(target: "/foo")))
    }

    @Test func header() throws {
        let rule = "Header(`X-Forwarded-Proto`, `https`)"
        #expect(try check(rule, request(headers: [("X-Forwarded-Proto", "https")])))
        #expect(try check(rule, request(headers: [("x-forwarded-proto", "https")])))
        #expect(try check(rule, request(headers: [("X-Forwarded-Proto", "http"), ("X-Forwarded-Proto", "https")])))
        #expect(try check(rule, request(headers: [("X-Forwarded-Proto", "   https\t")])))
        #expect(try !check(rule, request(headers: [("X-Forwarded-Proto", "HTTPS")])))
        #expect(try !check(rule, request(headers: [("X-Forwarded-Proto", "http, https")])))  // one value per line
        #expect(try !check(rule, request(headers: [("X-Forwarded-Host", "https")])))
        #expect(try !check(rule, request()))
        // The non-canonical spelling in the rule finds the field too.
        #expect(try check("Header(`x-FORWARDED-proto`, `https`)", request(headers: [("X-Forwarded-Proto", "https")])))
    }

    @Test func headerRegexp() throws {
        let rule = "HeaderRegexp(`X-Forwarded-Proto`, `^https?$`)"
        #expect(try check(rule, request(headers: [("X-Forwarded-Proto", "http")])))
        #expect(try check(rule, request(headers: [("x-forwarded-proto", "https")])))
        #expect(try check(rule, request(headers: [("X-Forwarded-Proto", "ws"), ("X-Forwarded-Proto", "https")])))
        #expect(try !check(rule, request(headers: [("X-Forwarded-Proto", "HTTPS")])))
        #expect(try !check(rule, request(headers: [("X-Forwarded-Host", "example.com")])))
        let v2 = "HeaderRegexp(`X-Forwarded-Proto`, `http{secure:s?}`)"
        #expect(try check(v2, request(headers: [("X-Forwarded-Proto", "http{secure:s}")])))
        #expect(try check(v2, request(headers: [("X-Forwarded-Proto", "http{secure:}")])))
        #expect(try !check(v2, request(headers: [("X-Forwarded-Proto", "https")])))
        #expect(try check("HeaderRegexp(`Accept`, `(?i)JSON`)", request(headers: [("Accept", "application/json")])))
    }

    @Test func withoutAHeaderTableOrAPeerThoseMatchersFail() throws {
        // The four-argument view (no header table, no peer) still routes on host, path and method.
        let header = try RuleParser.parse("Header(`X-A`, `1`)")
        let notClientIP = try RuleParser.parse("!ClientIP(`0.0.0.0/0`)")
        let hostRegexp = try RuleParser.parse("HostRegexp(`^a$`)")
        #expect(withRequest(host: "a") { header.matches($0) } == false)
        #expect(withRequest(host: "a") { notClientIP.matches($0) } == true)
        #expect(withRequest(host: "a") { hostRegexp.matches($0) } == true)
    }

    @Test func query() throws {
        let rule = "Query(`q`, `traefik`)"
        for target in ["/?q=traefik", "/?rel=ddg&q=traefik", "/?q=traefik&q=proxy", "/?q=awesome&q=traefik",
                       "/?q=tra%65fik", "/?&&q=traefik&", "/?q=%zz&q=traefik", "/?q=traefik&bad=%zz"] {
            #expect(try check(rule, request(target: target)), "\(target)")
        }
        for target in ["/", "/?q=nginx", "/?rel=ddg", "/?q=TRAEFIK", "/?Q=traefik", "/?rel=traefik",
                       "/?q=traefik%", "/?q=traefik%zz", "/?a=1;q=traefik", "/?q=traefik;a=1", "/?q=traefik=x",
                       "/?q"] {
            #expect(try !check(rule, request(target: target)), "\(target)")
        }
        // A piece holding `;` is dropped (Go 1.17+); an encoded one is data.
        #expect(try !check("Query(`q`, `a;b`)", request(target: "/?q=a;b")))
        #expect(try check("Query(`q`, `a;b`)", request(target: "/?q=a%3Bb")))
        #expect(try check("Query(`q`, `1`)", request(target: "/?x=;&q=1")))
        // `+` and %20 are spaces, in keys and values.
        #expect(try check("Query(`a b`, `c d`)", request(target: "/?a+b=c%20d")))
        #expect(try check("Query(`a b`, `c d`)", request(target: "/?a%20b=c+d")))
        #expect(try !check("Query(`a+b`, `c`)", request(target: "/?a+b=c")))
        #expect(try check("Query(`a+b`, `c`)", request(target: "/?a%2Bb=c")))
    }

    @Test func queryWithOneArgumentMatchesAnEmptyValue() throws {
        // Traefik reads Query(`mobile`) as Query(`mobile`, ``): `?mobile` and `?mobile=` match,
        // `?mobile=true` does not.
        let rule = "Query(`mobile`)"
        #expect(try check(rule, request(target: "/?mobile")))
        #expect(try check(rule, request(target: "/?mobile=")))
        #expect(try check(rule, request(target: "/?mobile=true&mobile")))
        #expect(try !check(rule, request(target: "/")))
        #expect(try !check(rule, request(target: "/?mobile=true")))
        #expect(try !check(rule, request(target: "/?mobiles")))
        #expect(try check("Query(`mobile`, `true`)", request(target: "/?mobile=true")))
        #expect(try !check("Query(`mobile`, `true`)", request(target: "/?mobile")))
    }

    @Test func queryRegexp() throws {
        let rule = "QueryRegexp(`q`, `^(traefik|nginx)$`)"
        for target in ["/?q=traefik", "/?rel=ddg&q=nginx", "/?q=awesome&q=traefik", "/?q=ngin%78"] {
            #expect(try check(rule, request(target: target)), "\(target)")
        }
        for target in ["/", "/?q=TRAEFIK", "/?Q=nginx", "/?rel=nginx", "/?q=haproxy", "/?q=nginx%zz"] {
            #expect(try !check(rule, request(target: target)), "\(target)")
        }
        #expect(try check("QueryRegexp(`q`, `^.*$`)", request(target: "/?q=")))
        #expect(try !check("QueryRegexp(`q`, `^.*$`)", request(target: "/?r=1")))
        #expect(try check("QueryRegexp(`q`, `{value:(traefik|nginx)}`)", request(target: "/?q=%7Bvalue:traefik%7D")))
        #expect(try !check("QueryRegexp(`q`, `{value:(traefik|nginx)}`)", request(target: "/?q=traefik")))
    }

    @Test func clientIPv4() throws {
        let rule = "ClientIP(`192.168.0.0/16`)"
        #expect(try check(rule, request(), peer: "192.168.1.1"))
        #expect(try check(rule, request(), peer: "192.168.255.254"))
        #expect(try check(rule, request(), peer: "::ffff:192.168.3.4"))  // IPv4-mapped, from a dual-stack listener
        #expect(try !check(rule, request(), peer: "192.169.0.1"))
        #expect(try !check(rule, request(), peer: "10.0.0.1"))
        #expect(try !check(rule, request(), peer: "::ffff:10.0.0.1"))
        #expect(try !check(rule, request(), peer: "fe80::c0a8:101"))
        #expect(try !check(rule, request(), peer: nil))
        // Never the forwarded address.
        #expect(try !check(rule, request(headers: [("X-Forwarded-For", "192.168.1.1")]), peer: "10.0.0.1"))
        #expect(try check("ClientIP(`127.0.0.1`)", request(), peer: "127.0.0.1"))
        #expect(try !check("ClientIP(`127.0.0.1`)", request(), peer: "127.0.0.2"))
        #expect(try check("ClientIP(`10.1.2.3/8`)", request(), peer: "10.200.0.1"))  // host bits ignored
        #expect(try check("ClientIP(`0.0.0.0/0`)", request(), peer: "::ffff:1.2.3.4"))
        #expect(try !check("ClientIP(`0.0.0.0/0`)", request(), peer: "::1"))
    }

    @Test func clientIPv6() throws {
        let rule = "ClientIP(`::1`)"
        #expect(try check(rule, request(), peer: "::1"))
        #expect(try !check(rule, request(), peer: "::2"))
        #expect(try !check(rule, request(), peer: "127.0.0.1"))
        #expect(try check("ClientIP(`2001:db8::/32`)", request(), peer: "2001:db8:1::5"))
        #expect(try !check("ClientIP(`2001:db8::/32`)", request(), peer: "2001:db9::5"))
        // As Go: an IPv6 range never holds an IPv4 peer; an IPv4-mapped range is an IPv4 range.
        #expect(try check("ClientIP(`::/0`)", request(), peer: "fe80::1"))
        #expect(try !check("ClientIP(`::/0`)", request(), peer: "10.0.0.1"))
        #expect(try check("ClientIP(`::ffff:10.0.0.0/104`)", request(), peer: "10.9.9.9"))
        #expect(try check("ClientIP(`::ffff:10.0.0.0/104`)", request(), peer: "::ffff:10.9.9.9"))
        #expect(try !check("ClientIP(`::ffff:10.0.0.0/104`)", request(), peer: "11.0.0.1"))
        #expect(try check("ClientIP(`::ffff:10.1.2.3`)", request(), peer: "10.1.2.3"))
    }

    @Test func negationAndPrecedenceWhileMatching() throws {
        let rule = "!ClientIP(`10.0.0.0/8`) && Method(`POST`) || Query(`debug`, `1`)"
        #expect(try check(rule, request(method: "POST"), peer: "192.0.2.1"))
        #expect(try !check(rule, request(method: "POST"), peer: "10.0.0.1"))
        #expect(try !check(rule, request(method: "GET"), peer: "192.0.2.1"))
        #expect(try check(rule, request(method: "GET", target: "/?debug=1"), peer: "10.0.0.1"))
    }

    @Test func aRuleIsSharedAcrossThreads() async throws {
        let rule = try RuleParser.parse("HostRegexp(`^w+\\d\\.example$`) && HeaderRegexp(`X-N`, `^[0-9]+$`)")
        let results = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<64 {
                group.addTask {
                    let good = n % 2 == 0
                    let head = request(host: good ? "www\(n % 10).example" : "web.example",
                                       headers: [("X-N", String(n))])
                    let matched = (try? withScannedRequest(head) { rule.matches($0) }) ?? !good
                    return matched == good
                }
            }
            var all: [Bool] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 64)
        #expect(results.allSatisfy { $0 })
    }
}
