/// nginx-style smooth weighted round robin: every pick adds each eligible server's weight to its
/// running score and takes the highest, which then pays back the total. Over any window a server
/// gets its share and bursts are spread out: weights 5, 1, 1 give `a a b a c a a`.
///
/// Mutable, owned by one event loop; nothing here is shared.
public struct SmoothWeightedRoundRobin: Sendable {
    public private(set) var weights: [Int]
    /// The running scores, per server; carry them over when a server stays across a reload.
    public private(set) var current: [Int]

    public init(weights: [Int]) {
        self.weights = weights
        self.current = Array(repeating: 0, count: weights.count)
    }

    /// Resumes with scores kept from a previous balancer (missing entries start at 0).
    public init(weights: [Int], current: [Int]) {
        self.weights = weights
        self.current = (0..<weights.count).map { $0 < current.count ? current[$0] : 0 }
    }

    /// The next server, skipping servers with weight 0 or for which `isEligible` is false;
    /// nil when none is left.
    public mutating func next(isEligible: (Int) -> Bool) -> Int? {
        var total = 0
        var best = -1
        var bestScore = Int.min
        for i in 0..<weights.count {
            let w = weights[i]
            guard w > 0, isEligible(i) else { continue }
            current[i] += w
            total += w
            if current[i] > bestScore {
                bestScore = current[i]
                best = i
            }
        }
        guard best >= 0 else { return nil }
        current[best] -= total
        return best
    }
}
