import Foundation
import LimpetRouting
import Testing
@testable import LimpetConfig

/// SPEC §5.5: servers leaving a load balancer stay, draining, for `sticky.drainTimeout`.
@Suite struct DrainingTests {
    static let staticFile = """
        entryPoints: {web: {address: "127.0.0.1:18999"}}
        providers: {file: {filename: dynamic.yaml}}
        """

    static func dynamic(_ ports: [Int], drain: String = "30s") -> String {
        let servers = ports.map { "{url: \"http://127.0.0.1:\($0)\"}" }.joined(separator: ", ")
        return """
            http:
              routers: {r: {rule: "PathPrefix(`/`)", service: s}}
              services:
                s:
                  loadBalancer:
                    servers: [\(servers)]
                    sticky: {cookie: {name: lb}, drainTimeout: \(drain)}
            """
    }

    func snapshot(_ dynamic: String, generation: UInt64) throws -> Snapshot {
        let dir = try TempConfig(["limpet.yaml": Self.staticFile, "dynamic.yaml": dynamic])
        defer { dir.remove() }
        let config = try ConfigLoader.loadStatic(path: dir.path("limpet.yaml"))
        return try ConfigLoader.loadSnapshot(for: config, generation: generation)
    }

    func balancer(_ snapshot: Snapshot) -> LoadBalancerService? {
        guard case .loadBalancer(let lb) = snapshot.services[0].kind else { return nil }
        return lb
    }

    @Test func removedServerDrainsAndKeepsItsCookieValue() throws {
        let before = try snapshot(Self.dynamic([9001, 9002, 9003]), generation: 1)
        let after = try snapshot(Self.dynamic([9001, 9002]), generation: 2)
        let merged = Draining.carryOver(into: after, from: before, now: 1_000)
        let lb = try #require(balancer(merged))
        #expect(lb.servers.map(\.url) == ["http://127.0.0.1:9001", "http://127.0.0.1:9002", "http://127.0.0.1:9003"])
        #expect(lb.servers.map(\.isDraining) == [false, false, true])
        #expect(lb.servers[2].drainingUntil == 1_000 + 30_000_000_000)
        // The cookie still recognises the draining server's value.
        let value = try #require(balancer(before)?.sticky?.values[2])
        let header = Array("lb=".utf8) + value
        let match = header.withUnsafeBytes { lb.sticky?.find(inCookieHeader: $0) }
        #expect(match == .server(2, canonical: true))
        #expect(merged.generation == 2)
    }

    @Test func deadlineIsKeptAcrossReloadsAndExpires() throws {
        let one = try snapshot(Self.dynamic([9001, 9002]), generation: 1)
        let two = Draining.carryOver(into: try snapshot(Self.dynamic([9001]), generation: 2), from: one, now: 100)
        // Another reload while it drains keeps the first deadline, not a fresh one.
        let three = Draining.carryOver(into: try snapshot(Self.dynamic([9001]), generation: 3), from: two,
                                       now: 5_000_000_000)
        #expect(balancer(three)?.servers.last?.drainingUntil == 100 + 30_000_000_000)
        // Past the deadline it is gone.
        let four = Draining.carryOver(into: try snapshot(Self.dynamic([9001]), generation: 4), from: three,
                                      now: 31_000_000_000)
        #expect(balancer(four)?.servers.map(\.url) == ["http://127.0.0.1:9001"])
    }

    @Test func returningServerIsNoLongerDraining() throws {
        let one = try snapshot(Self.dynamic([9001, 9002]), generation: 1)
        let two = Draining.carryOver(into: try snapshot(Self.dynamic([9001]), generation: 2), from: one, now: 100)
        let three = Draining.carryOver(into: try snapshot(Self.dynamic([9001, 9002]), generation: 3), from: two,
                                       now: 200)
        #expect(balancer(three)?.servers.map(\.isDraining) == [false, false])
    }

    @Test func noDrainTimeoutMeansRemovedAtOnce() throws {
        let one = try snapshot(Self.dynamic([9001, 9002], drain: "0s"), generation: 1)
        let two = Draining.carryOver(into: try snapshot(Self.dynamic([9001], drain: "0s"), generation: 2), from: one,
                                     now: 100)
        #expect(balancer(two)?.servers.map(\.url) == ["http://127.0.0.1:9001"])
    }
}
