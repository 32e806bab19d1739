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
        #expect(error("Hots(`a`)")?.message == "unknown matcher Hots")
    }

    @Test func v2MultiArgumentHostIsRejected() {
        let e = error("Host(`a`, `b`)")
        #expect(e?.offset == 0)
        #expect(e?.message.contains("exactly one argument") == true)
        #expect(error("Path()")?.message.contains("exactly one argument") == true)
    }

    @Test(arguments: ["HostRegexp(`^a$`)", "PathRegexp(`^/a`)", "Header(`X`, `y`)", "HeaderRegexp(`X`, `y`)",
                      "Query(`a`, `b`)", "QueryRegexp(`a`, `b`)", "ClientIP(`10.0.0.0/8`)"])
    func knownButUnsupportedMatchers(rule: String) {
        let e = error("Host(`a`) && " + rule)
        #expect(e?.offset == 13)
        #expect(e?.message.hasSuffix("is not supported yet") == true)
    }

    @Test func nonASCIIHostIsRejected() {
        #expect(error("Host(`bücher.de`)")?.message.contains("non-ASCII") == true)
    }
}

@Suite struct RouteTableTests {
    func router(_ name: String, _ rule: String, priority: Int = 0, service: Int = 0) throws -> Router {
        Router(name: name, rule: try RuleParser.parse(rule), ruleText: rule,
               priority: priority == 0 ? Router.defaultPriority(ruleText: rule) : priority, serviceIndex: service)
    }

    @Test func longestRuleWinsByDefault() throws {
        let table = RouteTable(routers: [
            try router("catchall@file", "PathPrefix(`/`)", service: 0),
            try router("api@file", "Host(`app.example`) && PathPrefix(`/api`)", service: 1),
            try router("host@file", "Host(`app.example`)", service: 2),
        ])
        // Priorities 15, 41, 19: the length of the rule, as in Traefik.
        #expect(table.routers.map(\.priority) == [41, 19, 15])
        #expect(table.routers.map(\.name) == ["api@file", "host@file", "catchall@file"])
        #expect(withRequest(host: "app.example", path: "/api/x") { table.match($0)?.serviceIndex } == 1)
        #expect(withRequest(host: "app.example", path: "/x") { table.match($0)?.serviceIndex } == 2)
        #expect(withRequest(host: "b", path: "/x") { table.match($0)?.serviceIndex } == 0)
    }

    @Test func explicitPriorityThenName() throws {
        let table = RouteTable(routers: [
            try router("b@file", "Host(`a`)", priority: 10, service: 1),
            try router("a@file", "Host(`a`)", priority: 10, service: 2),
            try router("c@file", "Host(`a`) && Path(`/`)", priority: 5, service: 3),
        ])
        #expect(table.routers.map(\.name) == ["a@file", "b@file", "c@file"])
        #expect(withRequest(host: "a") { table.match($0)?.name } == "a@file")
        #expect(withRequest(host: "z") { table.match($0)?.name } == nil)
    }
}
