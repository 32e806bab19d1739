import CShims
import Glibc
import LimpetHTTP
import LimpetIO

/// The response side: reading the upstream head, rewriting it for the client, streaming the body back,
/// tunnels after 101, local error responses, and the end of an exchange.
extension ClientConnection {
    func startResponse() {
        responsePhase = .readingHead
        if responseBuffer == nil { responseBuffer = worker.buffers.take() }
        responseStart = 0
        responseEnd = 0
        readResponse()
    }

    /// Reads more of a response head (bodies go through `responseFlow`).
    private func readResponse() {
        guard let buffer = responseBuffer else { return }
        if responseStart == responseEnd {
            responseStart = 0
            responseEnd = 0
        } else if responseStart > 0 {
            buffer.copyMemory(from: buffer + responseStart, byteCount: responseEnd - responseStart)
            responseEnd -= responseStart
            responseStart = 0
        }
        let start = buffer + responseEnd
        let count = settings.bufferSize - responseEnd
        // The first read of a head follows the request out: the server cannot have answered yet.
        let first = responseEnd == 0
        upstreamSubmit { upstream, poller in
            poller.recv(fd: upstream.fd, into: start, count: count, token: upstream.token(Op.upstreamRecv),
                        likelyEmpty: first)
        }
    }

    func responseBytesArrived(_ result: Int32) {
        if responsePhase == .readingHead {
            guard result > 0 else {
                if canRetry {
                    retry()
                } else if !retryWithPolicy() {
                    let what = result == 0 ? "closed the connection" : "\(IOError("recv", errno: -result))"
                    worker.logger.warning("upstream \(server?.url ?? "?") \(what) before a complete response head")
                    failUpstream(status: 502, body: "Bad Gateway")
                }
                return
            }
            responseStarted = true
            responseEnd += Int(result)
            parseResponseHead()
        } else if result > 0 {
            responseFlow.received(Int(result))
            driveResponse()
        } else {
            responseSourceEnded(result)
        }
    }

    func parseResponseHead() {
        guard let buffer = responseBuffer, let headOut = headBuffer else { return }
        let source = UnsafeRawBufferPointer(start: buffer + responseStart, count: responseEnd - responseStart)
        switch ResponseScanner.scan(source, headers: worker.headers, maxHeadLength: settings.bufferSize) {
        case .incomplete:
            if responseEnd - responseStart >= settings.bufferSize {
                worker.logger.warning("upstream \(server?.url ?? "?") sent a response head over \(settings.bufferSize) bytes")
                failUpstream(status: 502, body: "Bad Gateway")
            } else {
                readResponse()
            }
        case .failure(let reason):
            worker.logger.warning("upstream \(server?.url ?? "?") sent a malformed response: \(reason)")
            failUpstream(status: 502, body: "Bad Gateway")
        case .complete(let head):
            clearDeadline()
            var writer = ByteWriter(headOut, capacity: settings.bufferSize)
            if head.status >= 100 && head.status < 200 && head.status != 101 {
                // Interim response (100 Continue, 103 Early Hints): pass it on and keep reading heads.
                interimResponse = true
                let none = UnsafeRawBufferPointer(start: nil, count: 0)
                HeadWriter.writeResponse(head, headers: worker.headers, source: source, extra: none, close: false,
                                         into: &writer)
            } else {
                interimResponse = false
                let framing = responseBodyFraming(head, requestMethod: requestMethod, requestUpgrade: requestUpgrade)
                if head.status == 101 && framing != .tunnel {
                    worker.logger.warning("upstream \(server?.url ?? "?") switched protocols without an Upgrade request")
                    failUpstream(status: 502, body: "Bad Gateway")
                    return
                }
                upgraded = framing == .tunnel
                if let server { server.recordTTFB(loop.now &- exchangeStart) }
                if head.status >= 500 { recordPassiveFailure() }
                responseKeepAlive = head.keepAlive && framing != .untilClose
                // An HTTP/1.0 client cannot read chunked framing as a delimiter: end its response with the connection.
                closeAfterResponse = closeAfterResponse || !requestKeepAlive || framing == .untilClose
                    || worker.draining || (requestIsHTTP10 && framing == .chunked)
                responseBody = BodyTracker(framing)
                setCookie.withUnsafeBytes { extra in
                    HeadWriter.writeResponse(head, headers: worker.headers, source: source, extra: extra,
                                             close: closeAfterResponse && !upgraded,
                                             announceKeepAlive: requestIsHTTP10 && !closeAfterResponse,
                                             edits: middleware?.responseEdits, into: &writer)
                }
            }
            responseStart += head.headLength
            guard !writer.overflowed else {
                failUpstream(status: 502, body: "Bad Gateway")
                return
            }
            if !interimResponse && !upgraded {
                // A small body that arrived with the head leaves in the same send: one segment, one wake-up.
                responseStart += coalesce(from: buffer + responseStart, count: responseEnd - responseStart,
                                          body: &responseBody, into: &writer)
                responseFlow = BodyFlow(responseBody, capacity: settings.bufferSize,
                                        spliceThreshold: settings.spliceThreshold, pipeSize: settings.pipeSize,
                                        start: responseStart, taken: responseStart, end: responseEnd)
            } else if upgraded {
                responseFlow = BodyFlow(responseBody, capacity: settings.bufferSize,
                                        spliceThreshold: settings.spliceThreshold, pipeSize: settings.pipeSize,
                                        start: responseStart, taken: responseStart, end: responseEnd)
            }
            headLength = writer.count
            headSent = 0
            responsePhase = .sendingHead
            clientSend(headOut, count: headLength)
        }
    }

