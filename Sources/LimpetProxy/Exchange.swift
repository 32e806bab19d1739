import LimpetHTTP

/// One request/response exchange of an HTTP/1.1 connection, as a pure state machine: where each direction stands,
/// what the request and response allow, and every timeout, decided from the clock value it is given. It does no
/// I/O and holds no buffer; `ClientConnection` tells it what happened (a head was scanned, a send completed or
/// failed, a response head arrived, the timer fired) and performs what it answers. Tested without sockets in
/// `Tests/LimpetProxyTests/ExchangeTests.swift`.
///
/// What the connection keeps to itself: buffers, the two `Flow`s (each with its own pure `BodyFlow`), the
/// upstream socket and pool, routing and balancing, and the count of operations in flight.
struct Exchange {
    enum RequestPhase { case readingHead, connecting, sendingHead, body, done }
    enum ResponsePhase {
        case idle, readingHead
        /// A 1xx (100 Continue, 103 Early Hints) is going out; another head follows.
        case sendingInterim
        case sendingHead, body, done
    }

    /// How the response is made.
    enum Mode {
        /// Relayed from the upstream.
        case proxied
        /// Written by Limpet itself (an error page, a redirect): no upstream involved.
        case local
        /// The upstream answered 101; the tunnel starts once the upgrade request is sent whole.
        case upgraded
        /// After a 101: both directions are opaque byte streams until each side closes.
        case tunnel
    }

    /// What the request head said, as far as the exchange's decisions go.
    struct Request {
        var method = Method.get
        /// HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
        var keepAlive = true
        var isHTTP10 = false
        var upgrade = false
        var hasBody = false

        init() {}
        init(_ head: RequestHead) {
            method = head.method
            keepAlive = head.keepAlive
            isHTTP10 = head.version == .http10
            upgrade = head.upgrade
            hasBody = head.bodyFraming != .none
        }
    }

    /// Something waiting for the upstream socket's last operation to complete.
    enum WhenQuiet: Equatable {
        /// Try the request again on a fresh connection.
        case retry
        /// Answer the client with this status (the upstream failed before any of the response was written).
        case fail(status: Int)
    }

    private(set) var requestPhase = RequestPhase.readingHead
    private(set) var responsePhase = ResponsePhase.idle
    private(set) var mode = Mode.proxied
    private(set) var request = Request()
    /// A byte of the response arrived: no retry from here on.
    private(set) var responseStarted = false
    /// The idempotent retry on a fresh connection was used.
    private(set) var retried = false
    private(set) var whenQuiet: WhenQuiet?
    /// The response ends the connection (`Connection: close` from either side, a close-delimited body, an
    /// HTTP/1.0 client that cannot read chunked framing, shutdown).
    private(set) var closeAfterResponse = false
    /// The upstream connection can be pooled once the response is read whole.
    private(set) var responseKeepAlive = true
    private(set) var requestsServed = 0
    private(set) var timers = ExchangeTimers()

    var upgraded: Bool { mode == .upgraded || mode == .tunnel }
    var tunnelling: Bool { mode == .tunnel }
    var isLocal: Bool { mode == .local }
    /// Waiting for (the rest of) a request head: with nothing of it buffered, graceful shutdown may close now.
    var awaitingHead: Bool { requestPhase == .readingHead }
    /// No byte of the response has gone to the client yet (a failure can still be answered with a status).
    var responseNotBegun: Bool { responsePhase == .idle || responsePhase == .readingHead }

    // MARK: request head

    /// Bytes of a request head arrived: the read timeout runs from the first of them (or from now, when the
    /// connection was idle).
    mutating func headBytesArrived(first: Bool, readTimeout: UInt64, now: UInt64) {
        if first || timers.step == .idle { timers.set(.readHead, after: readTimeout, now: now) }
    }

    /// A complete request head was scanned: the exchange starts, and its `writeTimeout` with it.
    mutating func begin(_ head: Request, writeTimeout: UInt64, now: UInt64) {
        request = head
        timers.clear()
        timers.startWrite(after: writeTimeout, now: now)
    }

