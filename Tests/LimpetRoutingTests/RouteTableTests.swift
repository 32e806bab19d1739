import LimpetRouting
import Testing

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

    @Test func explicitPriorityBeatsALongerRule() throws {
        let long = "Host(`app.example`) && PathPrefix(`/api`) && Method(`GET`)"
        let table = RouteTable(routers: [
            try router("long@file", long, service: 1),
            try router("short@file", "Host(`app.example`)", priority: 100, service: 2),
        ])
        #expect(Router.defaultPriority(ruleText: long) == 58)
        #expect(table.routers.map(\.name) == ["short@file", "long@file"])
        #expect(withRequest(host: "app.example", path: "/api") { table.match($0)?.name } == "short@file")
    }

    @Test func equalLengthRulesAreOrderedByName() throws {
        // Both rules are 19 bytes long: the name decides, whatever the order of declaration.
        let table = RouteTable(routers: [
            try router("zeta@file", "Host(`b.example`)  ", service: 1),
            try router("alpha@file", "Host(`a.example`)  ", service: 2),
            try router("mid@file", "HostRegexp(`^[ab]\\.`)", service: 3),
        ])
        #expect(table.routers.map(\.priority) == [21, 19, 19])
        #expect(table.routers.map(\.name) == ["mid@file", "alpha@file", "zeta@file"])
        #expect(withRequest(host: "a.example") { table.match($0)?.name } == "mid@file")
        #expect(withRequest(host: "c.example") { table.match($0)?.name } == nil)
    }

    @Test func v3MatchersPickTheRouterInPriorityOrder() throws {
        let table = RouteTable(routers: [
            try router("app@file", "Host(`app.example`)", service: 1),
            try router("canary@file", "Host(`app.example`) && Header(`X-Canary`, `always`)", service: 2),
            try router("mobile@file", "Host(`app.example`) && Query(`mobile`, `true`)", service: 3),
            try router("office@file", "Host(`app.example`) && ClientIP(`192.168.0.0/16`)", service: 4),
        ])
        #expect(table.routers.map(\.name) == ["canary@file", "office@file", "mobile@file", "app@file"])
        func route(_ head: String, peer: String = "203.0.113.9") throws -> String? {
            try withScannedRequest(head, peer: peer) { table.match($0)?.name }
        }
        #expect(try route(request(host: "app.example")) == "app@file")
        #expect(try route(request(host: "app.example", headers: [("x-canary", "always")])) == "canary@file")
        #expect(try route(request(host: "app.example", target: "/?mobile=true")) == "mobile@file")
        #expect(try route(request(host: "app.example", target: "/?mobile=false")) == "app@file")
        #expect(try route(request(host: "app.example", target: "/?mobile=true"), peer: "192.168.7.7") == "office@file")
        #expect(try route(request(host: "other.example", target: "/?mobile=true")) == nil)
    }
}
