import LimpetRouting

/// Per-loop balancer state of one service.
final class ServiceRuntime {
    let service: Service
    /// For a load balancer: its servers; empty for a weighted service.
    var servers: [ServerRuntime] = []
    /// Shared health per server (nil when the service has neither active nor passive checks: always up).
    let health: [ServerHealth]?
    /// Per server, its passive check (nil when the service has none).
    let passive: [PassiveFailures]?
    /// This loop's choice of server (or of child, for a weighted service).
    var balancer: Balancer
    /// Per member, its identity (server URL or child name), which the round-robin position is carried over by.
    let keys: [String]

    init(_ service: Service, servers: [ServerRuntime], keys: [String], weights: [Int], health: [ServerHealth]?,
         previous: ServiceRuntime?) {
        self.service = service
        self.servers = servers
        self.health = health
        if case .loadBalancer(let lb) = service.kind, let check = lb.passiveHealthCheck, let health {
            passive = health.map { PassiveFailures(health: $0, check: check) }
        } else {
            passive = nil
        }
        // Carry the smooth-WRR position over for members that stay (SPEC §7.4), matched by key.
        var current = [Int](repeating: 0, count: keys.count)
        if let previous, previous.balancer.roundRobin.current.count == previous.keys.count {
            let old = Dictionary(zip(previous.keys, previous.balancer.roundRobin.current),
                                 uniquingKeysWith: { a, _ in a })
            for (i, key) in keys.enumerated() { current[i] = old[key] ?? 0 }
        }
        self.keys = keys
        switch service.kind {
        case .loadBalancer(let lb):
            balancer = Balancer(strategy: lb.strategy, sticky: lb.sticky, stickyHeader: lb.stickyHeader, keys: keys,
                                weights: weights, roundRobin: current)
        case .weighted(let weighted):
            balancer = Balancer(strategy: .wrr, sticky: weighted.sticky, stickyHeader: nil, keys: keys,
                                weights: weights, roundRobin: current)
        }
    }

    @inline(__always)  // one call per candidate while balancing
    func isUp(_ i: Int, now: UInt64) -> Bool {
        guard let health else { return true }
        return health[i].isUp(now: now)
    }
}