    /// Appends to `writer` the body bytes of `count` available ones when they all fit, advancing `body`;
    /// returns how many were taken (0 when they do not fit or the framing needs the slow path).
    func coalesce(from bytes: UnsafeMutableRawPointer, count: Int, body: inout BodyTracker,
                  into writer: inout ByteWriter) -> Int {
        guard count > 0, !body.isComplete else { return 0 }
        var probe = body
        let available = UnsafeRawBufferPointer(start: bytes, count: count)
        guard let n = probe.take(available), n > 0, writer.count + n <= settings.bufferSize else { return 0 }
        writer.append(UnsafeRawBufferPointer(rebasing: available[..<n]))
        guard !writer.overflowed else { return 0 }
        body = probe
        return n
    }

    func responseSent(_ result: Int32) {
        guard result >= 0 else {
            abort()  // the client went away
            return
        }
        if responsePhase == .sendingHead {
            headSent += Int(result)
            if headSent < headLength, let headBuffer {
                clientSend(headBuffer + headSent, count: headLength - headSent)
                return
            }
            if localResponse {
                endExchange()
            } else if interimResponse {
                responsePhase = .readingHead
                if responseEnd > responseStart { parseResponseHead() } else { readResponse() }
            } else {
                responsePhase = .body
                if upgraded { startTunnel() }
                driveResponse()
            }
            return
        }
        responseFlow.sent(Int(result))
        driveResponse()
    }

    /// After a 101: both directions become opaque byte streams until each side closes.
    func startTunnel() {
        guard requestPhase == .done, !tunnelling else { return }
        tunnelling = true
        writeDeadline = 0  // a tunnel lives as long as its peers talk
        if let b = requestCopy { worker.copyBuffers.give(b); requestCopy = nil }  // the upgrade request's body is out
        // Bytes the client sent after its upgrade request belong to the tunnel.
        requestFlow = BodyFlow(BodyTracker(.tunnel), capacity: settings.bufferSize,
                               spliceThreshold: settings.spliceThreshold, pipeSize: settings.pipeSize,
                               start: inStart, taken: inStart, end: inEnd)
        requestPhase = .body
        driveRequest()
    }

