import CShims
import Glibc
import LimpetHTTP
import LimpetIO
import LimpetRouting

/// The request side: reading and routing the head, choosing a server, dialling, streaming the body upstream.
extension ClientConnection {
    /// Reads more of a request head into `inBuffer`, first moving a partial head to the front. `betweenRequests`:
    /// a response has just gone out and nothing is buffered, so the next request is most likely not here yet.
    func readMore(betweenRequests: Bool = false) {
        if inStart == inEnd {
            inStart = 0
            inEnd = 0
        } else if inStart > 0 {
            inBuffer.copyMemory(from: inBuffer + inStart, byteCount: inEnd - inStart)
            inEnd -= inStart
            inStart = 0
        }
        if inEnd == 0 && loop.poller.providedBufferSize >= settings.bufferSize {
            // Nothing buffered: wait without holding a buffer; the poller supplies one when bytes arrive.
            if let inBuffer {
                worker.buffers.give(inBuffer)
                self.inBuffer = nil
            }
            pending += 1
            transportRecvProvided(token: registration.token(Op.clientRecvProvided), likelyEmpty: betweenRequests)
            return
        }
        clientRecv(into: takeInBuffer() + inEnd, count: settings.bufferSize - inEnd, likelyEmpty: betweenRequests)
    }

    func headBytesArrived(_ result: Int32) {
        guard result > 0 else {
            abort()  // the client closed (or failed) between requests: nothing to answer
            return
        }
        exchange.headBytesArrived(first: inStart == inEnd, readTimeout: worker.entryPoints[entryPoint].readTimeout, now: loop.now)
        armTimer()
        inEnd += Int(result)
        parseHead()
    }

    func parseHead() {
        let source = UnsafeRawBufferPointer(start: inBuffer + inStart, count: inEnd - inStart)
        switch RequestScanner.scan(source, headers: worker.headers, maxHeadLength: settings.bufferSize) {
        case .incomplete:
            if inEnd == settings.bufferSize && inStart == 0 {
                respondLocally(status: 431, body: "431 Request Header Fields Too Large", close: true)
            } else {
                readMore()
            }
        case .failure(let status, let reason):
            worker.logger.debug("rejected request from \(String(decoding: clientIP, as: UTF8.self)): \(reason)")
            respondLocally(status: status, body: statusBody(status), close: true)
        case .complete(let head):
            startExchange(head, source: source)
        }
    }

    private func statusBody(_ status: Int) -> StaticString {
        switch status {
        case 400: "400 Bad Request"
        case 408: "408 Request Timeout"
        case 414: "414 URI Too Long"
        case 431: "431 Request Header Fields Too Large"
        case 501: "501 Not Implemented"
        case 505: "505 HTTP Version Not Supported"
        default: "Bad Request"
        }
    }

