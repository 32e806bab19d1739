import LimpetHTTP
import Synchronization

/// One middleware of a router's chain, compiled (SPEC §4). `headers` and `retry` have no per-request step:
/// their effect is folded into `MiddlewareChain`.
public enum MiddlewareStep: Sendable {
    /// Removes the first listed prefix the path starts with; the proxy adds `X-Forwarded-Prefix`.
    case stripPrefix(prefixes: [[UInt8]])
    /// Puts `prefix` in front of the path.
    case addPrefix([UInt8])
    case redirectScheme(RedirectScheme)
    case ipAllowList(IPAllowList)
    case inFlightReq(InFlightLimiter)
    case rateLimit(RateLimiter)
}

/// `redirectScheme`: answers with a redirect to the same host and target under another scheme.
public struct RedirectScheme: Sendable {
    /// Lower-cased, e.g. `https`.
    public let scheme: [UInt8]
    /// `:8443`, or empty when the port is left out (not configured, or the scheme's default).
    public let portSuffix: [UInt8]
    public let permanent: Bool

    public init(scheme: String, port: String, permanent: Bool) {
        let lower = scheme.lowercased()
        self.scheme = Array(lower.utf8)
        let defaultPort = lower == "https" ? "443" : lower == "http" ? "80" : ""
        portSuffix = port.isEmpty || port == defaultPort ? [] : Array(":\(port)".utf8)
        self.permanent = permanent
    }

    /// 301/308 when permanent, 302/307 otherwise; the 30x that keeps the method for anything but GET.
    public func status(isGet: Bool) -> Int {
        permanent ? (isGet ? 301 : 308) : (isGet ? 302 : 307)
    }
}

/// `ipAllowList`: the client IP (per `ipStrategy`) must be in one of `sourceRange`, else 403.
public struct IPAllowList: Sendable {
    public let sourceRange: [IPRange]
    /// > 0: the depth-th `X-Forwarded-For` address from the right is the client.
    public let depth: Int
    /// With depth 0: the right-most `X-Forwarded-For` address not in these is the client.
    public let excludedIPs: [IPRange]

    public init(sourceRange: [IPRange], depth: Int, excludedIPs: [IPRange]) {
        self.sourceRange = sourceRange
        self.depth = depth
        self.excludedIPs = excludedIPs
    }

    /// Whether the strategy reads `X-Forwarded-For` rather than the connection's peer.
    public var usesForwardedFor: Bool { depth > 0 || !excludedIPs.isEmpty }

    /// Picks the client address out of the `X-Forwarded-For` list (left to right, as received), as
    /// Traefik's depth and pool strategies do; nil when the strategy finds none (the request is refused).
    public func clientAddress(forwardedFor list: [String]) -> [UInt8]? {
        if depth > 0 {
            guard depth <= list.count else { return nil }
            return IPRange.parseAddress(list[list.count - depth])
        }
        for text in list.reversed() {
            guard let bytes = IPRange.parseAddress(text) else { continue }
            if !excludedIPs.contains(where: { $0.contains(bytes: bytes) }) { return bytes }
        }
        return nil
    }

    public func allows(_ address: [UInt8]) -> Bool {
        sourceRange.contains { $0.contains(bytes: address) }
    }
}

/// `inFlightReq`: at most `amount` requests at once per source (the request's Host, Traefik's default
/// `sourceCriterion`), across every worker. Counts live in one locked table; entries are removed when
/// they reach zero, so its size is bounded by the requests in flight.
///
/// A lock on the request path is the price of one shared count per source; it is taken only by routers
/// that use this middleware, twice per request, for a few dictionary operations.
public final class InFlightLimiter: Sendable {
    public let amount: Int
    private let counts = Mutex<[UInt64: Int]>([:])

    public init(amount: Int) {
        self.amount = amount
    }

    /// Counts a request from `source` in; false (nothing counted) when `amount` are already in flight.
    public func acquire(_ source: UInt64) -> Bool {
        counts.withLock { counts in
            let current = counts[source, default: 0]
            guard current < amount else { return false }
            counts[source] = current + 1
            return true
        }
    }

    public func release(_ source: UInt64) {
        counts.withLock { counts in
            guard let current = counts[source] else { return }
            if current <= 1 { counts[source] = nil } else { counts[source] = current - 1 }
        }
    }

