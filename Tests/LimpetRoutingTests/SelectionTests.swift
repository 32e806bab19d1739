import LimpetRouting
import Testing

@Suite struct FastRandomTests {
    @Test func seededSequencesRepeat() {
        var a = FastRandom(seed: 42), b = FastRandom(seed: 42), c = FastRandom(seed: 43)
        let xs = (0..<8).map { _ in a.next() }
        #expect(xs == (0..<8).map { _ in b.next() })
        #expect(xs != (0..<8).map { _ in c.next() })
        #expect(Set(xs).count == 8)
    }

    @Test func zeroSeedWorksAndMatchesSplitMix64() {
        // The first SplitMix64 outputs for seed 0 (reference values of the published generator).
        var r = FastRandom(seed: 0)
        #expect(r.next() == 0xe220_a839_7b1d_cdaf)
        #expect(r.next() == 0x6e78_9e6a_a1b9_65f4)
    }

    @Test func boundedDrawsAreRoughlyUniform() {
        var r = FastRandom(seed: 7)
        var counts = Array(repeating: 0, count: 5)
        for _ in 0..<50_000 { counts[Int.random(in: 0..<5, using: &r)] += 1 }
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 }, "\(counts)")
    }
}

@Suite struct PowerOfTwoChoicesTests {
    @Test func emptyOrNoneEligible() {
        var r = FastRandom(seed: 1)
        #expect(PowerOfTwoChoices.pick(count: 0, random: &r, load: { _ in 0 }, isEligible: { _ in true }) == nil)
        #expect(PowerOfTwoChoices.pick(count: 1, random: &r, load: { _ in 0 }, isEligible: { _ in false }) == nil)
        #expect(PowerOfTwoChoices.pick(count: 50, random: &r, load: { _ in 0 }, isEligible: { _ in false }) == nil)
    }

    @Test func oneEligibleIsAlwaysChosen() {
        var r = FastRandom(seed: 2)
        #expect(PowerOfTwoChoices.pick(count: 1, random: &r, load: { _ in 9 }, isEligible: { _ in true }) == 0)
        for _ in 0..<1_000 {
            #expect(PowerOfTwoChoices.pick(count: 100, random: &r, load: { _ in 0 }, isEligible: { $0 == 63 }) == 63)
        }
    }

    @Test func lessLoadedOfTwoWins() {
        var r = FastRandom(seed: 3)
        for _ in 0..<1_000 {
            #expect(PowerOfTwoChoices.pick(count: 2, random: &r, load: { $0 == 0 ? 10 : 3 }, isEligible: { _ in true }) == 1)
            // The same with the two spread among many ineligible candidates (the slow path).
            #expect(PowerOfTwoChoices.pick(count: 40, random: &r, load: { $0 == 7 ? 1 : 5 },
                                           isEligible: { $0 == 7 || $0 == 31 }) == 7)
        }
    }

    @Test func neverPicksIneligible() {
        var r = FastRandom(seed: 4)
        var seen = Set<Int>()
        for _ in 0..<5_000 {
            let i = PowerOfTwoChoices.pick(count: 10, random: &r, load: { $0 }, isEligible: { $0 % 3 == 0 })
            #expect(i.map { $0 % 3 == 0 } == true)
            if let i { seen.insert(i) }
        }
        // With load = index, 9 never wins against 0, 3 or 6; the others all do sometimes.
        #expect(seen == [0, 3, 6])
    }

    @Test func equalLoadSpreadsOverAll() {
        var r = FastRandom(seed: 5)
        var counts = Array(repeating: 0, count: 8)
        for _ in 0..<16_000 {
            counts[PowerOfTwoChoices.pick(count: 8, random: &r, load: { _ in 2 }, isEligible: { _ in true })!] += 1
        }
        #expect(counts.allSatisfy { abs($0 - 2_000) < 200 }, "\(counts)")
    }

    @Test func trackingInFlightBalancesLoad() {
        // Each pick adds one request in flight; p2c keeps the spread tight.
        var r = FastRandom(seed: 6)
        var inFlight = Array(repeating: 0, count: 6)
        for _ in 0..<600 {
            let i = PowerOfTwoChoices.pick(count: 6, random: &r, load: { inFlight[$0] }, isEligible: { _ in true })!
            inFlight[i] += 1
        }
        #expect(inFlight.max()! - inFlight.min()! <= 3, "\(inFlight)")
    }
}

@Suite struct LeastTimeTests {
    static func pick(_ ttfb: [Double], inFlight: [Int], weight: [Int]? = nil,
                     isEligible: (Int) -> Bool = { _ in true }) -> Int? {
        let weight = weight ?? Array(repeating: 1, count: ttfb.count)
        return LeastTime.pick(count: ttfb.count, averageTTFB: { ttfb[$0] }, inFlight: { inFlight[$0] },
                              weight: { weight[$0] }, isEligible: isEligible)
    }

    @Test func lowestScoreWins() {
        #expect(Self.pick([0.030, 0.010, 0.020], inFlight: [0, 0, 0]) == 1)
        // 0.010 × 4 = 0.040 > 0.020 × 1.
        #expect(Self.pick([0.030, 0.010, 0.020], inFlight: [0, 3, 0]) == 2)
        // Weight divides: 0.030 × 1 / 4 = 0.0075 < 0.010.
        #expect(Self.pick([0.030, 0.010], inFlight: [0, 0], weight: [4, 1]) == 0)
    }

    @Test func tiesGoToTheLowestIndex() {
        // All score 0.02.
        #expect(Self.pick([0.02, 0.01, 0.01], inFlight: [0, 1, 1]) == 0)
        #expect(Self.pick([0.03, 0.01, 0.01], inFlight: [0, 0, 0]) == 1)
        #expect(Self.pick([0, 0, 0], inFlight: [0, 0, 0]) == 0)
    }

    @Test func unmeasuredServersGoFirstAndSpread() {
        #expect(Self.pick([0.001, 0, 0], inFlight: [0, 0, 0]) == 1)
        #expect(Self.pick([0.001, 0, 0], inFlight: [0, 1, 0]) == 2)
        #expect(Self.pick([0.001, 0, 0], inFlight: [0, 1, 1]) == 1)
        #expect(Self.pick([0.001, 0, 0], inFlight: [0, 5, 5]) == 1)
    }

    @Test func skipsIneligibleAndWeightZero() {
        #expect(Self.pick([0.01, 0.5, 0.02], inFlight: [0, 0, 0], isEligible: { $0 != 0 }) == 2)
        #expect(Self.pick([0, 0.5, 0.02], inFlight: [0, 0, 0], weight: [0, 1, 1]) == 2)
        #expect(Self.pick([0.01, 0.01], inFlight: [0, 0], isEligible: { _ in false }) == nil)
        #expect(Self.pick([], inFlight: []) == nil)
    }
}