    /// The request will be answered by Limpet itself (404, 503, a middleware's answer, a rejected head, or an
    /// upstream failure before any response byte). Returns whether the answer says `Connection: close`.
    mutating func respondLocally(close: Bool, draining: Bool) -> Bool {
        timers.clear()
        mode = .local
        closeAfterResponse = closeAfterResponse || close || !request.keepAlive || draining
        responsePhase = .sendingHead
        return closeAfterResponse
    }

    /// The request is answered without reading its body (a local answer to a request whose head was parsed).
    mutating func requestDone() { requestPhase = .done }

    // MARK: upstream

    /// A new upstream connection is being dialled.
    mutating func dialling(timeout: UInt64, now: UInt64) {
        requestPhase = .connecting
        timers.set(.dial, after: timeout, now: now)
    }

    /// The dial completed (either way).
    mutating func connected() { timers.clear() }

    /// The request head goes upstream; the response head is read at the same time (`readsResponse`) unless a
    /// read is already out.
    mutating func sendingHead() -> Bool {
        requestPhase = .sendingHead
        guard responsePhase == .idle else { return false }
        responsePhase = .readingHead
        return true
    }

    /// The request head is out: the body (if any) follows.
    mutating func headSent() { requestPhase = .body }

    /// Whether a failure before any response byte may be retried on a fresh connection (SPEC §6): a pooled
    /// connection the server closed under us, for a request that can be repeated, once.
    func canRetry(reusedConnection: Bool) -> Bool {
        !retried && reusedConnection && !responseStarted && request.method.isIdempotent && !request.hasBody
    }

    enum WriteFailure: Equatable {
        /// The response read is still out and decides (a stale pooled connection reads EOF and is retried; a
        /// server that answered before closing its side gets its answer through).
        case awaitResponse
        case retry
        /// The `retry` middleware may try again; if it does not, `fail` (nothing sent to the client) or abort.
        case retryWithPolicy(elseFail: Bool)
    }

    /// Sending the request upstream failed.
    mutating func requestWriteFailed(reusedConnection: Bool, upstreamBusy: Bool) -> WriteFailure {
        if responsePhase == .readingHead && !responseStarted && upstreamBusy {
            requestPhase = .done
            closeAfterResponse = true
            return .awaitResponse
        }
        if canRetry(reusedConnection: reusedConnection) { return .retry }
        return .retryWithPolicy(elseFail: responseNotBegun)
    }

    /// The `retry` middleware may send the request again: no response byte arrived, no other retry or failure is
    /// under way, and the request can still be sent whole (its body not yet started).
    var policyMayRetry: Bool {
        !responseStarted && whenQuiet == nil
            && (requestPhase == .connecting || requestPhase == .sendingHead || !request.hasBody)
    }

    /// A retry decided by the `retry` middleware: the one idempotent retry is available again for the next
    /// connection.
    mutating func policyRetries() { retried = false }

    /// Waits for the upstream socket to go quiet before `what` (`retrying` or `upstreamFailed` follows).
    mutating func wait(_ what: WhenQuiet) {
        if case .fail = what { timers.clear() }
        whenQuiet = what
    }

    enum Retry: Equatable { case dialNow, waitThenDial }

    /// The request is tried again on a fresh connection, at once or after the `retry` middleware's backoff.
    mutating func retrying(delay: UInt64, now: UInt64) -> Retry {
        whenQuiet = nil
        retried = true
        closeAfterResponse = !request.keepAlive
        responsePhase = .idle
        timers.clear()
        guard delay > 0 else { return .dialNow }
        requestPhase = .connecting
        timers.set(.retryWait, after: delay, now: now)
        return .waitThenDial
    }

    /// The upstream failed before Limpet wrote any of the response; its socket is quiet, and the failure is
    /// answered now.
    mutating func upstreamFailed() {
        whenQuiet = nil
        requestPhase = .done
    }

    // MARK: response head

    /// Bytes of the response head arrived.
    mutating func responseBytes() { responseStarted = true }

