import LimpetHTTP
import LimpetRouting

/// What a router's middlewares need to remember during one exchange. A connection allocates it the first time one
/// of its requests goes through a chain and keeps it for the next ones, so connections that never meet a
/// middleware carry one pointer for all this (memory per idle connection).
final class MiddlewareExchange {
    /// `customResponseHeaders` for the response head.
    var responseEdits: HeaderEdits?
    /// The `retry` middleware's policy, tries made so far and the wait before the next dial.
    var retry = RetryState()
    /// What steps hold for the exchange (`inFlightReq` slots), released when it ends.
    var holds: [(step: any MiddlewareStep, hold: UInt64)] = []
    /// The load balancer that chose the server, and the server's index in it (where a retry goes next).
    var balancedService: ServiceRuntime?
    var balancedIndex = 0

    func reset() {
        responseEdits = nil
        retry = RetryState()
        balancedService = nil
    }
}

/// The `retry` middleware within one exchange: its policy, the tries made and the wait before the next dial.
struct RetryState {
    var policy: RetryPolicy?
    private(set) var attempt = 1
    private(set) var delay: UInt64 = 0

    init(policy: RetryPolicy? = nil) { self.policy = policy }

    /// Counts another try when the policy allows one, with its backoff as the wait before it.
    mutating func next() -> Bool {
        guard let policy, attempt < policy.attempts else { return false }
        attempt += 1
        delay = policy.backoff(beforeAttempt: attempt)
        return true
    }

    /// The wait before the dial now due; 0 once taken.
    mutating func takeDelay() -> UInt64 {
        defer { delay = 0 }
        return delay
    }
}

/// A router's middlewares (SPEC §4), applied to the request head between routing and choosing a server.
/// They act on heads only: the path and header edits go into the head written upstream, the answers they give
/// themselves (redirect, 403, 429) are small local responses. Nothing here runs for a router without middlewares.
/// What each middleware does is in its own file (`LimpetConfig/Middlewares/`); this only runs the steps.
extension ClientConnection {
    /// What the chain decided for the head being forwarded.
    struct Rewrite {
        /// The new path, in `worker.pathScratch`; nil when the path is unchanged.
        var path: UnsafeRawBufferPointer?
        /// Header lines for the upstream (`X-Forwarded-Prefix`), in `worker.lineScratch`; 0 when none.
        var extraLineCount = 0
    }

    /// Runs the chain's steps in order. Returns nil when a step answered the request itself (the answer is on
    /// its way), else the rewrite to apply to the upstream head.
    func admit(_ chain: MiddlewareChain, head: RequestHead, source: UnsafeRawBufferPointer) -> Rewrite? {
        let state = middleware ?? MiddlewareExchange()
        middleware = state
        state.retry = RetryState(policy: chain.retry)
        state.responseEdits = chain.responseEdits
        let view = RequestView(method: Span.bytes(of: head.methodSpan, in: source),
                               host: Span.bytes(of: head.effectiveHost, in: source),
                               path: Span.bytes(of: head.path, in: source),
                               query: Span.bytes(of: head.query, in: source), headers: worker.headers, source: source)
        return clientIP.withUnsafeBytes { ip -> Rewrite? in
            // The loop's line buffer moves into the request and back: appending to it never copies it.
            var lines: [UInt8] = []
            swap(&lines, &worker.lineScratch)
            lines.removeAll(keepingCapacity: true)
            var request = MiddlewareRequest(head: view, method: head.method, clientIP: ip, trustForwarded: trustForwarded,
                                            now: loop.now, pathScratch: worker.pathScratch,
                                            pathCapacity: settings.bufferSize, rewritesPath: chain.rewritesPath,
                                            lines: consume lines)
            for step in chain.steps {
                switch step.handle(&request) {
                case .next:
                    continue
                case .nextHolding(let hold):
                    state.holds.append((step, hold))
                case .answer(let answer):
                    swap(&request.lines, &worker.lineScratch)
                    perform(answer)
                    return nil
                }
            }
            let path = request.rewrittenPath
            swap(&request.lines, &worker.lineScratch)
            return Rewrite(path: path, extraLineCount: worker.lineScratch.count)
        }
    }

    /// A middleware's own answer; the head stays consumed, a body not yet read closes the connection.
    private func perform(_ answer: MiddlewareAnswer) {
        exchange.requestDone()
        releaseMiddlewareHolds()
        let close = answer.close || exchange.request.hasBody
        if answer.withLines {
            worker.lineScratch.withUnsafeBytes {
                respondLocally(status: answer.status, body: answer.body, close: close, extra: $0)
            }
        } else {
            respondLocally(status: answer.status, body: answer.body, close: close)
        }
    }

    /// Gives back what the steps hold for this exchange (`inFlightReq` slots).
    func releaseMiddlewareHolds() {
        guard let state = middleware, !state.holds.isEmpty else { return }
        for (step, hold) in state.holds { step.release(hold) }
        state.holds.removeAll(keepingCapacity: true)
    }

    /// The `retry` middleware: a server that could not be reached, before any response byte and while the
    /// request can still be sent whole, gets the request again — on another server that takes new sessions when
    /// there is one (a sticky session on it moves as rendezvous hashing says, the same on every replica), after
    /// the policy's backoff. Returns false when the request cannot be retried.
    func retryWithPolicy() -> Bool {
        guard let state = middleware, exchange.policyMayRetry, state.retry.next() else { return false }
        recordPassiveFailure()
        if let (next, cookie) = alternativeServer() {
            setCookie = Array(setCookie[..<balancerCookieOffset]) + cookie
            server = next
            countInFlight(next)
        }
        failover = nil
        exchange.policyRetries()
        retry()
        return true
    }
}
