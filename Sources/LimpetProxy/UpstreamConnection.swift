import LimpetIO
import LimpetRouting

/// One connection to a backend server. While an exchange uses it, its completions are forwarded to that client
/// connection (`owner`); while idle it sits in its server's pool with no operation pending.
final class UpstreamConnection: LoopHandler {
    let fd: Int32
    let server: ServerRuntime
    private(set) var registration: EventLoop.Registration!
    /// The exchange using this connection; every path that ends an exchange or frees a client connection
    /// clears it first, so it never dangles (and costs no weak-reference load per completion).
    unowned(unsafe) var owner: ClientConnection?
    /// Operations submitted on `fd` and not yet completed.
    var pending = 0
    /// When it was last put back in the pool (monotonic ns).
    var idleSince: UInt64 = 0
    /// True once it carried an exchange: a failure before any response byte may then be a server-side close of an
    /// idle connection, which makes an idempotent request safe to retry.
    var reused = false
    /// The address being dialled, kept alive until the connect completes (the kernel may read it late).
    var dialing: UpstreamAddress?

    init(fd: Int32, server: ServerRuntime, loop: EventLoop) {
        self.fd = fd
        self.server = server
        registration = loop.register(self)
    }

    func token(_ op: UInt8) -> UInt64 { registration.token(op) }

    func complete(op: UInt8, _ completion: Completion) {
        pending -= 1
        owner?.upstreamCompleted(op: op, result: completion.result)
    }

    func timerFired() {}

    /// Closes the socket; only call with nothing pending.
    func close(loop: EventLoop) {
        precondition(pending == 0, "closing an upstream socket with operations in flight")
        loop.unregister(registration)
        loop.poller.forget(fd: fd)
        Posix.close(fd)
    }
}
