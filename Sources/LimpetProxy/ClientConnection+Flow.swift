import Glibc
import LimpetIO

/// The two directions bytes move in during an exchange.
enum Direction {
    /// Client → upstream: the request body, or after a 101 the client's side of the tunnel.
    case request
    /// Upstream → client: the response body, or after a 101 the server's side of the tunnel.
    case response

    /// The side the direction reads from and the side it writes to.
    var source: Side { self == .request ? .client : .upstream }
    var destination: Side { self == .request ? .upstream : .client }
}

/// The two sockets of an exchange.
enum Side {
    case client, upstream
}

/// One direction's body (or tunnel) in motion: the pure `BodyFlow` that decides, and the pipes or copy buffer it
/// moves bytes through, taken from the loop's pools when first needed.
struct Flow {
    var body = BodyFlow.idle
    /// Two pipes used in turn (`BodyFlow`): filling one overlaps draining the other.
    var pipes: (Pipe?, Pipe?) = (nil, nil)
    /// Stands in for the pipes when the body is copied rather than spliced (`engine.splice`): two halves, filled
    /// and drained in turn like the pipes.
    var copy: UnsafeMutableRawPointer?

    /// Holds a pipe or copy buffer to give back.
    var holdsResources: Bool { pipes.0 != nil || pipes.1 != nil || copy != nil }
}

/// Operation kinds of a flow, the same on both sides: the client socket's op code is the kind, the upstream
/// socket's is the kind + `Op.upstream` (see `Op`).
enum FlowOp {
    static let recv: UInt8 = 1
    static let send: UInt8 = 2
    /// Source socket → pipe (or into a copy buffer half).
    static let spliceIn: UInt8 = 3
    /// Pipe (or a copy buffer half) → destination socket.
    static let spliceOut: UInt8 = 4
}

/// One driver for both directions: it performs what the direction's `BodyFlow` asks for on the right sockets,
/// and feeds the completions back into it. What differs between the directions is only what a failure or the
/// end means (`flowMalformed`, `flowWriteFailed`, `flowSourceEnded`, `flowFinished`).
extension ClientConnection {
    /// Runs `body` on a direction's flow, in place. (A closure rather than a `_read`/`_modify` subscript: a
    /// coroutine accessor the optimizer does not inline allocates its frame, and callgrind found one malloc per
    /// exchange that way.)
    @inline(__always)  // one call per flow event; inlined, it is a branch on `direction`
    func withFlow<R>(_ direction: Direction, _ body: (inout Flow) -> R) -> R {
        switch direction {
        case .request: body(&requestFlow)
        case .response: body(&responseFlow)
        }
    }

    /// Counts an operation of kind `kind` as pending on `side`; returns that socket and the operation's token.
    @inline(__always)  // two per step on the hot path; a switch the caller's own `side` usually settles
    private func claim(_ side: Side, _ kind: UInt8) -> (fd: Int32, token: UInt64) {
        switch side {
        case .client:
            pending += 1
            return (fd, registration.token(kind))
        case .upstream:
            guard let upstream else { preconditionFailure("no upstream attached") }
            upstream.pending += 1
            return (upstream.fd, upstream.token(kind &+ Op.upstream))
        }
    }

    // The client side goes through the connection's transport, the upstream side straight to the poller.

    @inline(__always)
    private func send(on side: Side, _ kind: UInt8, from buffer: UnsafeRawPointer, count: Int) {
        let (fd, token) = claim(side, kind)
        if side == .client {
            transportSend(from: buffer, count: count, token: token)
        } else {
            loop.poller.send(fd: fd, from: buffer, count: count, token: token)
        }
    }

    @inline(__always)
    private func recv(on side: Side, _ kind: UInt8, into buffer: UnsafeMutableRawPointer, count: Int) {
        let (fd, token) = claim(side, kind)
        if side == .client {
            transportRecv(into: buffer, count: count, token: token)
        } else {
            loop.poller.recv(fd: fd, into: buffer, count: count, token: token)
        }
    }

    @inline(__always)
    private func splice(on side: Side, _ kind: UInt8, pipe: Int32, count: Int, intoSocket: Bool, more: Bool) {
        let (fd, token) = claim(side, kind)
        if side == .client {
            transportSplice(pipe: pipe, count: count, intoSocket: intoSocket, more: more, token: token)
        } else if intoSocket {
            loop.poller.splice(from: pipe, to: fd, count: count, socket: fd, intoSocket: true, more: more, token: token)
        } else {
            loop.poller.splice(from: fd, to: pipe, count: count, socket: fd, intoSocket: false, more: false,
                               token: token)
        }
    }