    enum ResponseHead: Equatable {
        /// A 1xx: pass it on and read the next head.
        case interim
        /// A 1xx for an HTTP/1.0 client, which never gets one (RFC 9110 §15.2): skip it, read the next head.
        case skipInterim
        /// 101 to a request that asked for no upgrade: a bad gateway.
        case unexpectedSwitch
        /// The final head; `close`: it says `Connection: close`; `announceKeepAlive`: an HTTP/1.0 client is told
        /// the connection stays open.
        case final(close: Bool, announceKeepAlive: Bool)
    }

    /// A complete response head was scanned, with the framing its body has.
    mutating func responseHead(status: Int, framing: BodyFraming, keepAlive: Bool, draining: Bool) -> ResponseHead {
        // Skipped, a 1xx leaves the response-header deadline running: the final head is still awaited.
        if status >= 100 && status < 200 && status != 101 && request.isHTTP10 { return .skipInterim }
        timers.clear()
        if status >= 100 && status < 200 && status != 101 {
            responsePhase = .sendingInterim
            return .interim
        }
        if status == 101 && framing != .tunnel { return .unexpectedSwitch }
        if framing == .tunnel { mode = .upgraded }
        responseKeepAlive = keepAlive && framing != .untilClose
        // An HTTP/1.0 client cannot read chunked framing as a delimiter: end its response with the connection.
        closeAfterResponse = closeAfterResponse || !request.keepAlive || framing == .untilClose || draining
            || (request.isHTTP10 && framing == .chunked)
        responsePhase = .sendingHead
        return .final(close: closeAfterResponse && !upgraded, announceKeepAlive: request.isHTTP10 && !closeAfterResponse)
    }

    enum HeadSent: Equatable {
        /// A local answer is out: the exchange is over.
        case endExchange
        /// An interim head is out: read the next head.
        case readNextHead
        /// The final head is out: the body follows (and, after a 101, the tunnel).
        case body(startTunnel: Bool)
    }

    /// The response head went out whole.
    mutating func responseHeadSent() -> HeadSent {
        switch (mode, responsePhase) {
        case (.local, _):
            return .endExchange
        case (_, .sendingInterim):
            responsePhase = .readingHead
            return .readNextHead
        default:
            responsePhase = .body
            return .body(startTunnel: mode == .upgraded)
        }
    }

    // MARK: bodies and tunnels

    /// After a 101, once the upgrade request is sent whole: the tunnel starts. False when it cannot yet (the
    /// request is still going out) or already did.
    mutating func startTunnel() -> Bool {
        guard requestPhase == .done, mode == .upgraded else { return false }
        mode = .tunnel
        timers.stopWrite()  // a tunnel lives as long as its peers talk
        requestPhase = .body
        return true
    }

    enum RequestFinished: Equatable {
        /// The 101 went out before this request's own send completed: the tunnel starts now.
        case startTunnel
        case wait
    }

    /// Every byte of the request (or of the client's side of the tunnel) is upstream.
    mutating func requestFinished(responseHeaderTimeout: UInt64, now: UInt64) -> RequestFinished {
        requestPhase = .done
        if mode == .upgraded && responsePhase == .body { return .startTunnel }
        // As Go's ResponseHeaderTimeout: counted from the end of the request.
        if responsePhase == .readingHead { timers.set(.responseHeader, after: responseHeaderTimeout, now: now) }
        return .wait
    }

    /// Every byte of the response (or of the server's side of the tunnel) is at the client.
    mutating func responseFinished() { responsePhase = .done }

    var bothDone: Bool { requestPhase == .done && responsePhase == .done }

    enum End: Equatable {
        /// Close the connection (after a half-close, so the client reads everything).
        case close
        /// Parse the next request, already buffered (pipelining); the read timeout is to run.
        case nextBuffered
        /// Wait for the next request; the idle timeout is to run.
        case awaitNext
    }

    /// Both directions are finished (or a local answer is out): the connection closes or serves the next request.
    /// (The connection arms the timeout that follows: it reads only the one it needs.)
    mutating func end(draining: Bool, buffered: Bool) -> End {
        requestsServed += 1
        timers.stopWrite()
        if closeAfterResponse || upgraded || draining { return .close }
        let (served, kept) = (requestsServed, timers)  // the loop timer stays armed
        self = Exchange()
        (requestsServed, timers) = (served, kept)
        return buffered ? .nextBuffered : .awaitNext
    }

