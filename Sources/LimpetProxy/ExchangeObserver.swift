import CShims
import LimpetHTTP
import LimpetRouting

/// Sees what the connections of a worker do: where metrics and access logs plug in (SPEC §9). One observer per
/// worker, called on that worker's loop thread, synchronously, in the order things happen; it must not block, and
/// it must copy what it keeps of an `ObservedHead` (its bytes point into a buffer the next request reuses).
///
/// With no observer installed (`Worker.observer == nil`, the default) a connection skips every call on one nil
/// check and keeps no record at all: observing costs nothing unless someone observes.
public protocol ExchangeObserver: AnyObject {
    /// A client connection was accepted on entry point `entryPoint` (the static configuration's order).
    func connectionOpened(entryPoint: Int)
    func connectionClosed(entryPoint: Int)
    /// A request head was parsed (before routing); `id` names the exchange in the calls that follow.
    func exchangeBegan(_ id: ExchangeID, head: ObservedHead)
    /// The request matched `router` (not called for a request no router matched: it ends with 404).
    func exchangeRouted(_ id: ExchangeID, router: Router)
    /// The balancer of `service` chose `server`, and why (a sticky pin, a failover, a drain, `sticky.header`, the
    /// strategy). For a weighted service this is the load balancer the chosen child led to.
    func upstreamChosen(_ id: ExchangeID, service: Service, server: ServerDef, choice: Choice)
    /// The request is sent again (the idempotent retry or the `retry` middleware); `attempt` is 2 for the first
    /// retry. `server` is where it goes now.
    func exchangeRetried(_ id: ExchangeID, attempt: Int, server: ServerDef)
    /// The exchange is over (or was cut off): its status, bytes, times and outcome.
    func exchangeEnded(_ id: ExchangeID, _ summary: ExchangeSummary)
}

/// Default no-ops, so an observer implements only what it needs.
extension ExchangeObserver {
    public func connectionOpened(entryPoint: Int) {}
    public func connectionClosed(entryPoint: Int) {}
    public func exchangeBegan(_ id: ExchangeID, head: ObservedHead) {}
    public func exchangeRouted(_ id: ExchangeID, router: Router) {}
    public func upstreamChosen(_ id: ExchangeID, service: Service, server: ServerDef, choice: Choice) {}
    public func exchangeRetried(_ id: ExchangeID, attempt: Int, server: ServerDef) {}
    public func exchangeEnded(_ id: ExchangeID, _ summary: ExchangeSummary) {}
}

/// Names one exchange within a worker: unique per worker for the life of the process.
public struct ExchangeID: Hashable, Sendable {
    public let worker: Int
    public let sequence: UInt64
}

/// The request head as parsed, valid only during `exchangeBegan`.
public struct ObservedHead {
    public let entryPoint: Int
    public let method: UnsafeRawBufferPointer
    /// `Host` (or the absolute-form target's authority); empty when there is none.
    public let host: UnsafeRawBufferPointer
    public let path: UnsafeRawBufferPointer
    public let query: UnsafeRawBufferPointer
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public let minorVersion: Int
    /// The client's address as text.
    public let clientAddress: UnsafeRawBufferPointer
    /// Every header field, as spans into `source` (`HeaderTable.firstIndex(named:in:)` finds one by name).
    public let headers: HeaderTable
    public let source: UnsafeRawBufferPointer
    /// Loop clock (monotonic nanoseconds) when the head was complete.
    public let at: UInt64
}

/// What became of one exchange.
public struct ExchangeSummary: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The response was delivered whole (proxied or answered by Limpet).
        case completed
        /// The connection closed before the response was delivered whole: the client went away, a timeout cut it
        /// off, the upstream ended a response early, or Limpet shut down.
        case aborted
    }

    public var outcome: Outcome = .completed
    /// The final response's status, 0 when none was begun.
    public var status = 0
    /// Limpet answered itself (404, 429, 502, 503, a redirect…) rather than forwarding a server's response.
    public var local = false
    /// The entry point, router and server (nil when the request went no further).
    public var entryPoint = 0
    public var router: Router?
    public var service: Service?
    public var server: ServerDef?
    public var choice: Choice?
    /// Tries made in all (1 without retries).
    public var attempts = 1
    /// Body bytes each way: from the client to the upstream, and from Limpet to the client (a tunnel's bytes after a
    /// 101 included). Heads are not counted.
    public var requestBodyBytes = 0
    public var responseBodyBytes = 0
    /// Monotonic nanoseconds: the head was complete and the final response head was ready (0: never), both as the
    /// loop's clock of that wake-up says; the exchange ended (read when it ended).
    public var began: UInt64 = 0
    public var responded: UInt64 = 0
    public var ended: UInt64 = 0

    public init() {}

    /// From the complete request head to the end, in nanoseconds.
    public var duration: UInt64 { ended &- began }
}

