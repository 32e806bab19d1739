import Testing

@testable import LimpetConfig

/// The tables behind `inFlightReq` and `rateLimit`.
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
    }

    @Test func tokenBucket() {
        let second: UInt64 = 1_000_000_000
        let limiter = RateLimiter(average: 2, burst: 3, period: .seconds(1))
        let t0: UInt64 = 10 * second
        #expect(limiter.take(7, now: t0) == nil)
        #expect(limiter.take(7, now: t0) == nil)
        #expect(limiter.take(7, now: t0) == nil)
        let wait = limiter.take(7, now: t0) ?? 0
        #expect(wait >= second / 2 && wait < second / 2 + 1_000, "one token every half second")
        #expect(limiter.take(8, now: t0) == nil, "buckets are per source")
        #expect(limiter.take(7, now: t0 + second / 2 + 1_000) == nil)
        #expect(limiter.take(7, now: t0 + second / 2 + 1_000) != nil)
        #expect(limiter.take(7, now: t0 + 100 * second) == nil, "refills up to the burst")
        #expect(RateLimiter(average: 0, burst: 1, period: .seconds(1)).take(1, now: t0) == nil, "0 = no limit")
    }

    @Test func rateLimiterMemoryIsBounded() {
        let limiter = RateLimiter(average: 1, burst: 1, period: .seconds(1), capacity: 100)
        for source in 0..<10_000 { _ = limiter.take(UInt64(source), now: 1) }
        #expect(limiter.bucketCount <= 100)
    }
}