    private func startExchange(_ head: RequestHead, source: UnsafeRawBufferPointer) {
        exchange.begin(Exchange.Request(head), writeTimeout: worker.entryPoints[entryPoint].writeTimeout, now: loop.now)
        armTimer()
        if let observer = worker.observer { observeBegin(observer, head: head, source: source) }
        let framing = head.bodyFraming
        let hasBody = framing != .none
        requestBody = BodyTracker(framing)
        // Chunk framing that already arrived behind the head is checked before anything is forwarded, so a
        // malformed body is rejected without the upstream ever seeing the request. (Framing errors that arrive
        // later can only abort the upstream connection: the head is on its way by then.)
        if framing == .chunked {
            var probe = requestBody
            let behind = UnsafeRawBufferPointer(rebasing: source[head.headLength...])
            if probe.take(behind) == nil {
                inStart += head.headLength
                exchange.requestDone()
                respondLocally(status: 400, body: "400 Bad Request", close: true)
                return
            }
        }

        guard let table = worker.routeTable(entryPoint: entryPoint) else {
            inStart += head.headLength
            exchange.requestDone()
            respondLocally(status: 404, body: "404 page not found", close: hasBody)
            return
        }
        // The peer address is not kept per connection (memory per idle connection): looked up only for
        // tables with a `ClientIP` rule.
        let view = RequestView(method: Span.bytes(of: head.methodSpan, in: source),
                               host: Span.bytes(of: head.effectiveHost, in: source),
                               path: Span.bytes(of: head.path, in: source),
                               query: Span.bytes(of: head.query, in: source), headers: worker.headers,
                               source: source, peer: table.usesClientIP ? peerAddress() : nil)
        guard let router = table.match(view) else {
            inStart += head.headLength
            exchange.requestDone()
            respondLocally(status: 404, body: "404 page not found", close: hasBody)
            return
        }
        if observed != nil { observeRouted(router) }
        var rewrite = Rewrite()
        if let chain = router.chain {
            guard let admitted = admit(chain, head: head, source: source) else {
                inStart += head.headLength
                return
            }
            rewrite = admitted
        }
        setCookie = []
        guard let chosen = chooseServer(service: router.serviceIndex, source: source) else {
            inStart += head.headLength
            exchange.requestDone()
            respondLocally(status: 503, body: "no available server", close: hasBody)
            return
        }
        server = chosen
        countInFlight(chosen)

        // Rewrite the head for the upstream now, while the scanner's offsets are valid.
        var writer = requestHead.writer(capacity: settings.bufferSize) { worker.buffers.take() }
        let passHost = passHostHeader
        let edits = router.chain?.requestEdits
        clientIP.withUnsafeBytes { ip in
            worker.hostName.withUnsafeBytes { serverName in
                chosen.definition.hostHeader.withUnsafeBytes { hostHeader in
                    worker.lineScratch.withUnsafeBytes { lines in
                        let info = ForwardingInfo(clientIP: ip, trustForwarded: trustForwarded, proto: "http",
                                                  serverName: serverName, hostOverride: passHost ? nil : hostHeader,
                                                  defaultPort: "80", pathOverride: rewrite.path, edits: edits,
                                                  extraLines: rewrite.extraLineCount > 0 ? lines : nil)
                        HeadWriter.writeRequest(head, headers: worker.headers, source: source, info: info,
                                                into: &writer)
                    }
                }
            }
        }
        inStart += head.headLength
        guard !writer.overflowed else {
            exchange.requestDone()
            respondLocally(status: 431, body: "431 Request Header Fields Too Large", close: true)
            return
        }
        // A small body that arrived with the head goes out in the same send.
        let coalesced = coalesce(from: inBuffer + inStart, count: inEnd - inStart, body: &requestBody, into: &writer)
        inStart += coalesced
        if observed != nil { observeBodyBytes(request: coalesced) }
        requestFlow.body = BodyFlow(requestBody, capacity: settings.bufferSize, spliceThreshold: settings.spliceThreshold,
                               pipeSize: settings.pipeSize, start: inStart, taken: inStart, end: inEnd)
        requestHead.written(writer)
        if let idle = worker.takeIdle(chosen) {
            attach(idle)
            sendHead()
        } else {
            dial()
        }
    }

    // MARK: upstream connection

    func attach(_ connection: UpstreamConnection) {
        connection.owner = self
        upstream = connection
    }

    func dial() {
        guard let server else { return }
        let fd: Int32
        do { fd = try Posix.tcpSocket(family: server.address.family) } catch {
            worker.logger.error("dial \(server.url): \(error)")
            failUpstream(status: 502)
            return
        }
        if settings.upstreamSendBuffer > 0 { try? Posix.setSendBuffer(fd, bytes: Int32(settings.upstreamSendBuffer)) }
        let connection = UpstreamConnection(fd: fd, server: server, loop: loop)
        let address = server.address
        connection.dialing = address
        attach(connection)
        exchange.dialling(timeout: settings.dialTimeout, now: loop.now)
        armTimer()
        upstreamSubmit { upstream, poller in
            poller.connect(fd: upstream.fd, address: address.pointer, length: address.length,
                           token: upstream.token(Op.upstreamConnect))
        }
    }

