import LimpetRouting
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

/// The in-flight counts of one `inFlightReq` (shared by the routers of one chain, on every loop), without a lock:
/// one atomic word per source in an `AtomicSlotTable`, `tag << 24 | count` where the tag is the top 40 bits of the
/// source key. A request increments the count of its source's slot, or claims an empty slot among its `probes`,
/// with one compare-and-exchange; its ticket names the slot, and the release decrements it, emptying the slot when
/// the count reaches zero. So slots are held only by sources with requests in flight.
///
/// When all the slots a source may use hold other sources (more than `capacity` sources in flight at once, or many
/// colliding), its request is admitted uncounted (ticket 0) rather than refused: a flood of Host values can then
/// exceed the limit, but can never lock out a source it does not send. Two sources whose keys share slot and tag
/// share a count (about one pair in 2^40).
final class InFlightLimiter: Sendable {
    let amount: Int
    private let table: AtomicSlotTable
    private static let countBits: UInt64 = 24
    private static let countMask: UInt64 = (1 << countBits) - 1

    init(amount: Int, capacity: Int = 4096) {
        self.amount = min(max(amount, 0), Int(Self.countMask))
        table = AtomicSlotTable(capacity: capacity)
    }

    private static func tag(_ source: UInt64) -> UInt64 { max(source >> countBits, 1) }

    /// Counts a request from `source` in. Returns its ticket for `release` (0: admitted uncounted), or nil (nothing
    /// counted) when `amount` are already in flight.
    func acquire(_ source: UInt64) -> UInt64? {
        let source = AtomicSlotTable.mix(source)
        let tag = Self.tag(source)
        while true {
            var free: Int?
            var found: (slot: Int, word: UInt64)?
            for probe in 0..<AtomicSlotTable.probes {
                let slot = table.slot(source, probe: probe)
                let word = table.load(slot)
                if word >> Self.countBits == tag {
                    found = (slot, word)
                    break
                }
                if word == 0 && free == nil { free = slot }
            }
            if let (slot, word) = found {
                guard word & Self.countMask < UInt64(amount) else { return nil }
                if table.exchange(slot, expected: word, desired: word + 1).exchanged { return UInt64(slot + 1) }
            } else if let slot = free {
                if table.exchange(slot, expected: 0, desired: tag << Self.countBits | 1).exchanged {
                    return UInt64(slot + 1)
                }
            } else {
                return 0
            }
            // Another loop changed a slot between the look and the exchange: look again.
        }
    }

    /// Gives back a ticket `acquire` returned.
    func release(_ ticket: UInt64) {
        guard ticket > 0 else { return }
        let slot = Int(ticket - 1)
        var word = table.load(slot)
        while word & Self.countMask > 0 {
            let desired = word & Self.countMask == 1 ? 0 : word - 1
            let (exchanged, original) = table.exchange(slot, expected: word, desired: desired)
            if exchanged { return }
            word = original
        }
    }

    /// Requests in flight for `source` (for tests).
    func count(_ source: UInt64) -> Int {
        let source = AtomicSlotTable.mix(source)
        let tag = Self.tag(source)
        var total = 0
        for probe in 0..<AtomicSlotTable.probes {
            let word = table.load(table.slot(source, probe: probe))
            if word >> Self.countBits == tag { total += Int(word & Self.countMask) }
        }
        return total
    }

    /// Slots held (for tests): 0 once every ticket is released.
    var occupiedSlots: Int { table.occupied }
}
