import CShims
import Glibc
import LimpetHTTP
import LimpetIO
import LimpetRouting

/// Operation codes in tokens. Client-socket operations complete through `complete(op:…)`, upstream-socket ones
/// through `upstreamCompleted(op:…)`. A flow's operations (`FlowOp`) have the same code on both sides but for
/// `upstream` added, so one driver submits either.
enum Op {
    static let clientRecv = FlowOp.recv
    static let clientSend = FlowOp.send
    static let clientSpliceIn = FlowOp.spliceIn    // client socket → request pipe
    static let clientSpliceOut = FlowOp.spliceOut  // response pipe → client socket
    static let clientRecvProvided: UInt8 = 5  // the start of a request head, into a buffer the poller picks
    static let upstream: UInt8 = 10
    static let upstreamConnect: UInt8 = 9
    static let upstreamRecv = FlowOp.recv + upstream
    static let upstreamSend = FlowOp.send + upstream
    static let upstreamSpliceIn = FlowOp.spliceIn + upstream    // upstream socket → response pipe
    static let upstreamSpliceOut = FlowOp.spliceOut + upstream  // request pipe → upstream socket
}

/// One client connection and the exchange it is in. The decisions of the exchange (phases, retries, what a
/// response head means, every timeout) are `Exchange`'s, a pure state machine; this class performs them: it owns
/// the sockets, buffers, flows and the upstream, and submits every operation.
///
/// Two flows run at once during an exchange: the request flow (client → upstream: head from `requestHead`, then
/// body bytes out of `inBuffer` or a pipe) and the response flow (upstream → client: head rewritten into
/// `responseHead`, body out of `responseBuffer` or a pipe), both moved by one driver (`drive(_:)`). Each flow has
/// at most one operation in flight; the exchange ends when both are done.
final class ClientConnection: LoopHandler {

    // Stored properties are laid out in declaration order, each at its alignment: the socket and the flags
    // share one word (an idle connection's size is SPEC §10's idle-memory target).
    let fd: Int32
    var trustForwarded = false
    /// The client is on this host's loopback (`engine.splice: auto`).
    var clientLoopback = false
    var closing = false
    /// The chosen service passes the client's Host header on (Traefik's passHostHeader).
    var passHostHeader = true
    /// The worker outlives every connection of its loop; `unowned(unsafe)` skips the per-access check that
    /// plain `unowned` costs (3.8 % of a request's instructions under callgrind).
    unowned(unsafe) let worker: Worker
    let entryPoint: Int
    var registration: EventLoop.Registration!
    /// The client's address as text, for X-Forwarded-For and X-Real-Ip.
    var clientIP: [UInt8] = []
    /// Operations pending on the client socket.
    var pending = 0

    // Buffers from the loop's pool, held only while in use: `inBuffer` from the first byte of a request until the
    // connection is idle with nothing left in it (an idle connection holds no buffer), the others per exchange.
    var inBuffer: UnsafeMutableRawPointer!
    var inStart = 0
    var inEnd = 0
    /// The head each direction is sending, each in its own buffer (`OutgoingHead`).
    var requestHead = OutgoingHead()
    var responseHead = OutgoingHead()
    var responseBuffer: UnsafeMutableRawPointer?
    var responseStart = 0
    var responseEnd = 0

    // The exchange.
    var exchange = Exchange()
    var upstream: UpstreamConnection?
    var server: ServerRuntime?
    /// Framing of the request body until its flow starts (coalescing advances it), then the two flows.
    var requestBody = BodyTracker(.none)
    var responseBody = BodyTracker(.none)
    var requestFlow = Flow()
    var responseFlow = Flow()
    /// Set-Cookie line(s) to add to the response head, when the balancer chose a server.
    var setCookie: [UInt8] = []
    /// The chosen server's passive check, for recording a failure (nil when its service has none).
    var chosenPassive: PassiveFailures?
    /// For a session pinned to a draining server: where it moves if that server no longer answers.
    var failover: ServerRuntime?
    var failoverCookie: [UInt8] = []
    /// Where in `setCookie` the load balancer's own line starts (after a weighted parent's).
    var balancerCookieOffset = 0
    /// The server whose in-flight count this exchange holds, and when it was routed.
    var countedServer: ServerRuntime?
    var exchangeStart: UInt64 = 0
    /// Middleware state of the exchange; allocated the first time the connection is routed through a chain.
    var middleware: MiddlewareExchange?
    /// How bytes cross the client socket (`ClientTransport`).
    var transport = ClientTransport.plain
    /// The observer's record of the exchange; nil unless the worker has an observer.
    var observed: ObservedExchange?

