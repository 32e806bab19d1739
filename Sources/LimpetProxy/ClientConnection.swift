import CShims
import Glibc
import LimpetHTTP
import LimpetIO
import LimpetRouting

/// Operation codes in tokens. Client-socket operations complete through `complete(op:…)`, upstream-socket ones
/// through `upstreamCompleted(op:…)`.
enum Op {
    static let clientRecv: UInt8 = 1
    static let clientSend: UInt8 = 2
    static let clientSpliceIn: UInt8 = 3   // client socket → request pipe
    static let clientSpliceOut: UInt8 = 4  // response pipe → client socket
    static let clientRecvProvided: UInt8 = 5  // the start of a request head, into a buffer the poller picks
    static let upstreamConnect: UInt8 = 10
    static let upstreamSend: UInt8 = 11
    static let upstreamRecv: UInt8 = 12
    static let upstreamSpliceIn: UInt8 = 13   // upstream socket → response pipe
    static let upstreamSpliceOut: UInt8 = 14  // request pipe → upstream socket
}

/// One client connection and the exchange it is in. Two flows run at once during an exchange:
/// the request flow (client → upstream: head from `headBuffer`, then body bytes out of `inBuffer` or a pipe) and
/// the response flow (upstream → client: head rewritten into `headBuffer`, body out of `responseBuffer` or a pipe).
/// Each flow has at most one operation in flight; the exchange ends when both are done.
final class ClientConnection: LoopHandler {
    enum RequestPhase { case readingHead, connecting, sendingHead, body, done }
    enum ResponsePhase { case idle, readingHead, sendingHead, body, done }
    enum TimerReason { case none, idle, readHead, dial, responseHeader, retryWait }

    let fd: Int32
    /// The worker outlives every connection of its loop; `unowned(unsafe)` skips the per-access check that
    /// plain `unowned` costs (3.8 % of a request's instructions under callgrind).
    unowned(unsafe) let worker: Worker
    let entryPoint: Int
    var registration: EventLoop.Registration!
    /// The client's address as text, for X-Forwarded-For and X-Real-Ip.
    var clientIP: [UInt8] = []
    var trustForwarded = false
    /// The client is on this host's loopback (`engine.splice: auto`).
    var clientLoopback = false
    /// Operations pending on the client socket.
    var pending = 0
    var closing = false

    // Buffers from the loop's pool, held only while in use: `inBuffer` from the first byte of a request until the
    // connection is idle with nothing left in it (an idle connection holds no buffer), the others per exchange.
    var inBuffer: UnsafeMutableRawPointer!
    var inStart = 0
    var inEnd = 0
    var headBuffer: UnsafeMutableRawPointer?
    var headLength = 0
    var headSent = 0
    var responseBuffer: UnsafeMutableRawPointer?
    var responseStart = 0
    var responseEnd = 0

