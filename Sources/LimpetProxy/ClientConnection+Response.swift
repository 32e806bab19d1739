import CShims
import Glibc
import LimpetHTTP
import LimpetIO

/// The response side: reading the upstream head, rewriting it for the client, streaming the body back,
/// tunnels after 101, local error responses, and the end of an exchange.
extension ClientConnection {
    /// Starts reading the response head (the exchange is in `readingHead` already).
    func startResponse() {
        if responseBuffer == nil { responseBuffer = worker.buffers.take() }
        responseStart = 0
        responseEnd = 0
        readResponse()
    }

    /// Reads more of a response head (bodies go through `responseFlow`, `drive(.response)`).
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

    /// A read of the response head completed.
    func responseBytesArrived(_ result: Int32) {
        guard result > 0 else {
            if canRetry {
                retry()
            } else if !retryWithPolicy() {
                let what = result == 0 ? "closed the connection" : "\(IOError("recv", errno: -result))"
                worker.logger.warning("upstream \(server?.url ?? "?") \(what) before a complete response head")
                failUpstream(status: 502)
            }
            return
        }
        exchange.responseBytes()
        responseEnd += Int(result)
        parseResponseHead()
    }

    func parseResponseHead() {
        guard let buffer = responseBuffer else { return }
        let source = UnsafeRawBufferPointer(start: buffer + responseStart, count: responseEnd - responseStart)
        switch ResponseScanner.scan(source, headers: worker.headers, maxHeadLength: settings.bufferSize) {
        case .incomplete:
            if responseEnd - responseStart >= settings.bufferSize {
                worker.logger.warning("upstream \(server?.url ?? "?") sent a response head over \(settings.bufferSize) bytes")
                failUpstream(status: 502)
            } else {
                readResponse()
            }
        case .failure(let reason):
            worker.logger.warning("upstream \(server?.url ?? "?") sent a malformed response: \(reason)")
            failUpstream(status: 502)
        case .complete(let head):
            // No retry can need the request head once a response has begun: when it is all out, its buffer
            // becomes the response head's. One still being sent stays where it is.
            responseHead.reuse(&requestHead)
            let request = exchange.request
            let framing = responseBodyFraming(head, requestMethod: request.method, requestUpgrade: request.upgrade)
            let decision = exchange.responseHead(status: head.status, framing: framing, keepAlive: head.keepAlive,
                                                 draining: worker.draining)
            var writer = responseHead.writer(capacity: settings.bufferSize) { worker.buffers.take() }
            switch decision {
            case .unexpectedSwitch:
                worker.logger.warning("upstream \(server?.url ?? "?") switched protocols without an Upgrade request")
                failUpstream(status: 502)
                return
            case .skipInterim:
                responseStart += head.headLength
                if responseEnd > responseStart { parseResponseHead() } else { readResponse() }
                return
            case .interim:
                // 100 Continue, 103 Early Hints: pass it on and keep reading heads.
                let none = UnsafeRawBufferPointer(start: nil, count: 0)
                HeadWriter.writeResponse(head, headers: worker.headers, source: source, extra: none, close: false,
                                         into: &writer)
            case .final(let close, let announceKeepAlive):
                if let server { server.recordTTFB(loop.now &- exchangeStart) }
                if head.status >= 500 { recordPassiveFailure() }
                if observed != nil { observeResponse(status: head.status, local: false) }
                responseBody = BodyTracker(framing)
                setCookie.withUnsafeBytes { extra in
                    HeadWriter.writeResponse(head, headers: worker.headers, source: source, extra: extra,
                                             close: close, announceKeepAlive: announceKeepAlive,
                                             edits: middleware?.responseEdits, into: &writer)
                }
            }
            responseStart += head.headLength
            guard !writer.overflowed else {
                failUpstream(status: 502)
                return
            }
            if case .final = decision {
                if !exchange.upgraded {
                    // A small body that arrived with the head leaves in the same send: one segment, one wake-up.
                    let coalesced = coalesce(from: buffer + responseStart, count: responseEnd - responseStart,
                                             body: &responseBody, into: &writer)
                    responseStart += coalesced
                    if observed != nil { observeBodyBytes(response: coalesced) }
                }
                responseFlow.body = BodyFlow(responseBody, capacity: settings.bufferSize,
                                             spliceThreshold: settings.spliceThreshold, pipeSize: settings.pipeSize,
                                             start: responseStart, taken: responseStart, end: responseEnd)
            }
            responseHead.written(writer)
            sendResponseHead()
        }
    }

