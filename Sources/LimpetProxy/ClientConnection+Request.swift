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
            loop.poller.recvProvided(fd: fd, token: registration.token(Op.clientRecvProvided), likelyEmpty: betweenRequests)
            return
        }
        clientRecv(into: takeInBuffer() + inEnd, count: settings.bufferSize - inEnd, likelyEmpty: betweenRequests)
    }

    func headBytesArrived(_ result: Int32) {
        guard result > 0 else {
            abort()  // the client closed (or failed) between requests: nothing to answer
            return
        }
        if inStart == inEnd || timerReason == .idle {
            setTimeout(worker.entryPoints[entryPoint].readTimeout, .readHead)
        }
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
        clearDeadline()
        startWriteTimeout(worker.entryPoints[entryPoint].writeTimeout)
        requestMethod = head.method
        requestKeepAlive = head.keepAlive  // HTTP/1.0 only with "Connection: keep-alive"
        requestIsHTTP10 = head.version == .http10
        requestUpgrade = head.upgrade
        requestIdempotent = head.method.isIdempotent
        let framing = head.bodyFraming
        requestHasBody = framing != .none
        requestBody = BodyTracker(framing)
        // Chunk framing that already arrived behind the head is checked before anything is forwarded, so a
        // malformed body is rejected without the upstream ever seeing the request. (Framing errors that arrive
        // later can only abort the upstream connection: the head is on its way by then.)
        if framing == .chunked {
            var probe = requestBody
            let behind = UnsafeRawBufferPointer(rebasing: source[head.headLength...])
            if probe.take(behind) == nil {
                inStart += head.headLength
                requestPhase = .done
                respondLocally(status: 400, body: "400 Bad Request", close: true)
                return
            }
        }

        func bytes(_ span: Span?) -> UnsafeRawBufferPointer {
            guard let span, !span.isEmpty else { return UnsafeRawBufferPointer(start: source.baseAddress, count: 0) }
            return UnsafeRawBufferPointer(rebasing: source[Int(span.start)..<Int(span.end)])
        }
        guard let table = worker.routeTable(entryPoint: entryPoint) else {
            inStart += head.headLength
            requestPhase = .done
            respondLocally(status: 404, body: "404 page not found", close: requestHasBody)
            return
        }
        // The peer address is not kept per connection (memory per idle connection): looked up only for
        // tables with a `ClientIP` rule.
        let view = RequestView(method: bytes(head.methodSpan), host: bytes(head.effectiveHost),
                               path: bytes(head.path), query: bytes(head.query), headers: worker.headers,
                               source: source, peer: table.usesClientIP ? peerAddress() : nil)
        guard let router = table.match(view) else {
            inStart += head.headLength
            requestPhase = .done
            respondLocally(status: 404, body: "404 page not found", close: requestHasBody)
            return
        }
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
            requestPhase = .done
            respondLocally(status: 503, body: "no available server", close: requestHasBody)
            return
        }
        server = chosen
        countInFlight(chosen)

        // Rewrite the head for the upstream now, while the scanner's offsets are valid.
        let buffer = headBuffer ?? worker.buffers.take()
        headBuffer = buffer
        var writer = ByteWriter(buffer, capacity: settings.bufferSize)
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
            requestPhase = .done
            respondLocally(status: 431, body: "431 Request Header Fields Too Large", close: true)
            return
        }
        // A small body that arrived with the head goes out in the same send.
        inStart += coalesce(from: inBuffer + inStart, count: inEnd - inStart, body: &requestBody, into: &writer)
        requestFlow = BodyFlow(requestBody, capacity: settings.bufferSize, spliceThreshold: settings.spliceThreshold,
                               pipeSize: settings.pipeSize, start: inStart, taken: inStart, end: inEnd)
        headLength = writer.count
        headSent = 0
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
        let fd = limpet_socket_tcp(server.address.family)
        guard fd >= 0 else {
            worker.logger.error("dial \(server.url): \(IOError("socket", errno: -fd))")
            failUpstream(status: 502, body: "Bad Gateway")
            return
        }
        let connection = UpstreamConnection(fd: fd, server: server, loop: loop)
        let address = server.address
        connection.dialing = address
        attach(connection)
        requestPhase = .connecting
        setTimeout(settings.dialTimeout, .dial)
        upstreamSubmit { upstream, poller in
            poller.connect(fd: upstream.fd, address: address.pointer, length: address.length,
                           token: upstream.token(Op.upstreamConnect))
        }
    }

    func connected(_ result: Int32) {
        clearDeadline()
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
            if !retryWithPolicy() { failUpstream(status: 502, body: "Bad Gateway") }
            return
        }
        sendHead()
    }

    func sendHead() {
        requestPhase = .sendingHead
        guard let buffer = headBuffer else { return }
        upstreamSubmit { upstream, poller in
            poller.send(fd: upstream.fd, from: buffer + headSent, count: headLength - headSent,
                        token: upstream.token(Op.upstreamSend))
        }
        // Read the response from now on rather than after the send completes: saves a loop round trip.
        if responsePhase == .idle { startResponse() }
    }

    func requestSent(_ result: Int32) {
        guard result >= 0 else {
            requestWriteFailed(result)
            return
        }
        if requestPhase == .sendingHead {
            headSent += Int(result)
            if headSent < headLength {
                sendHead()
                return
            }
            requestPhase = .body
        } else {
            requestFlow.sent(Int(result))
        }
        driveRequest()
    }

    func requestWriteFailed(_ result: Int32) {
        if responsePhase == .readingHead && !responseStarted, let upstream, upstream.pending > 0 {
            // The response read is still out: what it returns decides (a stale pooled connection reads EOF and
            // is retried; a server that answered before closing its side gets its answer through).
            requestPhase = .done
            closeAfterResponse = true
            return
        }
        if canRetry {
            retry()
        } else if retryWithPolicy() {
            return
        } else if responsePhase == .idle || responsePhase == .readingHead {
            worker.logger.warning("send to \(server?.url ?? "?"): \(IOError("send", errno: -result))")
            failUpstream(status: 502, body: "Bad Gateway")
        } else {
            abort()
        }
    }

    /// A pooled connection the server closed under us, before any response byte, for a request that can be
    /// repeated: try once more on a fresh connection (SPEC §6).
    var canRetry: Bool {
        guard let upstream else { return false }
        return !retried && upstream.reused && !responseStarted && requestIdempotent && !requestHasBody
    }

    /// Retries once the old upstream socket has nothing in flight (its send may still be completing).
    func retry() {
        guard let old = upstream else { return }
        if old.pending > 0 {
            retryWhenQuiet = true
            loop.poller.cancel(fd: old.fd)
            return
        }
        retryWhenQuiet = false
        retried = true
        closeAfterResponse = !requestKeepAlive
        old.owner = nil
        old.close(loop: loop)
        upstream = nil
        headSent = 0
        responsePhase = .idle
        responseStart = 0
        responseEnd = 0
        clearDeadline()
        if let state = middleware, state.retryDelay > 0 {
            requestPhase = .connecting
            setTimeout(state.retryDelay, .retryWait)  // the retry middleware's backoff
            state.retryDelay = 0
        } else {
            dial()
        }
    }

    /// The upstream failed before Limpet wrote any of the response: answer with `status` once the upstream socket
    /// has nothing left in flight, then close the client connection.
    func failUpstream(status: Int, body: StaticString) {
        clearDeadline()
        if status == 502 || status == 504 { recordPassiveFailure() }
        guard let upstream else {
            respondLocally(status: status, body: body, close: true)
            return
        }
        pendingFailure = (status, body)
        if upstream.pending > 0 {
            loop.poller.cancel(fd: upstream.fd)
        } else {
            finishFailure()
        }
    }

    func finishFailure() {
        guard let (status, body) = pendingFailure, let upstream, upstream.pending == 0 else { return }
        pendingFailure = nil
        releaseInFlight()
        upstream.owner = nil
        upstream.close(loop: loop)
        self.upstream = nil
        requestPhase = .done
        respondLocally(status: status, body: body, close: true)
    }

    // MARK: request body

    /// Moves the request body on, as `requestFlow` says (client → upstream).
    func driveRequest() {
        guard requestPhase == .body, let upstream else { return }
        let buffer = takeInBuffer()
        let step = requestFlow.step(buffer: buffer)
        if step.malformed {
            worker.logger.debug("bad chunked request body from \(String(decoding: clientIP, as: UTF8.self))")
            if responsePhase == .readingHead || responsePhase == .idle {
                failUpstream(status: 400, body: "400 Bad Request")
            } else {
                abort()
            }
            return
        }
        switch step.write {
        case .send(let offset, let count):
            upstreamSubmit { upstream, poller in
                poller.send(fd: upstream.fd, from: buffer + offset, count: count, token: upstream.token(Op.upstreamSend))
            }
        case .spliceOut(let index, let count, let more):
            if let copy = requestCopy {
                let from = worker.copyBuffers.half(index, of: copy) + requestFlow.offset(inPipe: index)
                upstreamSubmit { upstream, poller in
                    poller.send(fd: upstream.fd, from: from, count: count, token: upstream.token(Op.upstreamSpliceOut))
                }
                break
            }
            guard let pipe = pipe(index, of: &requestPipes) else { return abort() }
            upstreamSubmit { upstream, poller in
                poller.splice(from: pipe.readEnd, to: upstream.fd, count: count, socket: upstream.fd, intoSocket: true,
                              more: more, token: upstream.token(Op.upstreamSpliceOut))
            }
        default:
            break
        }
        switch step.read {
        case .recv(let offset, let count):
            clientRecv(into: buffer + offset, count: count)
        case .spliceIn(let index, let count):
            if let copy = copyBuffer(&requestCopy, pipes: requestPipes, tunnel: tunnelling) {
                clientCopy(worker.copyBuffers.half(index, of: copy), count: min(count, worker.copyBuffers.halfSize),
                           out: false)
                break
            }
            guard let pipe = pipe(index, of: &requestPipes) else { return abort() }
            clientSplice(from: fd, to: pipe.writeEnd, count: count, intoSocket: false, more: false)
        default:
            break
        }
        if step.finished {
            // What follows the body in the buffer is the next (pipelined) request.
            inStart = requestFlow.taken
            inEnd = requestFlow.end
            if tunnelling {
                shutdown(upstream.fd, Int32(SHUT_WR))  // a tunnel's half-close, passed on once all bytes are out
            }
            requestPhase = .done
            if upgraded && !tunnelling && responsePhase == .body {
                startTunnel()  // the 101 went out before this request's own send had completed
                return
            }
            // As Go's ResponseHeaderTimeout: counted from the end of the request.
            if responsePhase == .readingHead { setTimeout(settings.responseHeaderTimeout, .responseHeader) }
            exchangeMayBeDone()
        }
    }

    func requestBodyRead(_ result: Int32) {
        if result > 0 {
            requestFlow.received(Int(result))
            driveRequest()
        } else {
            requestSourceEnded(result)
        }
    }

    func requestBodySpliced(_ result: Int32) {
        if result > 0 {
            requestFlow.splicedIn(Int(result))
            driveRequest()
        } else if result == -EAGAIN {
            requestFlow.retryRead()
            driveRequest()
        } else {
            requestSourceEnded(result)
        }
    }

    func requestSplicedOut(_ result: Int32) {
        if result > 0 {
            requestFlow.splicedOut(Int(result))
            driveRequest()
        } else if result == -EAGAIN {
            requestFlow.retryWrite()
            driveRequest()
        } else {
            requestWriteFailed(result)
        }
    }

    /// The client closed its sending side (or failed) while its body was streaming.
    private func requestSourceEnded(_ result: Int32) {
        if result == 0, requestFlow.sourceEnded() {
            driveRequest()  // delivers what is buffered or piped, then passes the half-close on
        } else {
            abort()
        }
    }
}
