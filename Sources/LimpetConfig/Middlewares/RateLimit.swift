import LimpetRouting
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

/// The token buckets of one `rateLimit` (shared by the routers of one chain, on every loop), without a lock: GCRA,
/// the token bucket as one "theoretical arrival time" (TAT) per source. A request at `now` passes when
/// `max(TAT, now) - now <= (burst - 1) × interval` and moves the TAT one `interval` (`period / average`) later; a
/// TAT in the past is a full bucket.
///
/// Each source's TAT is one atomic word in an `AtomicSlotTable`, `tag << 48 | TAT / 16 ns` (modulo 2^48, about
/// 52 days, read relative to `now`), where the tag is the top 16 bits of the source key; a request updates it with
/// one compare-and-exchange. A source without a slot takes an empty one or one whose bucket is full among its
/// `probes`; when every one holds a source still limited, it takes the slot of the one whose bucket is fullest
/// (that source starts again with a full bucket). So memory is fixed (`capacity` words), a flood of addresses
/// makes the limit more lenient for the sources it evicts, never stricter; two sources that share a slot's window
/// and a tag share a bucket (about one pair in 65,536 of those that collide).
final class RateLimiter: Sendable {
    /// Nanoseconds per token; 0: no limit (`average: 0`).
    let interval: UInt64
    /// How far ahead of `now` the TAT may be for a request to pass: `(burst - 1) × interval`.
    let tolerance: UInt64
    private let table: AtomicSlotTable
    private static let timeBits: UInt64 = 48
    private static let timeMask: UInt64 = (1 << timeBits) - 1
    /// The TAT is kept in units of 16 ns.
    private static let unitShift: UInt64 = 4
    /// The most the TAT may be ahead of `now`, so that the modular difference stays unambiguous (about 13 days).
    private static let maxAhead: UInt64 = 1 << (timeBits - 2 + unitShift)

    init(average: Int, burst: Int, period: Duration, capacity: Int = 65_536) {
        let periodNanoseconds = Double(max(period.wholeNanoseconds, 1))
        if average > 0 {
            interval = UInt64(min(max((periodNanoseconds / Double(average)).rounded(), 1), Double(Self.maxAhead / 2)))
        } else {
            interval = 0
        }
        tolerance = min(interval.multipliedReportingOverflow(by: UInt64(max(burst, 1) - 1)).partialValue,
                        Self.maxAhead - interval)
        table = AtomicSlotTable(capacity: average > 0 ? capacity : 0)
    }

    private static func tag(_ source: UInt64) -> UInt64 { max(source >> timeBits, 1) }

    /// How far the TAT in `word` is ahead of `now`, in nanoseconds (negative: in the past).
    private static func ahead(_ word: UInt64, now: UInt64) -> Int64 {
        let difference = (word &- (now >> unitShift)) & timeMask
        let signed = Int64(bitPattern: difference << (64 - timeBits)) >> (64 - timeBits)
        return signed << Int64(unitShift)
    }

    private static func word(tag: UInt64, tat: UInt64) -> UInt64 {
        tag << timeBits | (tat >> unitShift) & timeMask
    }

    /// Takes a token for `source` at monotonic time `now` (nanoseconds). Returns nil when the request may go on,
    /// else the nanoseconds until it would.
    func take(_ source: UInt64, now: UInt64) -> UInt64? {
        guard interval > 0 else { return nil }
        let source = AtomicSlotTable.mix(source)
        let tag = Self.tag(source)
        while true {
            var own: (slot: Int, word: UInt64)?
            var free: (slot: Int, word: UInt64)?
            var fullest: (slot: Int, word: UInt64, ahead: Int64)?
            for probe in 0..<AtomicSlotTable.probes {
                let slot = table.slot(source, probe: probe)
                let word = table.load(slot)
                if word != 0 && word >> Self.timeBits == tag {
                    own = (slot, word)
                    break
                }
                guard free == nil else { continue }
                let ahead = word == 0 ? 0 : Self.ahead(word, now: now)
                if ahead <= 0 {
                    free = (slot, word)
                } else if fullest.map({ ahead < $0.ahead }) ?? true {
                    fullest = (slot, word, ahead)
                }
            }
            let slot: Int
            let expected: UInt64
            var wait: UInt64 = 0
            if let own {
                (slot, expected) = own
                wait = UInt64(max(Self.ahead(own.word, now: now), 0))
                if wait > tolerance { return wait - tolerance }
            } else if let chosen = free ?? fullest.map({ ($0.slot, $0.word) }) {
                (slot, expected) = chosen
            } else {
                return nil  // unreachable: the window has at least one slot
            }
            if table.exchange(slot, expected: expected, desired: Self.word(tag: tag, tat: now &+ wait &+ interval)).exchanged {
                return nil
            }
            // Another loop changed the slot between the look and the exchange: look again.
        }
    }

    /// Slots holding a source (for tests): never more than the table's size.
    var bucketCount: Int { table.occupied }
    /// The table's size.
    var capacity: Int { table.count }
}
