/// A small, fast, seedable generator for per-event-loop use (SplitMix64: a Weyl sequence with step
/// `0x9e3779b97f4a7c15` passed through the SplitMix64 finalizer). Any seed, 0 included, is fine.
/// Not for anything secret; owned by one event loop, never shared.
public struct FastRandom: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// Seeded from the system generator.
    public init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        return Rendezvous.mix64(state)
    }

    /// Uniform in `0..<bound`, `bound > 0`.
    @inline(__always)
    mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next(upperBound: UInt64(bound)))
    }
}

/// SPEC §5.3 `p2c`: two distinct random eligible servers, the one with fewer requests in flight wins.
public enum PowerOfTwoChoices {
    /// - Parameters:
    ///   - count: the number of candidates, `0..<count`.
    ///   - load: in-flight requests of a candidate.
    ///   - isEligible: healthy and accepting new sessions (the caller excludes weight 0 and draining servers;
    ///     weights play no other part here).
    /// - Returns: nil when none is eligible; the only one when one is. On equal load the first of the two
    ///   random draws wins, so equal loads spread evenly. Never allocates and always terminates: after one
    ///   random draw of a pair that is not fully eligible, it picks two distinct ranks among the eligible.
    public static func pick(count: Int, random: inout FastRandom, load: (Int) -> Int,
                            isEligible: (Int) -> Bool) -> Int? {
        guard count > 0 else { return nil }
        if count == 1 { return isEligible(0) ? 0 : nil }
        // Fast path: a uniformly random ordered pair of distinct candidates.
        let a = random.below(count)
        var b = random.below(count - 1)
        if b >= a { b += 1 }
        if isEligible(a), isEligible(b) {
            return choose(a, b, load)
        }
        // Slow path: rank the eligible ones. Conditioned on both being eligible, the fast path is uniform
        // over eligible pairs, and so is this; the mixture is therefore uniform too.
        var eligible = 0
        for i in 0..<count where isEligible(i) { eligible += 1 }
        switch eligible {
        case 0: return nil
        case 1:
            for i in 0..<count where isEligible(i) { return i }
            return nil
        default:
            let ra = random.below(eligible)
            var rb = random.below(eligible - 1)
            if rb >= ra { rb += 1 }
            var first = -1
            var second = -1
            var rank = 0
            for i in 0..<count where isEligible(i) {
                if rank == ra { first = i }
                if rank == rb { second = i }
                if first >= 0, second >= 0 { break }
                rank += 1
            }
            // Eligibility changed while scanning (a racing health update): take what was found.
            if first < 0 { return second < 0 ? nil : second }
            if second < 0 { return first }
            return choose(first, second, load)
        }
    }

    @inline(__always)
    private static func choose(_ a: Int, _ b: Int, _ load: (Int) -> Int) -> Int {
        load(b) < load(a) ? b : a
    }
}

/// SPEC §5.3 `leasttime`: the lowest average time-to-first-byte × (1 + in-flight) / weight.
public enum LeastTime {
    /// Candidates with weight ≤ 0 or not eligible are skipped. A candidate with no measurement yet
    /// (`averageTTFB` not > 0) is tried before every measured one; among those the lowest
    /// (1 + in-flight) / weight wins, so a burst of new requests spreads over the unmeasured servers in index
    /// order instead of piling onto the first. Ties go to the lowest index; nil when none is eligible.
    /// Never allocates.
    public static func pick(count: Int, averageTTFB: (Int) -> Double, inFlight: (Int) -> Int,
                            weight: (Int) -> Int, isEligible: (Int) -> Bool) -> Int? {
        var best = -1
        var bestMeasured = true
        var bestScore = Double.infinity
        for i in 0..<max(count, 0) {
            let w = weight(i)
            guard w > 0, isEligible(i) else { continue }
            let average = averageTTFB(i)
            let measured = average > 0
            let pressure = Double(1 + max(inFlight(i), 0)) / Double(w)
            let score = measured ? average * pressure : pressure
            if best < 0 || (bestMeasured && !measured) || (measured == bestMeasured && score < bestScore) {
                best = i
                bestMeasured = measured
                bestScore = score
            }
        }
        return best < 0 ? nil : best
    }
}