    // The exchange.
    var requestPhase = RequestPhase.readingHead
    var responsePhase = ResponsePhase.idle
    var upstream: UpstreamConnection?
    var server: ServerRuntime?
    var requestMethod = Method.get
    var requestKeepAlive = true
    var requestIsHTTP10 = false
    var requestUpgrade = false
    var requestIdempotent = true
    var requestHasBody = false
    /// Framing of the request body until its flow starts (coalescing advances it), then the two flows.
    var requestBody = BodyTracker(.none)
    var responseBody = BodyTracker(.none)
    var requestFlow = BodyFlow.idle
    var responseFlow = BodyFlow.idle
    /// Pipes of each flow (two each, used in turn), taken from the loop's pool when first needed.
    var requestPipes: (Pipe?, Pipe?) = (nil, nil)
    var responsePipes: (Pipe?, Pipe?) = (nil, nil)
    /// The copy buffer a flow uses in place of its pipes when it copies its large body instead of splicing it
    /// (`copyBuffer`): two halves, filled and drained in turn.
    var requestCopy: UnsafeMutableRawPointer?
    var responseCopy: UnsafeMutableRawPointer?
    var responseKeepAlive = true
    /// Set-Cookie line(s) to add to the response head, when the balancer chose a server.
    var setCookie: [UInt8] = []
    var responseStarted = false
    var retried = false
    /// A retry waiting for the old upstream socket's last operation to complete.
    var retryWhenQuiet = false
    var closeAfterResponse = false
    var upgraded = false
    /// After a 101, the request flow has become the client → upstream tunnel.
    var tunnelling = false
    /// A response Limpet wrote itself (error page): no upstream involved.
    var localResponse = false
    /// The head being sent is a 1xx; more heads follow.
    var interimResponse = false
    /// An upstream failure waiting for the upstream socket to go quiet before Limpet answers.
    var pendingFailure: (status: Int, body: StaticString)?
    /// The chosen service passes the client's Host header on (Traefik's passHostHeader).
    var passHostHeader = true
    /// Health of the chosen server and its passive check, for recording failures.
    var chosenHealth: ServerHealth?
    var passiveCheck: PassiveHealthCheck?
    /// For a session pinned to a draining server: where it moves if that server no longer answers.
    var failover: ServerRuntime?
    var failoverCookie: [UInt8] = []
    /// Where in `setCookie` the load balancer's own line starts (after a weighted parent's).
    var balancerCookieOffset = 0
    /// The server whose in-flight count this exchange holds, and when it was routed.
    var countedServer: ServerRuntime?
    var exchangeStart: UInt64 = 0
    var requestsServed = 0
    /// Middleware state of the exchange; allocated the first time the connection is routed through a chain.
    var middleware: MiddlewareExchange?