    /// Moves a direction on, as its `BodyFlow` says.
    func drive(_ direction: Direction) {
        let buffer: UnsafeMutableRawPointer
        switch direction {
        case .request:
            guard exchange.requestPhase == .body, upstream != nil else { return }
            buffer = takeInBuffer()
        case .response:
            guard exchange.responsePhase == .body, let responseBuffer else { return }
            buffer = responseBuffer
        }
        let step = withFlow(direction) { $0.body.step(buffer: buffer) }
        if step.malformed { return flowMalformed(direction) }
        switch step.write {
        case .send(let offset, let count):
            send(on: direction.destination, FlowOp.send, from: buffer + offset, count: count)
        case .spliceOut(let index, let count, let more):
            if let copy = withFlow(direction, { $0.copy }) {
                let offset = withFlow(direction) { $0.body.offset(inPipe: index) }
                send(on: direction.destination, FlowOp.spliceOut,
                     from: worker.copyBuffers.half(index, of: copy) + offset, count: count)
                break
            }
            guard let pipe = pipe(index, of: direction) else { return abort() }
            splice(on: direction.destination, FlowOp.spliceOut, pipe: pipe.readEnd, count: count, intoSocket: true,
                   more: more)
        default:
            break
        }
        switch step.read {
        case .recv(let offset, let count):
            recv(on: direction.source, FlowOp.recv, into: buffer + offset, count: count)
        case .spliceIn(let index, let count):
            if let copy = copyBuffer(for: direction) {
                recv(on: direction.source, FlowOp.spliceIn, into: worker.copyBuffers.half(index, of: copy),
                     count: min(count, worker.copyBuffers.halfSize))
                break
            }
            guard let pipe = pipe(index, of: direction) else { return abort() }
            splice(on: direction.source, FlowOp.spliceIn, pipe: pipe.writeEnd, count: count, intoSocket: false,
                   more: false)
        default:
            break
        }
        if step.finished { flowFinished(direction) }
    }

    // MARK: completions

    /// A recv into the buffer completed.
    func flowReceived(_ direction: Direction, _ result: Int32) {
        if result > 0 {
            withFlow(direction) { $0.body.received(Int(result)) }
            drive(direction)
        } else {
            flowSourceEnded(direction, result)
        }
    }

    /// A splice from the source into a pipe (or a recv into a copy buffer half) completed.
    func flowSplicedIn(_ direction: Direction, _ result: Int32) {
        if result > 0 {
            withFlow(direction) { $0.body.splicedIn(Int(result)) }
            drive(direction)
        } else if result == -EAGAIN {
            withFlow(direction) { $0.body.retryRead() }
            drive(direction)
        } else {
            flowSourceEnded(direction, result)
        }
    }

    /// A send from the buffer completed.
    func flowSent(_ direction: Direction, _ result: Int32) {
        guard result >= 0 else { return flowWriteFailed(direction, result) }
        withFlow(direction) { $0.body.sent(Int(result)) }
        drive(direction)
    }

    /// A splice from a pipe (or a send from a copy buffer half) into the destination completed.
    func flowSplicedOut(_ direction: Direction, _ result: Int32) {
        if result > 0 {
            withFlow(direction) { $0.body.splicedOut(Int(result)) }
            drive(direction)
        } else if result == -EAGAIN {
            withFlow(direction) { $0.body.retryWrite() }
            drive(direction)
        } else {
            flowWriteFailed(direction, result)
        }
    }

    // MARK: what differs between the directions

    /// The source closed (or failed) while the body was streaming: the end of a close-delimited body or of a
    /// tunnel's side, else a body cut short (the client then sees a closed connection, never a silent truncation).
    private func flowSourceEnded(_ direction: Direction, _ result: Int32) {
        if result == 0, withFlow(direction, { $0.body.sourceEnded() }) {
            drive(direction)  // delivers what is buffered or piped, then passes the end on
            return
        }
        if direction == .response {
            let what = result == 0 ? "closed" : "\(IOError("recv", errno: -result))"
            worker.logger.warning("upstream \(server?.url ?? "?") ended the response early: \(what)")
        }
        abort()
    }

