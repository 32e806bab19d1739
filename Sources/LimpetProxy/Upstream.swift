import CShims
import Glibc
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
        Glibc.close(fd)
    }
}

/// A server's socket address at a stable memory location (io_uring reads it after the submit call returns).
final class UpstreamAddress {
    let pointer: UnsafeMutableRawPointer
    let length: UInt32
    let family: Int32
    /// The server is on this host's loopback (`engine.splice: auto` then copies its bodies).
    let loopback: Bool

    init(_ address: SocketAddress) {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<sockaddr_storage>.size, alignment: 16)
        withUnsafeBytes(of: address.storage) { pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        self.pointer = pointer
        length = UInt32(address.length)
        family = Int32(address.storage.ss_family)
        loopback = address.isLoopback
    }

    deinit { pointer.deallocate() }
}

/// Per-loop state of one backend server, keyed by its URL so it survives configuration swaps.
final class ServerRuntime {
    let url: String
    var definition: ServerDef {
        didSet { address = UpstreamAddress(definition.address) }
    }
    private(set) var address: UpstreamAddress
    /// Idle keep-alive connections, most recently used last.
    var idle: [UpstreamConnection] = []
    /// Requests of this loop in flight to this server (p2c, leasttime).
    var inFlight = 0
    /// Moving average of the time to the response head, in ns (leasttime); 0 until measured.
    var averageTTFB: Double = 0
    /// The server left the configuration: its connections are not pooled any more. (A flag rather than a
    /// lookup of `Worker.serversByURL` by URL: that hashed the URL string on every request.)
    var retired = false

    func recordTTFB(_ nanoseconds: UInt64) {
        let sample = Double(nanoseconds)
        averageTTFB = averageTTFB == 0 ? sample : averageTTFB * 0.8 + sample * 0.2
    }

    init(_ definition: ServerDef) {
        url = definition.url
        self.definition = definition
        address = UpstreamAddress(definition.address)
    }
}
