import LimpetRouting
import Synchronization
import Yams

/// `inFlightReq`: at most `amount` requests at once per source — the request's Host, Traefik's default
/// `sourceCriterion` — across every worker; more are answered 429.
struct InFlightReq: Middleware {
    static let typeName = "inFlightReq"

    var amount: Int

    static func decode(_ node: Node, key: Node, path p: String, reader r: NodeReader) -> InFlightReq? {
        guard let f = r.fields(node, path: p, keys: Keys(["amount"], unimplemented: ["sourceCriterion"])) else {
            return nil
        }
        let amount = r.int(f["amount"], path: "\(p).amount", range: 1...Int.max)
        if f["amount"] == nil { r.error("\(p).amount: required", at: key) }
        return amount.map { InFlightReq(amount: $0) }
    }

    func compile(into chain: inout MiddlewareChainBuilder) {
        chain.append(Step(limiter: InFlightLimiter(amount: amount)))
    }

    final class Step: MiddlewareStep {
        let limiter: InFlightLimiter

        init(limiter: InFlightLimiter) {
            self.limiter = limiter
        }

        func handle(_ request: inout MiddlewareRequest) -> MiddlewareVerdict {
            guard let ticket = limiter.acquire(MiddlewareChain.sourceKey(request.head.host)) else {
                return .answer(MiddlewareAnswer(status: 429, body: "Too Many Requests"))
            }
            return .nextHolding(ticket)
        }

        func release(_ hold: UInt64) { limiter.release(hold) }
    }
}

/// The in-flight counts of one `inFlightReq` (shared by the routers of one chain, on every loop). Counts live in
/// one locked table; entries are removed when they reach zero, so its size is bounded by the requests in flight.
///
/// A lock on the request path is the price of one shared count per source; it is taken only by routers that use
/// this middleware, twice per request, for a few dictionary operations.
final class InFlightLimiter: Sendable {
    let amount: Int
    private let counts = Mutex<[UInt64: Int]>([:])

    init(amount: Int) {
        self.amount = amount
    }

    /// Counts a request from `source` in. Returns its ticket for `release` (the source), or nil (nothing counted)
    /// when `amount` are already in flight.
    func acquire(_ source: UInt64) -> UInt64? {
        counts.withLock { counts in
            let current = counts[source, default: 0]
            guard current < amount else { return nil }
            counts[source] = current + 1
            return source
        }
    }

    /// Gives back a ticket `acquire` returned.
    func release(_ ticket: UInt64) {
        counts.withLock { counts in
            guard let current = counts[ticket] else { return }
            if current <= 1 { counts[ticket] = nil } else { counts[ticket] = current - 1 }
        }
    }

    /// Requests in flight for `source` (for tests).
    func count(_ source: UInt64) -> Int { counts.withLock { $0[source, default: 0] } }
}