    private func flowWriteFailed(_ direction: Direction, _ result: Int32) {
        switch direction {
        case .request: requestWriteFailed(result)
        case .response: abort()  // the client went away
        }
    }

    /// Broken chunked framing in a body.
    private func flowMalformed(_ direction: Direction) {
        switch direction {
        case .request:
            worker.logger.debug("bad chunked request body from \(String(decoding: clientIP, as: UTF8.self))")
            if exchange.responseNotBegun {
                failUpstream(status: 400)
            } else {
                abort()
            }
        case .response:
            worker.logger.warning("upstream \(server?.url ?? "?") sent a malformed chunked body")
            abort()  // the head is out: the client sees a closed connection, never a silent truncation
        }
    }

    /// Every byte of the direction is delivered and nothing of it is in flight.
    private func flowFinished(_ direction: Direction) {
        switch direction {
        case .request:
            // What follows the body in the buffer is the next (pipelined) request.
            inStart = requestFlow.body.taken
            inEnd = requestFlow.body.end
            if exchange.tunnelling, let upstream {
                try? Posix.shutdown(upstream.fd, .write)  // a tunnel's half-close, passed on once all bytes are out
            }
            switch exchange.requestFinished(responseHeaderTimeout: settings.responseHeaderTimeout, now: loop.now) {
            case .startTunnel:
                startTunnel()  // the 101 went out before this request's own send had completed
                return
            case .wait:
                armTimer()
            }
        case .response:
            if exchange.upgraded { transportShutdownWrite() }  // the upstream closed its side of the tunnel
            exchange.responseFinished()
        }
        exchangeMayBeDone()
    }

    // MARK: pipes and copy buffers

    /// Gives a direction's pipes and copy buffer back and leaves it idle. Pipes that may hold bytes are closed,
    /// not pooled. (On the connection rather than on `Flow`: handing the pools to a method retained them twice
    /// per exchange, where most exchanges hold neither.)
    func releaseFlow(_ direction: Direction, pipesEmpty: Bool) {
        guard withFlow(direction, { $0.holdsResources }) else {
            withFlow(direction) { $0.body = .idle }
            return
        }
        let flow = withFlow(direction) { flow in
            defer { flow = Flow() }
            return flow
        }
        let clean = pipesEmpty && flow.body.pipesEmpty
        if let p = flow.pipes.0 { worker.pipes.give(p, empty: clean) }
        if let p = flow.pipes.1 { worker.pipes.give(p, empty: clean) }
        if let b = flow.copy { worker.copyBuffers.give(b) }
    }

    /// Whether a body that starts now should be copied rather than spliced (`engine.splice`). A tunnel is not, on a
    /// transport that splices: it could hold a copy buffer for hours, where a pipe holds only the bytes in it.
    func copiesBodies(to server: ServerRuntime) -> Bool {
        guard transport.splices else { return true }  // a transport that makes its bytes in user space (TLS)
        switch settings.splice {
        case .always: return false
        case .never: return true
        case .auto: return clientLoopback || server.address.loopback
        }
    }

    /// The copy buffer of a direction, taken from the loop's pool on its first large read when the body is to be
    /// copied (`copiesBodies`); nil when the flow splices: it is a tunnel, it already spliced, or the pool is
    /// exhausted.
    private func copyBuffer(for direction: Direction) -> UnsafeMutableRawPointer? {
        let (copy, pipes) = withFlow(direction) { ($0.copy, $0.pipes) }
        if let copy { return copy }
        let tunnel = direction == .request ? exchange.tunnelling : exchange.upgraded
        guard pipes.0 == nil, pipes.1 == nil, !tunnel || !transport.splices, let server, copiesBodies(to: server)
        else { return nil }
        let taken = worker.copyBuffers.take()
        withFlow(direction) { $0.copy = taken }
        return taken
    }

    /// Pipe `index` of a direction's pair, taken from the loop's pool the first time; nil (logged) when none can
    /// be made, and the caller aborts the connection.
    private func pipe(_ index: Int, of direction: Direction) -> Pipe? {
        if let existing = withFlow(direction, { index == 0 ? $0.pipes.0 : $0.pipes.1 }) { return existing }
        do {
            let made = try worker.pipes.take()
            withFlow(direction) { if index == 0 { $0.pipes.0 = made } else { $0.pipes.1 = made } }
            return made
        } catch {
            worker.logger.error("\(error)")
            return nil
        }
    }
}
