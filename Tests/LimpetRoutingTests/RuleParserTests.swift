import LimpetRouting
import Testing

@Suite struct RuleParserTests {
    @Test func hostIsCaseInsensitiveAndIgnoresThePort() throws {
        let rule = "Host(`App.Localhost`)"
        #expect(try matches(rule, host: "app.localhost"))
        #expect(try matches(rule, host: "APP.LOCALHOST:8000"))
        #expect(try matches(rule, host: "app.localhost."))
        #expect(try !matches(rule, host: "app.localhost.evil"))
        #expect(try !matches(rule, host: "other.localhost"))
        #expect(try !matches(rule, host: ""))
        #expect(try matches("Host(`example.com.`)", host: "Example.com:80"))
    }

    @Test func ipv6Hosts() throws {
        #expect(try matches("Host(`::1`)", host: "[::1]:8000"))
        #expect(try matches("Host(`::1`)", host: "::1"))
        #expect(try matches("Host(`[::1]`)", host: "[::1]"))
        #expect(try matches("Host(`fe80::abcd`)", host: "[FE80::ABCD]:80"))
        #expect(try !matches("Host(`::1`)", host: "[::2]:8000"))
    }

    @Test func pathAndPathPrefix() throws {
        #expect(try matches("Path(`/api`)", host: "x", path: "/api"))
        #expect(try !matches("Path(`/api`)", host: "x", path: "/api/"))
        #expect(try !matches("Path(`/api`)", host: "x", path: "/API"))
        #expect(try matches("PathPrefix(`/api`)", host: "x", path: "/api/v1"))
        #expect(try matches("PathPrefix(`/api`)", host: "x", path: "/apiary"))
        #expect(try !matches("PathPrefix(`/api`)", host: "x", path: "/ap"))
        #expect(try matches("PathPrefix(`/`)", host: "x", path: "/anything"))
        // Compared with the decoded path, as Traefik compares URL.Path.
        #expect(try matches("Path(`/a b`)", host: "x", path: "/a%20b"))
        #expect(try matches("PathPrefix(`/é`)", host: "x", path: "/%C3%A9/x"))
    }

    @Test func method() throws {
        #expect(try matches("Method(`get`)", method: "GET", host: "x"))
        #expect(try !matches("Method(`POST`)", method: "GET", host: "x"))
        #expect(try !matches("Method(`GET`)", method: "get", host: "x"))
    }