/// A connection's record of its current exchange for the observer; allocated only when the worker has one.
final class ObservedExchange {
    var id: ExchangeID
    /// Between `exchangeBegan` and `exchangeEnded`.
    var active = false
    var summary = ExchangeSummary()

    init(id: ExchangeID) { self.id = id }
}

/// The observer calls of a connection. Each call site reads `worker.observer` (or `observed`) once and does
/// nothing more when it is nil.
extension ClientConnection {
    /// Starts the record of an exchange (a parsed head, or a local answer to bytes that never made one).
    func observeBegin(_ observer: ExchangeObserver, head: RequestHead?, source: UnsafeRawBufferPointer) {
        if let record = observed, record.active { return }
        let id = worker.nextExchangeID()
        let record = observed ?? ObservedExchange(id: id)
        observed = record
        record.id = id
        record.active = true
        record.summary = ExchangeSummary()
        record.summary.entryPoint = entryPoint
        record.summary.began = loop.now
        guard let head else { return }
        clientIP.withUnsafeBytes { client in
            observer.exchangeBegan(id, head: ObservedHead(
                entryPoint: entryPoint, method: Span.bytes(of: head.methodSpan, in: source),
                host: Span.bytes(of: head.effectiveHost, in: source), path: Span.bytes(of: head.path, in: source),
                query: Span.bytes(of: head.query, in: source), minorVersion: head.version == .http10 ? 0 : 1,
                clientAddress: client, headers: worker.headers, source: source, at: record.summary.began))
        }
    }

    func observeRouted(_ router: Router) {
        guard let record = observed, let observer = worker.observer else { return }
        record.summary.router = router
        observer.exchangeRouted(record.id, router: router)
    }

    func observeChoice(_ choice: Choice, service: Service, server: ServerDef) {
        guard let record = observed, let observer = worker.observer else { return }
        record.summary.service = service
        record.summary.server = server
        record.summary.choice = choice
        observer.upstreamChosen(record.id, service: service, server: server, choice: choice)
    }

    func observeRetry() {
        guard let record = observed, let observer = worker.observer else { return }
        record.summary.attempts += 1
        if let server { record.summary.server = server.definition }
        if let server = record.summary.server {
            observer.exchangeRetried(record.id, attempt: record.summary.attempts, server: server)
        }
    }

    /// The final response head is ready to go to the client.
    func observeResponse(status: Int, local: Bool) {
        guard let record = observed, record.active else { return }
        record.summary.status = status
        record.summary.local = local
        record.summary.responded = loop.now
    }

    /// Body bytes that went out inside a head's send (coalesced), or through a flow that is being replaced.
    func observeBodyBytes(request: Int = 0, response: Int = 0) {
        guard let record = observed, record.active else { return }
        record.summary.requestBodyBytes += request
        record.summary.responseBodyBytes += response
    }

    func observeEnd(_ outcome: ExchangeSummary.Outcome) {
        guard let record = observed, record.active, let observer = worker.observer else { return }
        record.active = false
        record.summary.outcome = outcome
        record.summary.requestBodyBytes += requestFlow.body.delivered
        record.summary.responseBodyBytes += responseFlow.body.delivered
        // A fresh reading, not the loop's clock of this wake-up: an exchange answered within one wake-up (a local
        // 404 on epoll) still gets its real duration. Only observed exchanges pay for it.
        record.summary.ended = max(limpet_monotonic_ns(), record.summary.began)
        observer.exchangeEnded(record.id, record.summary)
    }
}