    func connected(_ result: Int32) {
        exchange.connected()
        upstream?.dialing = nil
        guard result >= 0 else {
            worker.logger.warning("dial \(server?.url ?? "?"): \(IOError("connect", errno: -result))")
            if let next = failover, let old = upstream, old.pending == 0 {
                // A draining server that stopped answering: its sessions move where rendezvous hashing sends them.
                failover = nil
                old.owner = nil
                old.close(loop: loop)
                upstream = nil
                setCookie = Array(setCookie[..<balancerCookieOffset]) + failoverCookie
                server = next
                countInFlight(next)
                dial()
                return
            }
            if !retryWithPolicy() { failUpstream(status: 502) }
            return
        }
        sendHead()
    }

    func sendHead() {
        let readsResponse = exchange.sendingHead()
        let (bytes, count) = requestHead.unsent
        upstreamSubmit { upstream, poller in
            poller.send(fd: upstream.fd, from: bytes, count: count, token: upstream.token(Op.upstreamSend))
        }
        // Read the response from now on rather than after the send completes: saves a loop round trip.
        if readsResponse { startResponse() }
    }

    func requestHeadSent(_ result: Int32) {
        guard result >= 0 else {
            requestWriteFailed(result)
            return
        }
        if !requestHead.didSend(Int(result)) {
            sendHead()
            return
        }
        exchange.headSent()
        drive(.request)
    }

    func requestWriteFailed(_ result: Int32) {
        let busy = (upstream?.pending ?? 0) > 0
        switch exchange.requestWriteFailed(reusedConnection: upstream?.reused ?? false, upstreamBusy: busy) {
        case .awaitResponse:
            return
        case .retry:
            retry()
        case .retryWithPolicy(let elseFail):
            if retryWithPolicy() { return }
            if elseFail {
                worker.logger.warning("send to \(server?.url ?? "?"): \(IOError("send", errno: -result))")
                failUpstream(status: 502)
            } else {
                abort()
            }
        }
    }

    /// Whether the idempotent retry (SPEC §6) applies to a failure now.
    var canRetry: Bool { exchange.canRetry(reusedConnection: upstream?.reused ?? false) }

    /// Retries once the old upstream socket has nothing in flight (its send may still be completing).
    func retry() {
        guard let old = upstream else { return }
        if old.pending > 0 {
            exchange.wait(.retry)
            loop.poller.cancel(fd: old.fd)
            return
        }
        old.owner = nil
        old.close(loop: loop)
        upstream = nil
        if observed != nil { observeRetry() }
        requestHead.rewind()
        responseStart = 0
        responseEnd = 0
        let delay = middleware?.retry.takeDelay() ?? 0  // the retry middleware's backoff
        switch exchange.retrying(delay: delay, now: loop.now) {
        case .dialNow: dial()
        case .waitThenDial: armTimer()
        }
    }

    /// The upstream failed before Limpet wrote any of the response: answer with `status` once the upstream socket
    /// has nothing left in flight, then close the client connection.
    func failUpstream(status: Int) {
        if status == 502 || status == 504 { recordPassiveFailure() }
        guard let upstream else {
            exchange.clearTimeout()
            respondLocally(status: status, body: Self.failureBody(status), close: true)
            return
        }
        exchange.wait(.fail(status: status))
        if upstream.pending > 0 {
            loop.poller.cancel(fd: upstream.fd)
        } else {
            finishFailure(status: status)
        }
    }

    func finishFailure(status: Int) {
        guard let upstream, upstream.pending == 0 else { return }
        exchange.upstreamFailed()
        releaseInFlight()
        upstream.owner = nil
        upstream.close(loop: loop)
        self.upstream = nil
        respondLocally(status: status, body: Self.failureBody(status), close: true)
    }

    static func failureBody(_ status: Int) -> StaticString {
        switch status {
        case 400: "400 Bad Request"
        case 504: "Gateway Timeout"
        default: "Bad Gateway"
        }
    }
}
