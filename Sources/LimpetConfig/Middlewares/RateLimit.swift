import LimpetRouting
import Synchronization
import Yams

/// `rateLimit`: `average` requests per `period` per client IP (Traefik's default `sourceCriterion`), in bursts of
/// up to `burst`; a request over the limit is answered 429 with `Retry-After` (seconds until it would pass).
///
/// Traefik may also delay a request by up to half a token interval instead of refusing it; Limpet refuses at once.
struct RateLimit: Middleware {
    static let typeName = "rateLimit"

    var average: Int
    var burst: Int
    var period: Duration

    static func decode(_ node: Node, key: Node, path p: String, reader r: NodeReader) -> RateLimit? {
        guard let f = r.fields(node, path: p, keys: Keys(["average", "burst", "period"],
                                                         unimplemented: ["sourceCriterion", "redis"])) else {
            return nil
        }
        let average = r.int(f["average"], path: "\(p).average", range: 0...Int.max) ?? 0
        let burst = r.int(f["burst"], path: "\(p).burst", range: 1...Int.max) ?? 1
        let period = r.duration(f["period"], path: "\(p).period") ?? .seconds(1)
        return RateLimit(average: average, burst: burst, period: period)
    }

    func compile(into chain: inout MiddlewareChainBuilder) {
        chain.append(Step(limiter: RateLimiter(average: average, burst: burst, period: period)))
    }

    final class Step: MiddlewareStep {
        let limiter: RateLimiter

        init(limiter: RateLimiter) {
            self.limiter = limiter
        }

        func handle(_ request: inout MiddlewareRequest) -> MiddlewareVerdict {
            guard let wait = limiter.take(MiddlewareChain.sourceKey(request.clientIP), now: request.now) else {
                return .next
            }
            return request.answer(429, body: "Too Many Requests") { line in
                line += "Retry-After: ".utf8
                line.append(decimal: (wait + 999_999_999) / 1_000_000_000)
                line += "\r\n".utf8
            }
        }
    }
}

/// The token buckets of one `rateLimit` (shared by the routers of one chain, on every loop): one per source,
/// refilled at `average / period` and holding at most `burst` tokens; a request takes one token or is refused.
final class RateLimiter: Sendable {
    /// Tokens per nanosecond.
    let rate: Double
    let burst: Double
    /// Buckets kept at most; when full, buckets that have refilled (as good as absent) are dropped first.
    let capacity: Int
    private struct Bucket {
        var tokens: Double
        var updated: UInt64
    }
    private let buckets = Mutex<[UInt64: Bucket]>([:])

    init(average: Int, burst: Int, period: Duration, capacity: Int = 65_536) {
        let periodNanoseconds = Double(max(period.wholeNanoseconds, 1))
        rate = Double(average) / periodNanoseconds
        self.burst = Double(max(burst, 1))
        self.capacity = capacity
    }

    /// Takes a token for `source` at monotonic time `now` (nanoseconds). Returns nil when the request may go on,
    /// else the nanoseconds until a token is available.
    func take(_ source: UInt64, now: UInt64) -> UInt64? {
        guard rate > 0 else { return nil }
        return buckets.withLock { buckets in
            var bucket = buckets[source] ?? Bucket(tokens: burst, updated: now)
            let elapsed = Double(now &- bucket.updated)
            bucket.tokens = min(burst, bucket.tokens + elapsed * rate)
            bucket.updated = now
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                if buckets[source] == nil && buckets.count >= capacity { evict(&buckets, now: now) }
                buckets[source] = bucket
                return nil
            }
            buckets[source] = bucket
            return UInt64(((1 - bucket.tokens) / rate).rounded(.up))
        }
    }

    private func evict(_ buckets: inout [UInt64: Bucket], now: UInt64) {
        buckets = buckets.filter { _, b in b.tokens + Double(now &- b.updated) * rate < burst }
        while buckets.count >= capacity, let any = buckets.keys.first { buckets[any] = nil }
    }

    /// Buckets held (for tests).
    var bucketCount: Int { buckets.withLock { $0.count } }
}
