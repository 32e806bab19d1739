import Dispatch
import Synchronization
import Testing

@testable import LimpetConfig

/// The lock-free tables behind `inFlightReq` and `rateLimit`.
@Suite struct LimiterTests {
    @Test func inFlightCountsPerSourceAndReleases() throws {
        let limiter = InFlightLimiter(amount: 2)
        let a = try #require(limiter.acquire(1))
        let b = try #require(limiter.acquire(1))
        #expect(limiter.acquire(1) == nil)
        let c = try #require(limiter.acquire(2), "another source has its own count")
        #expect(limiter.count(1) == 2 && limiter.count(2) == 1)
        limiter.release(a)
        let d = try #require(limiter.acquire(1))
        for ticket in [b, c, d] { limiter.release(ticket) }
        #expect(limiter.count(1) == 0 && limiter.count(2) == 0)
        #expect(limiter.occupiedSlots == 0, "a source with nothing in flight holds no slot")
    }

    @Test func aFullInFlightTableAdmitsUncounted() throws {
        let limiter = InFlightLimiter(amount: 1, capacity: 8)
        let tickets = try (0..<8).map { source in try #require(limiter.acquire(UInt64(source) << 32)) }
        #expect(tickets.allSatisfy { $0 > 0 } && limiter.occupiedSlots == 8)
        #expect(limiter.acquire(99 << 32) == 0, "no slot left: admitted, not counted")
        limiter.release(0)
        #expect(limiter.acquire(0) == nil, "the others are still counted")
        for ticket in tickets { limiter.release(ticket) }
        #expect(limiter.occupiedSlots == 0)
    }

    /// Eight threads acquire and release for `sources` sources at random; everything released, the table is empty.
    /// Returns how many were admitted and the most seen in flight for one source.
    private func hammer(_ limiter: InFlightLimiter, sources: UInt64) -> (admitted: Int, maxSeen: Int) {
        let maxSeen = Atomic<Int>(0)
        let admitted = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            var random = UInt64(thread + 1) &* 0x9E37_79B9_7F4A_7C15
            var held: [UInt64] = []
            for _ in 0..<20_000 {
                random ^= random << 13
                random ^= random >> 7
                random ^= random << 17
                let source = random % sources
                if let ticket = limiter.acquire(source) {
                    admitted.add(1, ordering: .relaxed)
                    maxSeen.max(limiter.count(source), ordering: .relaxed)
                    held.append(ticket)
                }
                if held.count > 2 || random & 1 == 0, !held.isEmpty { limiter.release(held.removeFirst()) }
            }
            for ticket in held { limiter.release(ticket) }
        }
        return (admitted.load(ordering: .relaxed), maxSeen.load(ordering: .relaxed))
    }

    @Test func concurrentAcquireAndReleaseOfOneSourceNeverExceedTheAmount() {
        let limiter = InFlightLimiter(amount: 3)
        let (admitted, maxSeen) = hammer(limiter, sources: 1)
        #expect(admitted > 0 && maxSeen <= 3)
        #expect(limiter.count(0) == 0 && limiter.occupiedSlots == 0)
    }

    /// More sources than slots: collisions, full windows, uncounted admissions. (Two loops claiming slots of
    /// overlapping windows at once may split a source's count over two slots, briefly letting more than `amount`
    /// through; so only the end state is asserted.)
    @Test func concurrentAcquireAndReleaseOfManySourcesEndAtZero() {
        let limiter = InFlightLimiter(amount: 2, capacity: 16)
        let (admitted, _) = hammer(limiter, sources: 40)
        #expect(admitted > 0)
        #expect(limiter.occupiedSlots == 0)
        for source: UInt64 in 0..<40 { #expect(limiter.count(source) == 0) }
    }

    @Test func tokenBucket() {
        let second: UInt64 = 1_000_000_000
        let limiter = RateLimiter(average: 2, burst: 3, period: .seconds(1))
        let t0: UInt64 = 10 * second
        #expect(limiter.take(7, now: t0) == nil)
        #expect(limiter.take(7, now: t0) == nil)
        #expect(limiter.take(7, now: t0) == nil)
        let wait = limiter.take(7, now: t0) ?? 0
        #expect(wait >= second / 2 - 16 && wait < second / 2 + 1_000, "one token every half second")
        #expect(limiter.take(8, now: t0) == nil, "buckets are per source")
        #expect(limiter.take(7, now: t0 + second / 2 + 1_000) == nil)
        #expect(limiter.take(7, now: t0 + second / 2 + 1_000) != nil)
        #expect(limiter.take(7, now: t0 + 100 * second) == nil, "refills up to the burst")
        #expect(RateLimiter(average: 0, burst: 1, period: .seconds(1)).take(1, now: t0) == nil, "0 = no limit")
    }

    @Test func aClockFarAheadStillReadsTheBucket() {
        let limiter = RateLimiter(average: 1, burst: 1, period: .seconds(1))
        let late: UInt64 = 400 * 86_400 * 1_000_000_000  // 400 days of uptime: past the 48-bit wrap
        #expect(limiter.take(3, now: late) == nil)
        #expect(limiter.take(3, now: late + 1_000) != nil)
        #expect(limiter.take(3, now: late + 1_000_000_000) == nil)
    }

    @Test func rateLimiterMemoryIsBounded() {
        let limiter = RateLimiter(average: 1, burst: 1, period: .seconds(1), capacity: 100)
        for source in 0..<10_000 { _ = limiter.take(UInt64(source) &* 0x9E37_79B9_7F4A_7C15, now: 1) }
        #expect(limiter.bucketCount <= limiter.capacity && limiter.capacity == 128)
    }

    @Test func aFullRateTableEvictsTheFullestBucket() {
        let second: UInt64 = 1_000_000_000
        let limiter = RateLimiter(average: 1, burst: 2, period: .seconds(10), capacity: 8)
        for source in 1...8 { #expect(limiter.take(UInt64(source) << 48, now: 0) == nil) }  // each 1 token left
        #expect(limiter.take(1 << 48, now: 0) == nil)  // source 1 empty: fullest are the others
        #expect(limiter.take(9 << 48, now: second) == nil, "a new source gets a slot")
        #expect(limiter.bucketCount == 8)
        #expect(limiter.take(1 << 48, now: second) != nil, "the emptiest bucket was kept")
    }

    @Test func concurrentTakesPassExactlyTheBurst() {
        let limiter = RateLimiter(average: 1, burst: 100, period: .seconds(3_600))
        let passed = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<200 where limiter.take(42, now: 1_000) == nil { passed.add(1, ordering: .relaxed) }
        }
        #expect(passed.load(ordering: .relaxed) == 100)
    }
}
