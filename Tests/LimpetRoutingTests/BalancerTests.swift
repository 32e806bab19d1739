import LimpetRouting
import Testing

/// Servers as a test states them: health, drain state (with or without its deadline passed) and load.
private struct Members: BalancerMembers {
    var up: [Bool]
    var draining: [Bool]
    var drainOver: [Bool]
    var weights: [Int]
    var load: [Int]
    var ttfb: [Double]

    init(_ count: Int, weights: [Int]? = nil) {
        up = Array(repeating: true, count: count)
        draining = Array(repeating: false, count: count)
        drainOver = Array(repeating: false, count: count)
        self.weights = weights ?? Array(repeating: 1, count: count)
        load = Array(repeating: 0, count: count)
        ttfb = Array(repeating: 0, count: count)
    }

    func takesNewSessions(_ i: Int) -> Bool { weights[i] > 0 && up[i] && !draining[i] }
    func keepsSessions(_ i: Int) -> Bool { up[i] && (!draining[i] || !drainOver[i]) }
    func isDraining(_ i: Int) -> Bool { draining[i] }
    func inFlight(_ i: Int) -> Int { load[i] }
    func averageTTFB(_ i: Int) -> Double { ttfb[i] }
}

/// A request as the balancer reads it: a `Cookie` header, other headers, the client IP.
private struct Request: BalancedRequest {
    var cookieHeader: String?
    var headers: [String: String] = [:]
    var clientIP = "192.0.2.1"

    func cookie(_ sticky: StickyCookie) -> (StickyCookie.Match, UnsafeRawBufferPointer)? {
        guard let cookieHeader else { return nil }
        // Leaked on purpose: the span must outlive this call, as a header in a connection's buffer does.
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: cookieHeader.utf8.count, alignment: 1)
        bytes.copyBytes(from: cookieHeader.utf8)
        let header = UnsafeRawBufferPointer(bytes)
        let match = sticky.find(inCookieHeader: header)
        if case .absent = match { return nil }
        return (match, header)
    }

    func header(named name: String) -> UnsafeRawBufferPointer? {
        guard let value = headers[name], !value.isEmpty else { return nil }
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: value.utf8.count, alignment: 1)
        bytes.copyBytes(from: value.utf8)
        return UnsafeRawBufferPointer(bytes)
    }

    func withClientIP<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        Array(clientIP.utf8).withUnsafeBytes(body)
    }
}

@Suite struct BalancerTests {
    let urls = ["http://10.0.0.1:80", "http://10.0.0.2:80", "http://10.0.0.3:80", "http://10.0.0.4:80"]

    func balancer(_ strategy: LoadBalancingStrategy = .wrr, sticky: Bool = true, header: String? = nil,
                  weights: [Int]? = nil) -> Balancer {
        Balancer(strategy: strategy, sticky: sticky ? StickyCookie(name: "lb", keys: urls) : nil,
                 stickyHeader: header, keys: urls, weights: weights ?? Array(repeating: 1, count: urls.count))
    }

    func cookie(_ b: Balancer, server: Int) -> String {
        "a=1; lb=\(String(decoding: b.sticky!.values[server], as: UTF8.self)); z=2"
    }

    @Test func validCookiePinsWithoutSettingItAgain() {
        var b = balancer()
        var random = FastRandom(seed: 1)
        for server in 0..<urls.count {
            let choice = b.choose(Members(4), for: Request(cookieHeader: cookie(b, server: server)), random: &random)
            #expect(choice == .pinned(server, refresh: false))
            #expect(choice?.setsCookie == false)
        }
    }

    @Test func legacyCookieValuePinsAndIsRefreshed() {
        var b = balancer()
        var random = FastRandom(seed: 1)
        // Traefik v1 cookies hold the server URL itself.
        let choice = b.choose(Members(4), for: Request(cookieHeader: "lb=\(urls[2])"), random: &random)
        #expect(choice == .pinned(2, refresh: true))
        #expect(choice?.setsCookie == true)
    }

    @Test func cookieOfADownServerFailsOverTheSameWayEveryTime() {
        var members = Members(4)
        members.up[1] = false
        var first = balancer(), second = balancer()
        var random = FastRandom(seed: 1), other = FastRandom(seed: 99)
        let request = Request(cookieHeader: cookie(first, server: 1))
        let a = first.choose(members, for: request, random: &random)
        let b = second.choose(members, for: request, random: &other)
        guard case .failover(let moved) = a else {
            Issue.record("expected a failover, got \(String(describing: a))")
            return
        }
        #expect(moved != 1)
        #expect(a == b)  // another replica, another random state: the same server
        #expect(a?.setsCookie == true)
    }

    @Test func unknownCookieValueMovesByRendezvous() {
        var b = balancer()
        var random = FastRandom(seed: 1)
        let choice = b.choose(Members(4), for: Request(cookieHeader: "lb=0123456789abcdef"), random: &random)
        let expected = Array("0123456789abcdef".utf8).withUnsafeBytes {
            Rendezvous.pick(key: $0, seeds: b.seeds, weights: b.weights, isEligible: { _ in true })
        }
        #expect(choice == .failover(expected!))
    }

