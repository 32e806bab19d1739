import Atomics

/// A fixed table of 64-bit atomic words for the limiters' state shared by every loop: no lock, no allocation
/// after `init`, memory fixed whatever clients do. A source's word lives in one of `probes` consecutive slots from
/// its home slot (`key` modulo the size); what a word means, and what happens when all of them are taken, is the
/// limiter's business. A word of 0 is an empty slot.
final class AtomicSlotTable: @unchecked Sendable {
    /// Slots a source may occupy, from its home slot on.
    static let probes = 8
    /// A power of two.
    let count: Int
    private let storage: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>

    /// At least `capacity` slots (rounded up to a power of two, at least `probes`).
    init(capacity: Int) {
        var count = Self.probes
        while count < capacity { count <<= 1 }
        self.count = count
        storage = .allocate(capacity: count)
        storage.initialize(repeating: UnsafeAtomic<UInt64>.Storage(0), count: count)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    /// Spreads a source key over all 64 bits (the SplitMix64 finaliser), so that the slot (low bits) and a
    /// limiter's tag (high bits) are independent whatever the keys look like.
    static func mix(_ key: UInt64) -> UInt64 {
        var z = key &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The `probe`-th slot (0 ..< `probes`) of a mixed `key`.
    func slot(_ key: UInt64, probe: Int) -> Int {
        (Int(truncatingIfNeeded: key) &+ probe) & (count - 1)
    }

    func load(_ slot: Int) -> UInt64 {
        UnsafeAtomic(at: storage + slot).load(ordering: .acquiring)
    }

    /// Replaces `expected` with `desired`; else returns the word found.
    func exchange(_ slot: Int, expected: UInt64, desired: UInt64) -> (exchanged: Bool, original: UInt64) {
        UnsafeAtomic(at: storage + slot).compareExchange(expected: expected, desired: desired,
                                                         ordering: .acquiringAndReleasing)
    }

    /// Slots that are not empty (for tests).
    var occupied: Int { (0..<count).count(where: { load($0) != 0 }) }
}