    /// Requests in flight for `source` (for tests and the API).
    public func count(_ source: UInt64) -> Int { counts.withLock { $0[source, default: 0] } }
}

/// `rateLimit`: a token bucket per client IP (Traefik's default `sourceCriterion`), refilled at
/// `average / period` and holding at most `burst` tokens; a request takes one token or is refused
/// with 429. `average: 0` disables the limit.
///
/// Traefik may also delay a request by up to half a token interval instead of refusing it; Limpet refuses
/// at once and says in `Retry-After` when a token will be there.
public final class RateLimiter: Sendable {
    /// Tokens per nanosecond.
    public let rate: Double
    public let burst: Double
    /// Buckets kept at most; when full, buckets that have refilled (as good as absent) are dropped first.
    public let capacity: Int
    private struct Bucket {
        var tokens: Double
        var updated: UInt64
    }
    private let buckets = Mutex<[UInt64: Bucket]>([:])

    public init(average: Int, burst: Int, period: Duration, capacity: Int = 65_536) {
        let periodNanoseconds = Double(max(period.wholeNanoseconds, 1))
        rate = Double(average) / periodNanoseconds
        self.burst = Double(max(burst, 1))
        self.capacity = capacity
    }

    /// Takes a token for `source` at monotonic time `now` (nanoseconds). Returns nil when the request may
    /// go on, else the nanoseconds until a token is available.
    public func take(_ source: UInt64, now: UInt64) -> UInt64? {
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
    public var bucketCount: Int { buckets.withLock { $0.count } }
}

/// `retry`: a request whose server could not be reached is sent again, up to `attempts` tries in all,
/// waiting `initialInterval`, then twice as long each time.
public struct RetryPolicy: Sendable, Equatable {
    public let attempts: Int
    public let initialInterval: UInt64

    public init(attempts: Int, initialInterval: Duration) {
        self.attempts = attempts
        self.initialInterval = initialInterval.wholeNanoseconds
    }

    /// The wait before try number `attempt` (2 for the first retry).
    public func backoff(beforeAttempt attempt: Int) -> UInt64 {
        initialInterval << UInt64(min(max(attempt - 2, 0), 20))
    }
}

/// A router's middlewares, compiled in order (SPEC §4); they act on heads only.
/// Immutable; a class so that the request path takes it with one retain, not one per field.
public final class MiddlewareChain: Sendable {
    /// Qualified names, in order.
    public let names: [String]
    /// The steps that act per request, in chain order.
    public let steps: [MiddlewareStep]
    /// `customRequestHeaders` of every `headers` middleware, later ones winning.
    public let requestEdits: HeaderEdits?
    /// `customResponseHeaders`, likewise.
    public let responseEdits: HeaderEdits?
    public let retry: RetryPolicy?
    /// Some step rewrites the path.
    public let rewritesPath: Bool

    public init(names: [String], steps: [MiddlewareStep], requestEdits: HeaderEdits?, responseEdits: HeaderEdits?,
                retry: RetryPolicy?) {
        self.names = names
        self.steps = steps
        self.requestEdits = requestEdits.flatMap { $0.isEmpty ? nil : $0 }
        self.responseEdits = responseEdits.flatMap { $0.isEmpty ? nil : $0 }
        self.retry = retry
        rewritesPath = steps.contains {
            switch $0 {
            case .stripPrefix, .addPrefix: return true
            default: return false
            }
        }
    }

    /// The key a limiter counts a source under: FNV-1a of its bytes (no allocation).
    public static func sourceKey(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            hash ^= UInt64(b)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// `stripPrefix` on a path: the path without the first matching prefix, starting with `/`; nil when no
    /// prefix matches. Returns how many bytes of `path` to drop and whether a `/` must be put in front.
    public static func strip(_ path: UnsafeRawBufferPointer, prefixes: [[UInt8]]) -> (prefix: Int, drop: Int, slash: Bool)? {
        for (index, prefix) in prefixes.enumerated() where prefix.count <= path.count {
            var i = 0
            while i < prefix.count && path[i] == prefix[i] { i += 1 }
            guard i == prefix.count else { continue }
            let rest = path.count - prefix.count
            return (index, prefix.count, rest == 0 || path[prefix.count] != UInt8(ascii: "/"))
        }
        return nil
    }
}