    // MARK: timers

    /// Arms a step timeout (`after` ns from `now`; 0: none).
    mutating func setTimeout(_ reason: ExchangeTimers.Reason, after: UInt64, now: UInt64) {
        timers.set(reason, after: after, now: now)
    }

    mutating func clearTimeout() { timers.clear() }

    /// The time the loop's timer should be armed for, when earlier than the one armed (nil: nothing to arm).
    mutating func timerToArm() -> UInt64? { timers.toArm() }

    enum Timeout: Equatable {
        /// `writeTimeout` passed: answer 504 when the response has not begun (`respond`), else close.
        case write(respond: Bool)
        /// Idle keep-alive connection, or a silent one at `readTimeout`: close without a word.
        case close
        /// A partial request head at `readTimeout`: 408, then close.
        case requestTimeout
        /// The dial took longer than `dialTimeout`.
        case dial
        /// No response head within `responseHeaderTimeout` of the request's end: 504.
        case responseHeader
        /// The `retry` middleware's backoff is over: dial.
        case retryWaitOver
    }

    /// The loop's timer fired at `now`: the timeout that expired, if any. `unparsed`: bytes of a next request are
    /// buffered; `buffered`: anything at all is (the first request's partial head counts, a pipelined one's
    /// leftovers do not).
    mutating func timerFired(now: UInt64, unparsed: Bool, buffered: Bool) -> Timeout? {
        switch timers.fired(now: now) {
        case nil:
            return nil
        case .write:
            return .write(respond: responseNotBegun && mode != .local)
        case .step(let reason):
            switch reason {
            case .idle: return .close
            case .readHead: return unparsed || requestsServed == 0 && buffered ? .requestTimeout : .close
            case .dial: return .dial
            case .responseHeader: return .responseHeader
            case .retryWait: return .retryWaitOver
            }
        }
    }
}

/// The deadlines of an exchange: one for the step under way (reading a head, dialling, waiting for the response
/// head, a retry's backoff, an idle keep-alive connection) and the exchange's `writeTimeout`, with the one loop
/// timer they share. Pure: times are given, never read.
struct ExchangeTimers {
    enum Reason { case idle, readHead, dial, responseHeader, retryWait }
    enum Expired: Equatable { case write, step(Reason) }

    /// When the step times out, and why; 0: no step deadline.
    private(set) var stepDeadline: UInt64 = 0
    private(set) var step: Reason?
    /// When the response must be written by (`respondingTimeouts.writeTimeout`); 0: none.
    private(set) var writeDeadline: UInt64 = 0
    /// The loop timer armed and not yet fired; 0: none. A timer armed for later than needed fires anyway and
    /// finds nothing due, so a busy connection never grows the loop's heap.
    private(set) var armed: UInt64 = 0

    mutating func set(_ reason: Reason, after: UInt64, now: UInt64) {
        guard after > 0 else { return clear() }
        stepDeadline = now &+ after
        step = reason
    }

    mutating func clear() {
        stepDeadline = 0
        step = nil
    }

    mutating func startWrite(after: UInt64, now: UInt64) {
        writeDeadline = after == 0 ? 0 : now &+ after
    }

    mutating func stopWrite() { writeDeadline = 0 }

    /// The earliest deadline set, when the loop timer is not already armed for it or sooner.
    mutating func toArm() -> UInt64? {
        let next = stepDeadline == 0 ? writeDeadline
            : writeDeadline == 0 ? stepDeadline : min(stepDeadline, writeDeadline)
        guard next != 0, armed == 0 || next < armed else { return nil }
        armed = next
        return next
    }

    /// The loop timer fired at `now`: the deadline that passed (the write deadline first), now cleared.
    mutating func fired(now: UInt64) -> Expired? {
        armed = 0
        if writeDeadline != 0 && now >= writeDeadline {
            writeDeadline = 0
            return .write
        }
        guard stepDeadline != 0 && now >= stepDeadline, let reason = step else { return nil }
        clear()
        return .step(reason)
    }
}