    func sendResponseHead() {
        let (bytes, count) = responseHead.unsent
        clientSend(bytes, count: count)
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

    func responseHeadSent(_ result: Int32) {
        guard result >= 0 else {
            abort()  // the client went away
            return
        }
        if !responseHead.didSend(Int(result)) {
            sendResponseHead()
            return
        }
        switch exchange.responseHeadSent() {
        case .endExchange:
            endExchange()
        case .readNextHead:
            if responseEnd > responseStart { parseResponseHead() } else { readResponse() }
        case .body(let startsTunnel):
            if startsTunnel { startTunnel() }
            drive(.response)
        }
    }

    /// After a 101: both directions become opaque byte streams until each side closes.
    func startTunnel() {
        guard exchange.startTunnel() else { return }
        if let b = requestFlow.copy { worker.copyBuffers.give(b); requestFlow.copy = nil }  // the upgrade request's body is out
        if observed != nil { observeBodyBytes(request: requestFlow.body.delivered) }
        // Bytes the client sent after its upgrade request belong to the tunnel.
        requestFlow.body = BodyFlow(BodyTracker(.tunnel), capacity: settings.bufferSize,
                                    spliceThreshold: settings.spliceThreshold, pipeSize: settings.pipeSize,
                                    start: inStart, taken: inStart, end: inEnd)
        drive(.request)
    }

    // MARK: local responses and the end of an exchange

    /// An answer Limpet writes itself (404, 502, 503, 400…), sent after any response in progress.
    /// `extra` holds complete header lines (`Location`, `Retry-After`).
    func respondLocally(status: Int, body: StaticString, close: Bool, extra: UnsafeRawBufferPointer? = nil) {
        let closes = exchange.respondLocally(close: close, draining: worker.draining)
        if let observer = worker.observer {
            observeBegin(observer, head: nil, source: UnsafeRawBufferPointer(start: nil, count: 0))
            observeResponse(status: status, local: true)
            observeBodyBytes(response: body.utf8CodeUnitCount)
        }
        var writer = responseHead.writer(capacity: settings.bufferSize) { worker.buffers.take() }
        HeadWriter.writeSimpleResponse(status: status, body: body, close: closes, extra: extra, into: &writer)
        responseHead.written(writer)
        sendResponseHead()
    }

    func exchangeMayBeDone() {
        if exchange.bothDone { endExchange() }
    }

    /// Both flows are finished: pool the upstream if it is clean, then read the next request or close.
    func endExchange() {
        if observed != nil { observeEnd(.completed) }
        releaseInFlight()
        releaseMiddlewareHolds()
        if let upstream {
            self.upstream = nil
            let clean = exchange.responseKeepAlive && !exchange.upgraded && responseFlow.body.leftover == 0
                && upstream.pending == 0
            if clean { worker.putIdle(upstream) } else { upstream.owner = nil; upstream.close(loop: loop) }
        }
        releaseExchangeResources(pipesEmpty: true)
        // Field by field: a copy of the whole `EntryPointSettings` would retain its name and address ranges.
        let next = exchange.end(draining: worker.draining, buffered: inStart < inEnd)
        switch next {
        case .close:
            closeGracefully()
            return
        case .nextBuffered:
            setTimeout(worker.entryPoints[entryPoint].readTimeout, .readHead)
        case .awaitNext:
            setTimeout(worker.entryPoints[entryPoint].idleTimeout, .idle)
        }
        setCookie = []
        server = nil
        failover = nil
        chosenPassive = nil
        middleware?.reset()
        if next == .nextBuffered {
            parseHead()  // a pipelined request is already here
        } else {
            inStart = 0
            inEnd = 0
            readMore(betweenRequests: true)
        }
    }
}