    init(fd: Int32, worker: Worker, entryPoint: Int) {
        self.fd = fd
        self.worker = worker
        self.entryPoint = entryPoint
        registration = worker.loop.register(self)
        if let address = peerAddress() {
            var storage = address.storage
            clientIP = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { text in
                let n = Int(limpet_format_ip(&storage, text.baseAddress!, 64))
                return [UInt8](UnsafeRawBufferPointer(start: text.baseAddress!, count: n))
            }
            clientLoopback = address.isLoopback
            let settings = worker.entryPoints[entryPoint]
            trustForwarded = settings.insecureForwarded || settings.trusted.contains { $0.contains(address) }
        }
    }

    /// The client's address (`getpeername`), nil when the socket has none.
    func peerAddress() -> SocketAddress? {
        guard let peer = try? Posix.peerAddress(fd) else { return nil }
        return SocketAddress(storage: peer.storage, length: peer.length)
    }

    var loop: EventLoop { worker.loop }
    var settings: EngineSettings { worker.settings }

    func start() {
        setTimeout(worker.entryPoints[entryPoint].readTimeout, .readHead)
        readMore()
    }


    // MARK: completions

    func complete(op: UInt8, _ completion: Completion) {
        pending -= 1
        let result = completion.result
        let ignored = exchange.isLocal && (op == Op.clientRecv || op == Op.clientSpliceIn || op == Op.clientRecvProvided)
        if closing || ignored {
            // Closing, or the request was already answered: whatever else the client sent is not read.
            if completion.buffer != nil { loop.poller.releaseProvided(completion.bufferID) }
            if closing { finalizeIfQuiet() }
            return
        }
        switch op {
        case Op.clientRecvProvided:
            if result > 0, let bytes = completion.buffer {
                let buffer = takeInBuffer()
                (buffer + inEnd).copyMemory(from: bytes, byteCount: Int(result))
                loop.poller.releaseProvided(completion.bufferID)
                headBytesArrived(result)
            } else if result == -ENOBUFS {
                clientRecv(into: takeInBuffer() + inEnd, count: settings.bufferSize - inEnd)  // none free: use ours
            } else {
                headBytesArrived(result)
            }
        case Op.clientRecv:
            if exchange.requestPhase == .readingHead { headBytesArrived(result) } else { flowReceived(.request, result) }
        case Op.clientSpliceIn:
            flowSplicedIn(.request, result)
        case Op.clientSend:
            switch exchange.responsePhase {
            case .sendingHead, .sendingInterim: responseHeadSent(result)
            default: flowSent(.response, result)
            }
        case Op.clientSpliceOut:
            flowSplicedOut(.response, result)
        default:
            preconditionFailure("unknown client operation \(op)")
        }
    }

    func upstreamCompleted(op: UInt8, result: Int32) {
        if closing {
            finalizeIfQuiet()
            return
        }
        if let waiting = exchange.whenQuiet {
            guard upstream?.pending == 0 else { return }
            switch waiting {
            case .retry: retry()
            case .fail(let status): finishFailure(status: status)
            }
            return
        }
        switch op {
        case Op.upstreamConnect: connected(result)
        case Op.upstreamSend:
            if exchange.requestPhase == .sendingHead { requestHeadSent(result) } else { flowSent(.request, result) }
        case Op.upstreamSpliceOut: flowSplicedOut(.request, result)
        case Op.upstreamRecv:
            if exchange.responsePhase == .readingHead {
                responseBytesArrived(result)
            } else {
                flowReceived(.response, result)
            }
        case Op.upstreamSpliceIn: flowSplicedIn(.response, result)
        default: preconditionFailure("unknown upstream operation \(op)")
        }
    }

    // MARK: submitting (every submission is counted so the connection is freed only when the kernel is done)

    /// The connection's read buffer, taken from the pool if it holds none.
    func takeInBuffer() -> UnsafeMutableRawPointer {
        if let inBuffer { return inBuffer }
        let buffer = worker.buffers.take()
        inBuffer = buffer
        return buffer
    }