    /// Moves the response body on, as `responseFlow` says (upstream → client).
    func driveResponse() {
        guard responsePhase == .body, let buffer = responseBuffer else { return }
        let step = responseFlow.step(buffer: buffer)
        if step.malformed {
            worker.logger.warning("upstream \(server?.url ?? "?") sent a malformed chunked body")
            abort()  // the head is out: the client sees a closed connection, never a silent truncation
            return
        }
        switch step.write {
        case .send(let offset, let count):
            clientSend(buffer + offset, count: count)
        case .spliceOut(let index, let count, let more):
            if let copy = responseCopy {
                clientCopy(worker.copyBuffers.half(index, of: copy) + responseFlow.offset(inPipe: index), count: count,
                           out: true)
                break
            }
            guard let pipe = pipe(index, of: &responsePipes) else { return abort() }
            clientSplice(from: pipe.readEnd, to: fd, count: count, intoSocket: true, more: more)
        default:
            break
        }
        switch step.read {
        case .recv(let offset, let count):
            upstreamSubmit { upstream, poller in
                poller.recv(fd: upstream.fd, into: buffer + offset, count: count, token: upstream.token(Op.upstreamRecv))
            }
        case .spliceIn(let index, let count):
            if let copy = copyBuffer(&responseCopy, pipes: responsePipes, tunnel: upgraded) {
                let into = worker.copyBuffers.half(index, of: copy)
                let most = min(count, worker.copyBuffers.halfSize)
                upstreamSubmit { upstream, poller in
                    poller.recv(fd: upstream.fd, into: into, count: most, token: upstream.token(Op.upstreamSpliceIn))
                }
                break
            }
            guard let pipe = pipe(index, of: &responsePipes) else { return abort() }
            upstreamSubmit { upstream, poller in
                poller.splice(from: upstream.fd, to: pipe.writeEnd, count: count, socket: upstream.fd,
                              intoSocket: false, more: false, token: upstream.token(Op.upstreamSpliceIn))
            }
        default:
            break
        }
        if step.finished {
            if upgraded { shutdown(fd, Int32(SHUT_WR)) }  // the upstream closed its side of the tunnel
            responsePhase = .done
            exchangeMayBeDone()
        }
    }

    func responseBodySpliced(_ result: Int32) {
        if result > 0 {
            responseFlow.splicedIn(Int(result))
            driveResponse()
        } else if result == -EAGAIN {
            responseFlow.retryRead()
            driveResponse()
        } else {
            responseSourceEnded(result)
        }
    }

    func responseSplicedOut(_ result: Int32) {
        if result > 0 {
            responseFlow.splicedOut(Int(result))
            driveResponse()
        } else if result == -EAGAIN {
            responseFlow.retryWrite()
            driveResponse()
        } else {
            abort()
        }
    }

    /// The upstream closed (or failed) while its body was streaming.
    private func responseSourceEnded(_ result: Int32) {
        guard result == 0, responseFlow.sourceEnded() else {
            worker.logger.warning("upstream \(server?.url ?? "?") ended the response early: \(result == 0 ? "closed" : "\(IOError("recv", errno: -result))")")
            abort()  // the client sees a truncated body and a closed connection, never a silent success
            return
        }
        driveResponse()
    }

    // MARK: local responses and the end of an exchange

    /// An answer Limpet writes itself (404, 502, 503, 400…), sent after any response in progress.
    /// `extra` holds complete header lines (`Location`, `Retry-After`).
    func respondLocally(status: Int, body: StaticString, close: Bool, extra: UnsafeRawBufferPointer? = nil) {
        clearDeadline()
        localResponse = true
        closeAfterResponse = closeAfterResponse || close || !requestKeepAlive || worker.draining
        let buffer = headBuffer ?? worker.buffers.take()
        headBuffer = buffer
        var writer = ByteWriter(buffer, capacity: settings.bufferSize)
        HeadWriter.writeSimpleResponse(status: status, body: body, close: closeAfterResponse, extra: extra,
                                       into: &writer)
        headLength = writer.count
        headSent = 0
        responsePhase = .sendingHead
        clientSend(buffer, count: headLength)
    }

    func exchangeMayBeDone() {
        if requestPhase == .done && responsePhase == .done { endExchange() }
    }

    /// Both flows are finished: pool the upstream if it is clean, then read the next request or close.
    func endExchange() {
        requestsServed += 1
        writeDeadline = 0
        releaseInFlight()
        releaseMiddlewareHolds()
        if let upstream {
            self.upstream = nil
            let clean = responseKeepAlive && !upgraded && responseFlow.leftover == 0 && upstream.pending == 0
            if clean { worker.putIdle(upstream) } else { upstream.owner = nil; upstream.close(loop: loop) }
        }
        releaseExchangeResources(pipesEmpty: true)
        if closeAfterResponse || upgraded || worker.draining {
            closeGracefully()
            return
        }
        requestPhase = .readingHead
        responsePhase = .idle
        localResponse = false
        interimResponse = false
        responseStarted = false
        retried = false
        upgraded = false
        tunnelling = false
        setCookie = []
        server = nil
        failover = nil
        chosenHealth = nil
        middleware?.reset()
        if inStart < inEnd {
            setTimeout(worker.entryPoints[entryPoint].readTimeout, .readHead)
            parseHead()  // a pipelined request is already here
        } else {
            inStart = 0
            inEnd = 0
            setTimeout(worker.entryPoints[entryPoint].idleTimeout, .idle)
            readMore(betweenRequests: true)
        }
    }
}
