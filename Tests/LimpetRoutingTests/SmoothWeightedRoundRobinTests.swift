import LimpetRouting
import Testing

@Suite struct SmoothWeightedRoundRobinTests {
    func sequence(_ weights: [Int], count: Int, eligible: (Int) -> Bool = { _ in true }) -> [Int?] {
        var wrr = SmoothWeightedRoundRobin(weights: weights)
        return (0..<count).map { _ in wrr.next(isEligible: eligible) }
    }

    @Test func nginxSequenceFor511() {
        #expect(sequence([5, 1, 1], count: 14) == [0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0])
    }

    @Test func neverMoreThanItsShareInABurst() {
        let weights = [5, 3, 2]
        let picks = sequence(weights, count: 1000).compactMap { $0 }
        let total = weights.reduce(0, +)
        // In every window of `total` consecutive picks each server gets exactly its weight.
        for start in stride(from: 0, to: picks.count - total, by: total) {
            let window = picks[start..<start + total]
            for (i, w) in weights.enumerated() { #expect(window.filter { $0 == i }.count == w) }
        }
        // And never twice its share in any sliding window of half the cycle.
        for start in 0..<(picks.count - 5) {
            let window = picks[start..<start + 5]
            #expect(window.filter { $0 == 0 }.count <= 3)
        }
    }

    @Test func equalWeightsAlternate() {
        #expect(sequence([1, 1, 1], count: 6) == [0, 1, 2, 0, 1, 2])
    }

    @Test func skipsIneligibleAndZeroWeight() {
        #expect(sequence([5, 1, 1], count: 4, eligible: { $0 != 0 }) == [1, 2, 1, 2])
        #expect(sequence([0, 2, 0], count: 3) == [1, 1, 1])
        #expect(sequence([0, 0], count: 2) == [nil, nil])
        #expect(sequence([1, 1], count: 2, eligible: { _ in false }) == [nil, nil])
        #expect(sequence([], count: 1) == [nil])
    }

    @Test func carryOverKeepsPosition() {
        var a = SmoothWeightedRoundRobin(weights: [5, 1, 1])
        _ = a.next { _ in true }
        _ = a.next { _ in true }
        var b = SmoothWeightedRoundRobin(weights: [5, 1, 1], current: a.current)
        #expect(b.next { _ in true } == 1)
    }
}