    func clientRecv(into buffer: UnsafeMutableRawPointer, count: Int, likelyEmpty: Bool = false) {
        pending += 1
        transportRecv(into: buffer, count: count, token: registration.token(Op.clientRecv), likelyEmpty: likelyEmpty)
    }

    func clientSend(_ buffer: UnsafeRawPointer, count: Int) {
        pending += 1
        transportSend(from: buffer, count: count, token: registration.token(Op.clientSend))
    }

    func upstreamSubmit(_ body: (UpstreamConnection, Poller) -> Void) {
        guard let upstream else { preconditionFailure("no upstream attached") }
        upstream.pending += 1
        body(upstream, loop.poller)
    }

    // MARK: timer (the deadlines are `Exchange`'s; the connection arms the loop timer and acts on what expired)

    /// Arms a step timeout `nanoseconds` from now; 0 means none.
    func setTimeout(_ nanoseconds: UInt64, _ reason: ExchangeTimers.Reason) {
        exchange.setTimeout(reason, after: nanoseconds, now: loop.now)
        armTimer()
    }

    /// Makes the loop call `timerFired` by the exchange's earliest deadline; a timer armed for later fires anyway
    /// and finds nothing due.
    func armTimer() {
        if let at = exchange.timerToArm() { loop.arm(registration, at: at) }
    }

    func timerFired() {
        guard !closing else { return }
        let expired = exchange.timerFired(now: loop.now, unparsed: inEnd > inStart, buffered: inEnd > 0)
        switch expired {
        case nil:
            break
        case .write(let respond):
            // A response whose head has not gone out is answered 504 now (Traefik's Go server would only fail its
            // first write, once the backend answered, and close without a response); one under way is cut off,
            // as in Traefik, and the client sees the close.
            let client = String(decoding: clientIP, as: UTF8.self), from = server?.url ?? "Limpet"
            let outcome = respond ? "answered 504" : "connection closed"
            worker.logger.warning("response to \(client) from \(from) not written within writeTimeout: \(outcome)")
            if respond { failUpstream(status: 504) } else { abort() }
        case .close:
            abort()
        case .requestTimeout:
            respondLocally(status: 408, body: "408 Request Timeout", close: true)
        case .dial:
            worker.logger.warning("dial \(server?.url ?? "?"): timed out")
            if !retryWithPolicy() { failUpstream(status: 502) }
        case .responseHeader:
            failUpstream(status: 504)
        case .retryWaitOver:
            dial()
        }
        if !closing { armTimer() }  // whatever deadline is still set
    }

    // MARK: ending

    /// Closes everything now: cancels what is in flight and frees resources once the kernel has let go.
    func abort() {
        guard !closing else { return }
        closing = true
        exchange.clearTimeout()
        if pending > 0 { loop.poller.cancel(fd: fd) }
        if let upstream, upstream.pending > 0 { loop.poller.cancel(fd: upstream.fd) }
        finalizeIfQuiet()
    }

    /// After a final response with `Connection: close`: half-close so the client reads everything, then close.
    func closeGracefully() {
        transportShutdownWrite()
        abort()
    }

    func finalizeIfQuiet() {
        guard pending == 0, (upstream?.pending ?? 0) == 0 else { return }
        if let upstream {
            upstream.owner = nil
            upstream.close(loop: loop)
            self.upstream = nil
        }
        if observed != nil { observeEnd(.aborted) }  // before the flows, which hold the byte counts, are released
        releaseExchangeResources(pipesEmpty: false)
        releaseInFlight()
        releaseMiddlewareHolds()
        if let inBuffer { worker.buffers.give(inBuffer) }
        loop.unregister(registration)
        loop.poller.forget(fd: fd)
        Posix.close(fd)
        worker.connectionClosed(entryPoint: entryPoint)
    }

    /// Graceful stop: a connection waiting for its next request closes now; a busy one after its exchange.
    func drain() {
        if exchange.awaitingHead && inStart == inEnd && !closing { abort() }
    }

    /// Gives back the per-exchange buffers and pipes. Pipes that may hold bytes are closed, not pooled.
    func releaseExchangeResources(pipesEmpty: Bool) {
        if let b = requestHead.release() { worker.buffers.give(b) }
        if let b = responseHead.release() { worker.buffers.give(b) }
        if let b = responseBuffer { worker.buffers.give(b); responseBuffer = nil }
        releaseFlow(.request, pipesEmpty: pipesEmpty)
        releaseFlow(.response, pipesEmpty: pipesEmpty)
    }
}
