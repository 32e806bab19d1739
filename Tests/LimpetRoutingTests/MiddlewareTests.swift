import Testing

@testable import LimpetRouting

@Suite struct MiddlewareTests {
    private func strip(_ path: String, _ prefixes: [String]) -> String? {
        let bytes = Array(path.utf8)
        return bytes.withUnsafeBytes { raw -> String? in
            guard let (_, drop, slash) = MiddlewareChain.strip(raw, prefixes: prefixes.map { Array($0.utf8) }) else {
                return nil
            }
            return (slash ? "/" : "") + String(decoding: bytes[drop...], as: UTF8.self)
        }
    }

    @Test func stripPrefixTakesTheFirstListedMatch() {
        #expect(strip("/api/users", ["/api"]) == "/users")
        #expect(strip("/api", ["/api"]) == "/")
        #expect(strip("/apix", ["/api"]) == "/x")
        #expect(strip("/api/v1/x", ["/nope", "/api", "/api/v1"]) == "/v1/x")
        #expect(strip("/other", ["/api"]) == nil)
        #expect(strip("/", ["/"]) == "/")
    }

    @Test func redirectStatusAndPort() {
        let permanent = RedirectScheme(scheme: "HTTPS", port: "443", permanent: true)
        #expect(permanent.scheme == Array("https".utf8))
        #expect(permanent.portSuffix.isEmpty, "the scheme's default port is left out")
        #expect(permanent.status(isGet: true) == 301)
        #expect(permanent.status(isGet: false) == 308)
        let temporary = RedirectScheme(scheme: "https", port: "8443", permanent: false)
        #expect(temporary.portSuffix == Array(":8443".utf8))
        #expect(temporary.status(isGet: true) == 302)
        #expect(temporary.status(isGet: false) == 307)
    }

    @Test func ipStrategies() throws {
        let lan = try IPRange(parsing: "10.0.0.0/8")
        let byDepth = IPAllowList(sourceRange: [lan], depth: 2, excludedIPs: [])
        #expect(byDepth.clientAddress(forwardedFor: ["1.1.1.1", "10.1.1.1", "192.168.0.1"]) == [10, 1, 1, 1])
        #expect(byDepth.clientAddress(forwardedFor: ["10.1.1.1"]) == nil, "fewer addresses than the depth")
        let pool = IPAllowList(sourceRange: [lan], depth: 0, excludedIPs: [try IPRange(parsing: "192.168.0.0/16")])
        #expect(pool.clientAddress(forwardedFor: ["10.2.2.2", "192.168.0.1", "192.168.0.2"]) == [10, 2, 2, 2])
        #expect(pool.clientAddress(forwardedFor: ["192.168.0.1"]) == nil)
        #expect(pool.allows([10, 2, 2, 2]))
        #expect(!pool.allows([11, 0, 0, 1]))
    }

    @Test func inFlightCountsPerSourceAndReleases() {
        let limiter = InFlightLimiter(amount: 2)
        #expect(limiter.acquire(1))
        #expect(limiter.acquire(1))
        #expect(!limiter.acquire(1))
        #expect(limiter.acquire(2), "another source has its own count")
        limiter.release(1)
        #expect(limiter.acquire(1))
        limiter.release(1)
        limiter.release(1)
        limiter.release(2)
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

    @Test func retryBackoffDoubles() {
        let policy = RetryPolicy(attempts: 4, initialInterval: .milliseconds(100))
        #expect(policy.backoff(beforeAttempt: 2) == 100_000_000)
        #expect(policy.backoff(beforeAttempt: 3) == 200_000_000)
        #expect(policy.backoff(beforeAttempt: 4) == 400_000_000)
    }
}
