import LimpetRouting
import Testing

@Suite struct RendezvousTests {
    static let urls = ["http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://10.0.0.3:8080", "http://10.0.0.4:8080"]

    static func pick(_ key: String, seeds: [UInt64], weights: [Int], isEligible: (Int) -> Bool = { _ in true }) -> Int? {
        Array(key.utf8).withUnsafeBytes { Rendezvous.pick(key: $0, seeds: seeds, weights: weights, isEligible: isEligible) }
    }

    static func keys(_ n: Int) -> [String] { (0..<n).map { "session-\($0)" } }

    // Regression guard for cross-version stability: these values were computed independently (Python, from the
    // function documented in Rendezvous.swift). If they change, every session of a running fleet moves on
    // upgrade: do not "fix" this table, fix the code.
    @Test func seedsAreFixed() {
        #expect(Self.urls.map(Rendezvous.seed)
                == [0x5fa2_e8fe_8004_590c, 0xc4e9_32e7_2308_18e4, 0xe928_bd8e_6f8a_13fd, 0x4c0d_abec_964d_0502])
        #expect(Rendezvous.seed("") == 0xf52a_15e9_a9b5_e89b)
        #expect(Rendezvous.seed("app") == 0x368d_6a27_c52b_d256)
    }

    // Same guard: (key, winner with weights 1,1,1,1, with 1,2,3,4, with 3,0,1,2).
    @Test(arguments: [
        ("08d5f409490f61fc", 0, 0, 0),
        ("b52e7b55edbbb02e", 1, 3, 0),
        ("", 3, 3, 3),
        ("alice", 1, 1, 3),
        ("bob", 2, 2, 2),
        ("198.51.100.7", 1, 1, 0),
        ("session-42", 0, 3, 0),
        ("x", 1, 1, 0),
        ("2001:db8::1", 1, 1, 2),
        ("a172cedcae47474b", 1, 1, 3),
        ("zz-top", 3, 3, 3),
        ("limpet", 0, 1, 0),
    ])
    func fixedVectors(key: String, equal: Int, rising: Int, mixed: Int) {
        let seeds = Self.urls.map(Rendezvous.seed)
        #expect(Self.pick(key, seeds: seeds, weights: [1, 1, 1, 1]) == equal)
        #expect(Self.pick(key, seeds: seeds, weights: [1, 2, 3, 4]) == rising)
        #expect(Self.pick(key, seeds: seeds, weights: [3, 0, 1, 2]) == mixed)
    }

    @Test func deterministic() {
        let seeds = Self.urls.map(Rendezvous.seed)
        for key in Self.keys(500) {
            let first = Self.pick(key, seeds: seeds, weights: [1, 2, 1, 3])
            #expect(first != nil)
            #expect(Self.pick(key, seeds: Self.urls.map(Rendezvous.seed), weights: [1, 2, 1, 3]) == first)
        }
    }

    @Test func noneEligible() {
        let seeds = Self.urls.map(Rendezvous.seed)
        #expect(Self.pick("k", seeds: [], weights: []) == nil)
        #expect(Self.pick("k", seeds: seeds, weights: [1, 1, 1, 1], isEligible: { _ in false }) == nil)
        #expect(Self.pick("k", seeds: seeds, weights: [0, 0, 0, 0]) == nil)
        #expect(Self.pick("k", seeds: seeds, weights: [0, 0, 7, 0]) == 2)
    }

    @Test func ineligibleNeverChosen() {
        let seeds = Self.urls.map(Rendezvous.seed)
        for key in Self.keys(2_000) {
            let chosen = Self.pick(key, seeds: seeds, weights: [1, 5, 1, 0], isEligible: { $0 != 1 })
            #expect(chosen == 0 || chosen == 2, "\(key)")
        }
    }

    /// Removing a candidate (from the arrays, so later indices shift) moves only the keys that were on it.
    @Test func removingMovesOnlyItsKeys() {
        let urls = (1...8).map { "http://10.1.0.\($0):80" }
        let weights = [1, 2, 1, 3, 1, 1, 2, 1]
        let before = Self.keys(10_000).map { Self.pick($0, seeds: urls.map(Rendezvous.seed), weights: weights)! }
        let removed = 3
        var remainingURLs = urls, remainingWeights = weights
        remainingURLs.remove(at: removed)
        remainingWeights.remove(at: removed)
        var moved = 0
        for (n, key) in Self.keys(10_000).enumerated() {
            let after = urls.firstIndex(of: remainingURLs[
                Self.pick(key, seeds: remainingURLs.map(Rendezvous.seed), weights: remainingWeights)!])!
            if before[n] == removed {
                moved += 1
            } else {
                #expect(after == before[n], "\(key) moved from \(before[n]) to \(after)")
            }
        }
        #expect(moved > 0)
        // Marking it ineligible instead gives the same answers.
        let seeds = urls.map(Rendezvous.seed)
        for key in Self.keys(1_000) {
            let a = Self.pick(key, seeds: seeds, weights: weights, isEligible: { $0 != removed })!
            let b = Self.pick(key, seeds: remainingURLs.map(Rendezvous.seed), weights: remainingWeights)!
            #expect(urls[a] == remainingURLs[b])
        }
    }

    @Test func addingMovesKeysOnlyToTheNewOne() {
        let urls = (1...5).map { "http://10.2.0.\($0):80" }
        let grown = urls + ["http://10.2.0.99:80"]
        let seeds = urls.map(Rendezvous.seed), grownSeeds = grown.map(Rendezvous.seed)
        var moved = 0
        for key in Self.keys(10_000) {
            let before = Self.pick(key, seeds: seeds, weights: [1, 1, 2, 1, 1])!
            let after = Self.pick(key, seeds: grownSeeds, weights: [1, 1, 2, 1, 1, 1])!
            if after != before {
                #expect(after == 5, "\(key) moved from \(before) to \(after)")
                moved += 1
            }
        }
        // The new one has 1/7 of the weight.
        #expect(abs(moved - 10_000 / 7) < 10_000 / 7 / 10)
    }

    @Test func distributionFollowsWeights() {
        let seeds = Self.urls.prefix(3).map(Rendezvous.seed)
        var counts = [0, 0, 0]
        for key in Self.keys(20_000) {
            counts[Self.pick(key, seeds: seeds, weights: [1, 1, 2])!] += 1
        }
        for (count, expected) in zip(counts, [5_000, 5_000, 10_000]) {
            #expect(abs(count - expected) <= expected / 20, "\(counts)")
        }
    }

    @Test func equalWeightsSpreadEvenly() {
        let urls = (1...10).map { "http://10.3.0.\($0):80" }
        let seeds = urls.map(Rendezvous.seed)
        var counts = Array(repeating: 0, count: 10)
        for key in Self.keys(20_000) {
            counts[Self.pick(key, seeds: seeds, weights: Array(repeating: 1, count: 10))!] += 1
        }
        #expect(counts.allSatisfy { abs($0 - 2_000) <= 200 }, "\(counts)")
    }
}
