import LimpetRouting

/// Per-loop balancer state of one service.
final class ServiceRuntime {
    let service: Service
    /// For a load balancer: its servers; empty for a weighted service.
    var servers: [ServerRuntime] = []
    /// Shared health per server (nil when the service has neither active nor passive checks: always up).
    let health: [ServerHealth]?
    /// Rendezvous seeds and weights per server (or per child of a weighted service).
    let seeds: [UInt64]
    let weights: [Int]
    var roundRobin: SmoothWeightedRoundRobin

    init(_ service: Service, servers: [ServerRuntime], keys: [String], weights: [Int], health: [ServerHealth]?,
         previous: ServiceRuntime?) {
        self.service = service
        self.servers = servers
        self.health = health
        self.weights = weights
        seeds = keys.map(Rendezvous.seed)
        // Carry the smooth-WRR position over for members that stay (SPEC §7.4), matched by key.
        var current = [Int](repeating: 0, count: keys.count)
        if let previous, previous.roundRobin.current.count == previous.keys.count {
            let old = Dictionary(zip(previous.keys, previous.roundRobin.current), uniquingKeysWith: { a, _ in a })
            for (i, key) in keys.enumerated() { current[i] = old[key] ?? 0 }
        }
        self.keys = keys
        roundRobin = SmoothWeightedRoundRobin(weights: weights, current: current)
    }

    let keys: [String]

    @inline(__always)  // one call per candidate while balancing
    func isUp(_ i: Int, now: UInt64) -> Bool {
        guard let health else { return true }
        return health[i].isUp(now: now)
    }
}