    // Timer: one deadline at a time for the step under way (`timerReason`), plus the exchange's `writeTimeout`.
    var deadline: UInt64 = 0
    var armedDeadline: UInt64 = 0
    var timerReason = TimerReason.none
    /// When this exchange's response must be written by (`respondingTimeouts.writeTimeout`); 0 for none.
    var writeDeadline: UInt64 = 0

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
        var peer = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) == 0 }
        }
        return ok ? SocketAddress(storage: peer, length: length) : nil
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
        let ignored = localResponse && (op == Op.clientRecv || op == Op.clientSpliceIn || op == Op.clientRecvProvided)
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
            if requestPhase == .readingHead { headBytesArrived(result) } else { requestBodyRead(result) }
        case Op.clientSpliceIn:
            requestBodySpliced(result)
        case Op.clientSend:
            responseSent(result)
        case Op.clientSpliceOut:
            responseSplicedOut(result)
        default:
            preconditionFailure("unknown client operation \(op)")
        }
    }

    func upstreamCompleted(op: UInt8, result: Int32) {
        if closing {
            finalizeIfQuiet()
            return
        }
        if pendingFailure != nil {
            finishFailure()
            return
        }
        if retryWhenQuiet {
            if upstream?.pending == 0 { retry() }
            return
        }
        switch op {
        case Op.upstreamConnect: connected(result)
        case Op.upstreamSend: requestSent(result)
        case Op.upstreamSpliceOut: requestSplicedOut(result)
        case Op.upstreamRecv: responseBytesArrived(result)
        case Op.upstreamSpliceIn: responseBodySpliced(result)
        default: preconditionFailure("unknown upstream operation \(op)")
        }
    }

    // MARK: submitting (every submission is counted so the connection is freed only when the kernel is done)

    /// Whether a body that starts now should be copied rather than spliced (`engine.splice`). A tunnel never is:
    /// it could hold a copy buffer for hours, where a pipe holds only the bytes in it.
    func copiesBodies(to server: ServerRuntime) -> Bool {
        switch settings.splice {
        case .always: false
        case .never: true
        case .auto: clientLoopback || server.address.loopback
        }
    }

    /// The copy buffer of a flow, taken from the loop's pool on its first large read when the body is to be copied
    /// (`copiesBodies`); nil when the flow splices: it is a tunnel, it already spliced, or the pool is exhausted.
    func copyBuffer(_ buffer: inout UnsafeMutableRawPointer?, pipes: (Pipe?, Pipe?), tunnel: Bool)
        -> UnsafeMutableRawPointer? {
        if let buffer { return buffer }
        guard pipes.0 == nil, pipes.1 == nil, !tunnel, let server, copiesBodies(to: server) else { return nil }
        buffer = worker.copyBuffers.take()
        return buffer
    }

    /// Pipe `index` of a flow's pair, taken from the loop's pool the first time; nil (logged) when none can be
    /// made, and the caller aborts the connection (not from in here: `pipes` is being accessed).
    func pipe(_ index: Int, of pipes: inout (Pipe?, Pipe?)) -> Pipe? {
        if let existing = index == 0 ? pipes.0 : pipes.1 { return existing }
        do {
            let made = try worker.pipes.take()
            if index == 0 { pipes.0 = made } else { pipes.1 = made }
            return made
        } catch {
            worker.logger.error("\(error)")
            return nil
        }
    }

    /// The connection's read buffer, taken from the pool if it holds none.
    func takeInBuffer() -> UnsafeMutableRawPointer {
        if let inBuffer { return inBuffer }
        let buffer = worker.buffers.take()
        inBuffer = buffer
        return buffer
    }

    func clientRecv(into buffer: UnsafeMutableRawPointer, count: Int, likelyEmpty: Bool = false) {
        pending += 1
        loop.poller.recv(fd: fd, into: buffer, count: count, token: registration.token(Op.clientRecv),
                         likelyEmpty: likelyEmpty)
    }

    func clientSend(_ buffer: UnsafeRawPointer, count: Int) {
        pending += 1
        loop.poller.send(fd: fd, from: buffer, count: count, token: registration.token(Op.clientSend))
    }

    /// A send or receive that stands in for a splice: its completion counts as the splice's.
    func clientCopy(_ buffer: UnsafeMutableRawPointer, count: Int, out: Bool) {
        pending += 1
        if out {
            loop.poller.send(fd: fd, from: buffer, count: count, token: registration.token(Op.clientSpliceOut))
        } else {
            loop.poller.recv(fd: fd, into: buffer, count: count, token: registration.token(Op.clientSpliceIn))
        }
    }

    func clientSplice(from: Int32, to: Int32, count: Int, intoSocket: Bool, more: Bool) {
        pending += 1
        loop.poller.splice(from: from, to: to, count: count, socket: fd, intoSocket: intoSocket, more: more,
                           token: registration.token(intoSocket ? Op.clientSpliceOut : Op.clientSpliceIn))
    }

    func upstreamSubmit(_ body: (UpstreamConnection, Poller) -> Void) {
        guard let upstream else { preconditionFailure("no upstream attached") }
        upstream.pending += 1
        body(upstream, loop.poller)
    }

    // MARK: timer

    func setDeadline(_ at: UInt64, _ reason: TimerReason) {
        deadline = at
        timerReason = reason
        armTimer(at)
    }

    /// Starts the exchange's `writeTimeout` (Traefik's: from the end of the request head to the end of the
    /// response); 0 means none.
    func startWriteTimeout(_ nanoseconds: UInt64) {
        writeDeadline = nanoseconds == 0 ? 0 : loop.now &+ nanoseconds
        if writeDeadline != 0 { armTimer(writeDeadline) }
    }

    /// Makes the loop call `timerFired` by `at`; a timer armed for later fires anyway and finds nothing due.
    private func armTimer(_ at: UInt64) {
        if armedDeadline == 0 || at < armedDeadline {
            armedDeadline = at
            loop.arm(registration, at: at)
        }
    }

    /// Arms a timeout `nanoseconds` from now; 0 means none.
    func setTimeout(_ nanoseconds: UInt64, _ reason: TimerReason) {
        if nanoseconds == 0 { clearDeadline() } else { setDeadline(loop.now + nanoseconds, reason) }
    }

    func clearDeadline() {
        deadline = 0
        timerReason = .none
    }

    func timerFired() {
        armedDeadline = 0
        guard !closing else { return }
        if writeDeadline != 0 && loop.now >= writeDeadline {
            writeDeadline = 0
            writeTimedOut()
            return
        }
        guard deadline != 0 && loop.now >= deadline else {
            // Nothing due yet: wait for the earlier of the deadlines still set.
            let next = deadline == 0 ? writeDeadline : writeDeadline == 0 ? deadline : min(deadline, writeDeadline)
            if next != 0 { armTimer(next) }
            return
        }
        let reason = timerReason
        clearDeadline()
        switch reason {
        case .none:
            break
        case .idle:
            abort()
        case .readHead:
            if inEnd > inStart || requestsServed == 0 && inEnd > 0 {
                respondLocally(status: 408, body: "408 Request Timeout", close: true)
            } else {
                abort()
            }
        case .dial:
            worker.logger.warning("dial \(server?.url ?? "?"): timed out")
            if !retryWithPolicy() { failUpstream(status: 502, body: "Bad Gateway") }
        case .responseHeader:
            failUpstream(status: 504, body: "Gateway Timeout")
        case .retryWait:
            dial()
        }
        if writeDeadline != 0 && !closing { armTimer(writeDeadline) }  // still running, whatever came next
    }

    /// `writeTimeout` passed before the response was written whole. A response whose head has not gone out is
    /// answered 504 now (Traefik's Go server would only fail its first write, once the backend answered, and
    /// close without a response); one under way is cut off, as in Traefik, and the client sees the close.
    func writeTimedOut() {
        let notStarted = (responsePhase == .idle || responsePhase == .readingHead) && !localResponse
        let client = String(decoding: clientIP, as: UTF8.self), from = server?.url ?? "Limpet"
        let outcome = notStarted ? "answered 504" : "connection closed"
        worker.logger.warning("response to \(client) from \(from) not written within writeTimeout: \(outcome)")
        if notStarted { failUpstream(status: 504, body: "Gateway Timeout") } else { abort() }
    }

    // MARK: ending

    /// Closes everything now: cancels what is in flight and frees resources once the kernel has let go.
    func abort() {
        guard !closing else { return }
        closing = true
        clearDeadline()
        if pending > 0 { loop.poller.cancel(fd: fd) }
        if let upstream, upstream.pending > 0 { loop.poller.cancel(fd: upstream.fd) }
        finalizeIfQuiet()
    }

    /// After a final response with `Connection: close`: half-close so the client reads everything, then close.
    func closeGracefully() {
        shutdown(fd, Int32(SHUT_WR))
        abort()
    }

    func finalizeIfQuiet() {
        guard pending == 0, (upstream?.pending ?? 0) == 0 else { return }
        if let upstream {
            upstream.owner = nil
            upstream.close(loop: loop)
            self.upstream = nil
        }
        releaseExchangeResources(pipesEmpty: false)
        releaseInFlight()
        releaseMiddlewareHolds()
        if let inBuffer { worker.buffers.give(inBuffer) }
        loop.unregister(registration)
        loop.poller.forget(fd: fd)
        Glibc.close(fd)
        worker.connectionClosed()
    }

    /// Graceful stop: a connection waiting for its next request closes now; a busy one after its exchange.
    func drain() {
        if requestPhase == .readingHead && inStart == inEnd && !closing { abort() }
    }

    /// Gives back the per-exchange buffers and pipes. Pipes that may hold bytes are closed, not pooled.
    func releaseExchangeResources(pipesEmpty: Bool) {
        if let b = headBuffer { worker.buffers.give(b); headBuffer = nil }
        if let b = responseBuffer { worker.buffers.give(b); responseBuffer = nil }
        let requestClean = pipesEmpty && requestFlow.pipesEmpty
        let responseClean = pipesEmpty && responseFlow.pipesEmpty
        if let p = requestPipes.0 { worker.pipes.give(p, empty: requestClean) }
        if let p = requestPipes.1 { worker.pipes.give(p, empty: requestClean) }
        if let p = responsePipes.0 { worker.pipes.give(p, empty: responseClean) }
        if let p = responsePipes.1 { worker.pipes.give(p, empty: responseClean) }
        requestPipes = (nil, nil)
        responsePipes = (nil, nil)
        if let b = requestCopy { worker.copyBuffers.give(b); requestCopy = nil }
        if let b = responseCopy { worker.copyBuffers.give(b); responseCopy = nil }
        requestFlow = .idle
        responseFlow = .idle
    }
}