    @Test func andBindsTighterThanOr() throws {
        // a || b && c  ==  a || (b && c)
        let rule = "Host(`a`) || Host(`b`) && Path(`/x`)"
        #expect(try matches(rule, host: "a", path: "/y"))
        #expect(try matches(rule, host: "b", path: "/x"))
        #expect(try !matches(rule, host: "b", path: "/y"))
        #expect(try RuleParser.parse(rule) == .or(.host(Array("a".utf8)),
                                                 .and(.host(Array("b".utf8)), .path(Array("/x".utf8)))))
    }

    @Test func parenthesesAndNot() throws {
        let rule = "(Host(`a`) || Host(`b`)) && !PathPrefix(`/admin`)"
        #expect(try matches(rule, host: "a", path: "/x"))
        #expect(try matches(rule, host: "b", path: "/"))
        #expect(try !matches(rule, host: "b", path: "/admin/x"))
        #expect(try !matches(rule, host: "c", path: "/x"))
        #expect(try matches("!!Host(`a`)", host: "a"))
        #expect(try matches("! ( Host(`a`) )", host: "b"))
    }

    @Test func whitespaceQuotesAndCase() throws {
        #expect(try matches("  Host ( \"a.b\" )&&PathPrefix(`/`)  ", host: "A.B"))
        #expect(try matches("host(`a`) && pathprefix(`/`)", host: "a"))
        #expect(try matches("Host(\"a\\\"b\")", host: "a\"b"))
        #expect(try matches("Host(`a`)\n|| Host(`b`)", host: "b"))
    }

    func error(_ rule: String) -> RuleError? {
        do {
            _ = try RuleParser.parse(rule)
            return nil
        } catch {
            return error
        }
    }

    @Test func errorOffsets() {
        #expect(error("") == RuleError(offset: 0, message: "empty rule"))
        #expect(error("Host(`a`) &&")?.offset == 12)
        #expect(error("Host(`a`) Path(`/`)")?.offset == 10)
        #expect(error("Host(a)")?.offset == 5)
        #expect(error("Host(`a`")?.offset == 8)
        #expect(error("Host(`a)")?.offset == 5)
        #expect(error("(Host(`a`)")?.offset == 0)
        #expect(error("Host(`a`))")?.offset == 9)
        #expect(error("Path(`api`)")?.offset == 5)
        #expect(error("Path(`api`)")?.message.contains("does not start with a '/'") == true)
        #expect(error("Host(`a`) & Host(`b`)")?.offset == 10)
        #expect(error("Hots(`a`)")?.message == "unknown matcher Hots (did you mean Host?)")
        #expect(error("PathPrefx(`/a`)")?.message == "unknown matcher PathPrefx (did you mean PathPrefix?)")
        #expect(error("Nope(`a`)")?.message == "unknown matcher Nope")
    }

    @Test func suggestionsAreWithinTwoEdits() {
        #expect(Suggestion.closest(to: "hots", among: ["Host", "HostRegexp"]) == "Host")
        #expect(Suggestion.closest(to: "Hostregexp", among: ["Host", "HostRegexp"]) == "HostRegexp")
        #expect(Suggestion.closest(to: "Method", among: ["Host", "Path"]) == nil)
    }

    @Test func v2MultiArgumentHostIsRejected() {
        let e = error("Host(`a`, `b`)")
        #expect(e?.offset == 0)
        #expect(e?.message.contains("exactly one argument") == true)
        #expect(error("Path()")?.message.contains("exactly one argument") == true)
    }

    @Test func nonASCIIHostIsRejected() {
        #expect(error("Host(`bücher.de`)")?.message.contains("non-ASCII") == true)
    }

    // MARK: - The v3 matchers

    func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func everyMatcherParses() throws {
        #expect(try RuleParser.parse("HostRegexp(`^.+\\.example\\.com$`)")
            == .hostRegexp(try RuleRegex(goSyntax: "^.+\\.example\\.com$")))
        #expect(try RuleParser.parse("PathRegexp(`\\.(jpeg|jpg|png)$`)")
            == .pathRegexp(try RuleRegex(goSyntax: "\\.(jpeg|jpg|png)$")))
        #expect(try RuleParser.parse("Header(`X-Api`, `1`)") == .header(name: b("X-Api"), value: b("1")))
        #expect(try RuleParser.parse("HeaderRegexp(`Accept`, `json`)")
            == .headerRegexp(name: b("Accept"), try RuleRegex(goSyntax: "json")))
        #expect(try RuleParser.parse("Query(`mobile`, `true`)") == .query(key: b("mobile"), value: b("true")))
        #expect(try RuleParser.parse("Query(`mobile`)") == .query(key: b("mobile"), value: []))
        #expect(try RuleParser.parse("QueryRegexp(`q`, `^a`)")
            == .queryRegexp(key: b("q"), try RuleRegex(goSyntax: "^a")))
        // One argument: the same as Query, as in Traefik.
        #expect(try RuleParser.parse("QueryRegexp(`q`)") == .query(key: b("q"), value: []))
        #expect(try RuleParser.parse("ClientIP(`192.168.0.0/16`)") == .clientIP(try IPRange(parsing: "192.168.0.0/16")))
        #expect(try RuleParser.parse("ClientIP(`::1`)") == .clientIP(try IPRange(parsing: "::1")))
        #expect(try RuleParser.parse("Method(`get`)") == .method(b("GET")))
    }

    @Test func matcherNamesAreCaseInsensitive() throws {
        #expect(try RuleParser.parse("hostregexp(`a`)") == RuleParser.parse("HostRegexp(`a`)"))
        #expect(try RuleParser.parse("HEADER(`a`, `b`)") == RuleParser.parse("Header(`a`, `b`)"))
        #expect(try RuleParser.parse("clientip(`::1`)") == RuleParser.parse("ClientIP(`::1`)"))
        #expect(try RuleParser.parse("queryREGEXP(`a`, `b`)") == RuleParser.parse("QueryRegexp(`a`, `b`)"))
    }

    @Test func notBindsTighterThanAndWhichBindsTighterThanOr() throws {
        let a = Rule.host(b("a")), bb = Rule.host(b("b")), c = Rule.host(b("c"))
        #expect(try RuleParser.parse("!Host(`a`) && Host(`b`)") == .and(.not(a), bb))
        #expect(try RuleParser.parse("!Host(`a`) || Host(`b`)") == .or(.not(a), bb))
        #expect(try RuleParser.parse("Host(`a`) && Host(`b`) || Host(`c`)") == .or(.and(a, bb), c))
        #expect(try RuleParser.parse("Host(`a`) || !Host(`b`) && Host(`c`)") == .or(a, .and(.not(bb), c)))
        #expect(try RuleParser.parse("!(Host(`a`) || Host(`b`))") == .not(.or(a, bb)))
        // Left-associative chains.
        #expect(try RuleParser.parse("Host(`a`) && Host(`b`) && Host(`c`)") == .and(.and(a, bb), c))
        #expect(try RuleParser.parse("Host(`a`) || Host(`b`) || Host(`c`)") == .or(.or(a, bb), c))
    }

    @Test func quoting() throws {
        // A backtick argument is raw: the backslash stays.
        #expect(try RuleParser.parse("PathRegexp(`\\.png$`)") == .pathRegexp(try RuleRegex(goSyntax: "\\.png$")))
        // A double-quoted one is a Go string: `\\.` is one backslash and a dot.
        #expect(try RuleParser.parse("PathRegexp(\"\\\\.png$\")") == .pathRegexp(try RuleRegex(goSyntax: "\\.png$")))
        #expect(try RuleParser.parse("Header(\"X\", \"a\\tb\\x41\\u00e9\\101\")")
            == .header(name: b("X"), value: b("a\tbAéA")))
        #expect(try RuleParser.parse("Header(`X`, \"`\")") == .header(name: b("X"), value: b("`")))
        #expect(try RuleParser.parse("Header(\"X\", `\"`)") == .header(name: b("X"), value: b("\"")))
        #expect(error("Header(`X`, \"\\xff\")")?.offset == 13)
        #expect(error("Header(`X`, \"\\q\")")?.offset == 13)
        #expect(error("Host('a')")?.offset == 5)
    }

    @Test func argumentCountErrorsPointAtTheMatcher() {
        #expect(error("Host(`a`) && Header(`X`)")
            == RuleError(offset: 13, message: "Header takes exactly two arguments, got 1"))
        #expect(error("HeaderRegexp(`X`, `a`, `b`)")?.offset == 0)
        #expect(error("HeaderRegexp(`X`, `a`, `b`)")?.message
            .hasPrefix("HeaderRegexp takes exactly two arguments, got 3") == true)
        #expect(error("Query()") == RuleError(offset: 0, message: "Query takes one or two arguments, got 0"))
        #expect(error("QueryRegexp(`a`, `b`, `c`)")?.message
            .hasPrefix("QueryRegexp takes one or two arguments, got 3") == true)
        #expect(error("ClientIP(`10.0.0.1`, `10.0.0.2`)")?.message
            .hasPrefix("ClientIP takes exactly one argument, got 2") == true)
        #expect(error("  HostRegexp()")?.offset == 2)
        #expect(error("PathRegexp(`a`, `b`)")?.offset == 0)
    }

    @Test func emptyArgumentsAreRejected() {
        // Traefik's CheckRule: every argument must be non-empty.
        #expect(error("Host(``)") == RuleError(offset: 5, message: "empty argument to Host"))
        #expect(error("Header(`X`, ``)") == RuleError(offset: 12, message: "empty argument to Header"))
        #expect(error("Query(`q`, \"\")")?.offset == 11)
        #expect(error("Query(``)")?.offset == 6)
        #expect(error("ClientIP(``)")?.offset == 9)
        #expect(error("HostRegexp(``)")?.offset == 11)
        #expect(error("Method(``)")?.offset == 7)
    }

    @Test func invalidRegexpsPointAtTheArgument() {
        let e = error("Host(`a`) && PathRegexp(`/(css`)")
        #expect(e?.offset == 24)
        #expect(e?.message.hasPrefix("invalid regexp \"/(css\" for PathRegexp:") == true)
        #expect(error("HostRegexp(`(example.com`)")?.offset == 11)
        #expect(error("HeaderRegexp(`X`, `[a`)")?.offset == 18)
        #expect(error("QueryRegexp(`q`, `(traefik`)")?.offset == 17)
        // Valid in Swift, not in Go.
        #expect(error("PathRegexp(`(a)\\1`)")?.message.contains("back-references") == true)
        #expect(error("PathRegexp(`a(?=b)`)")?.message.contains("look-around") == true)
        #expect(error("HostRegexp(`🦭.com`)")?.message.contains("non-ASCII") == true)
    }

    @Test func invalidClientIPs() {
        for bad in ["1", "10.0.0.0/33", "::1/129", "10.0.0.256", "localhost", " 10.0.0.1", "10.0.0.0/+8",
                    "fe80::1%eth0"] {
            let e = error("ClientIP(`\(bad)`)")
            #expect(e?.offset == 9, "\(bad)")
            #expect(e?.message == "invalid IP address or CIDR range \"\(bad)\" for ClientIP", "\(bad)")
        }
    }

    @Test func headerNames() {
        #expect(error("Header(`X Api`, `1`)")?.message == "\"X Api\" is not a valid header name")
        #expect(error("Header(`X Api`, `1`)")?.offset == 7)
        #expect(error("HeaderRegexp(`Host`, `a`)")?.message.contains("use Host or HostRegexp") == true)
        #expect(error("Header(`transfer-encoding`, `chunked`)")?.offset == 7)
    }

    @Test func tcpAndV2MatchersAreRejectedWithAReason() {
        #expect(error("Host(`a`) && HostSNI(`a`)")
            == RuleError(offset: 13, message: "matcher HostSNI is for TCP routers, which Limpet does not support"))
        #expect(error("hostsniregexp(`a`)")?.message.contains("TCP routers") == true)
        #expect(error("ALPN(`h2`)")?.message.contains("TCP routers") == true)
        #expect(error("Headers(`X`, `y`)")?.message == "matcher Headers is Traefik v2 syntax: use Header")
        #expect(error("HostHeader(`a`)")?.message == "matcher HostHeader is Traefik v2 syntax: use Host")
    }
}