    @Test func drainingServerKeepsItsSessionsAndNamesWhereTheyGoNext() {
        var members = Members(4)
        members.draining[3] = true
        var b = balancer()
        var random = FastRandom(seed: 1)
        let choice = b.choose(members, for: Request(cookieHeader: cookie(b, server: 3)), random: &random)
        guard case .draining(3, refresh: false, next: let next?) = choice else {
            Issue.record("expected a drain pin, got \(String(describing: choice))")
            return
        }
        #expect(next != 3)
        // New sessions never go to the draining server.
        for _ in 0..<20 {
            #expect(b.choose(members, for: Request(), random: &random)?.member != 3)
        }
    }

    @Test func drainDeadlinePassedMovesTheSession() {
        var members = Members(4)
        members.draining[3] = true
        members.drainOver[3] = true
        var b = balancer()
        var random = FastRandom(seed: 1)
        let choice = b.choose(members, for: Request(cookieHeader: cookie(b, server: 3)), random: &random)
        guard case .failover(let moved) = choice else {
            Issue.record("expected a failover, got \(String(describing: choice))")
            return
        }
        #expect(moved != 3)
    }

    @Test func noServerLeftIsNil() {
        var members = Members(4)
        members.up = [false, false, false, false]
        var b = balancer()
        var random = FastRandom(seed: 1)
        #expect(b.choose(members, for: Request(cookieHeader: cookie(b, server: 0)), random: &random) == nil)
        #expect(b.choose(members, for: Request(), random: &random) == nil)
    }

    @Test func stickyHeaderPinsCookielessClients() {
        var b = balancer(header: "X-Session")
        var random = FastRandom(seed: 1)
        let request = Request(headers: ["X-Session": "user-42"])
        let first = b.choose(Members(4), for: request, random: &random)
        guard case .header(let pinned) = first else {
            Issue.record("expected a header pin, got \(String(describing: first))")
            return
        }
        for _ in 0..<10 { #expect(b.choose(Members(4), for: request, random: &random) == .header(pinned)) }
        // A cookie wins over the header.
        let withCookie = Request(cookieHeader: cookie(b, server: (pinned + 1) % 4), headers: ["X-Session": "user-42"])
        #expect(b.choose(Members(4), for: withCookie, random: &random) == .pinned((pinned + 1) % 4, refresh: false))
        // No header: the strategy.
        let none = b.choose(Members(4), for: Request(), random: &random)
        if case .strategy = none {} else { Issue.record("expected the strategy, got \(String(describing: none))") }
    }

    @Test func roundRobinFollowsWeightsAndSkipsDownServers() {
        var b = balancer(weights: [3, 1, 0, 1])
        var members = Members(4, weights: [3, 1, 0, 1])
        var random = FastRandom(seed: 1)
        var counts = [0, 0, 0, 0]
        for _ in 0..<50 { counts[b.choose(members, for: Request(), random: &random)!.member] += 1 }
        #expect(counts == [30, 10, 0, 10])
        members.up[0] = false
        counts = [0, 0, 0, 0]
        for _ in 0..<20 { counts[b.choose(members, for: Request(), random: &random)!.member] += 1 }
        #expect(counts == [0, 10, 0, 10])
    }

    @Test func powerOfTwoChoicesAvoidsTheLoadedServer() {
        var b = balancer(.p2c, sticky: false)
        var members = Members(4)
        members.load = [50, 0, 50, 50]
        var random = FastRandom(seed: 7)
        var toIdle = 0
        for _ in 0..<200 where b.choose(members, for: Request(), random: &random) == .strategy(1) { toIdle += 1 }
        // Server 1 wins every draw it is in: half of the pairs of four.
        #expect(toIdle > 70 && toIdle < 130)
    }

    @Test func leastTimePrefersTheFasterServer() {
        var b = balancer(.leasttime, sticky: false)
        var members = Members(4)
        members.ttfb = [5_000_000, 1_000_000, 9_000_000, 7_000_000]
        var random = FastRandom(seed: 1)
        #expect(b.choose(members, for: Request(), random: &random) == .strategy(1))
    }

    @Test func hrwPinsAClientIP() {
        var b = balancer(.hrw, sticky: false)
        var random = FastRandom(seed: 1)
        let a = b.choose(Members(4), for: Request(clientIP: "198.51.100.7"), random: &random)
        for _ in 0..<10 { #expect(b.choose(Members(4), for: Request(clientIP: "198.51.100.7"), random: &random) == a) }
        let spread = Set((0..<64).compactMap { b.choose(Members(4), for: Request(clientIP: "10.1.0.\($0)"), random: &random)?.member })
        #expect(spread.count == 4)
    }

    @Test func retryAlternativeIsAnotherServerAndStableForStickyServices() {
        var b = balancer(), c = balancer()
        for failed in 0..<urls.count {
            let next = b.alternative(to: failed, Members(4))
            #expect(next != nil && next != failed)
            #expect(c.alternative(to: failed, Members(4)) == next)
        }
        var plain = balancer(sticky: false)
        var members = Members(4)
        members.up = [true, false, false, false]
        #expect(plain.alternative(to: 0, members) == nil)
    }
}
