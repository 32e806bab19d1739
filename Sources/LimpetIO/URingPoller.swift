import CShims
import Glibc

/// The completion-based poller over io_uring: accept is multishot, splices are linked behind a poll of their
/// socket so an idle connection costs no kernel worker thread.
public final class URingPoller: Poller {
    public var name: String { "io_uring" }

    private let ring: OpaquePointer
    private var wakeFD: Int32 = -1
    private let wakeBuffer = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
    private let batch = 256
    private var tokens: [UInt64]
    private var results: [Int32]
    private var flags: [UInt32]

    public private(set) var providedBufferSize = 0
    /// `IORING_RECVSEND_POLL_FIRST` came with buffer rings (5.19); an older kernel would reject the flag.
    private var pollFirst: Int32 = 0

    /// Sets up a ring of `entries`; throws when io_uring is unavailable (old kernel, seccomp, sysctl).
    /// `providedBuffers` buffers of `providedBufferSize` bytes are registered as a buffer ring when the kernel
    /// has them (5.19+); without, `providedBufferSize` stays 0 and callers use plain `recv`.
    public init(entries: Int, providedBuffers: Int, providedBufferSize size: Int) throws(IOError) {
        var err: Int32 = 0
        guard let ring = limpet_ring_create(UInt32(entries), &err) else {
            throw IOError("io_uring_setup", errno: -err)
        }
        guard limpet_ring_probe_ok(ring) != 0 else {
            limpet_ring_destroy(ring)
            throw IOError("io_uring_register(PROBE)", errno: EOPNOTSUPP)
        }
        self.ring = ring
        if limpet_ring_setup_buffers(ring, UInt32(providedBuffers), UInt32(size)) == 0 {
            providedBufferSize = size
            pollFirst = 1
        }
        tokens = [UInt64](repeating: 0, count: batch)
        results = [Int32](repeating: 0, count: batch)
        flags = [UInt32](repeating: 0, count: batch)
    }

    deinit {
        limpet_ring_destroy(ring)
        wakeBuffer.deallocate()
    }

    public func accept(fd: Int32, token: UInt64) { _ = limpet_ring_accept_multishot(ring, fd, token) }
    /// `likelyEmpty` skips the receive attempt that would fail (lock the socket, find nothing, unlock) before the
    /// kernel arms its poll: about 4 % of the CPU per keep-alive request, where every response-head read and
    /// every wait for the next request would otherwise try once in vain.
    public func recv(fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, token: UInt64, likelyEmpty: Bool) {
        _ = limpet_ring_recv(ring, fd, buffer, UInt32(clamping: count), token, likelyEmpty ? pollFirst : 0)
    }
    public func recvProvided(fd: Int32, token: UInt64, likelyEmpty: Bool) {
        _ = limpet_ring_recv_provided(ring, fd, token, likelyEmpty ? pollFirst : 0)
    }
    public func releaseProvided(_ id: UInt16) { limpet_ring_recycle(ring, UInt32(id)) }

    public func send(fd: Int32, from buffer: UnsafeRawPointer, count: Int, token: UInt64) {
        _ = limpet_ring_send(ring, fd, buffer, UInt32(clamping: count), token)
    }
    public func connect(fd: Int32, address: UnsafeRawPointer, length: UInt32, token: UInt64) {
        _ = limpet_ring_connect(ring, fd, address.assumingMemoryBound(to: sockaddr.self), length, token)
    }
    public func splice(from source: Int32, to destination: Int32, count: Int, socket: Int32, intoSocket: Bool,
                       more: Bool, token: UInt64) {
        _ = limpet_ring_poll_splice(ring, socket, intoSocket ? 1 : 0, source, destination, UInt32(clamping: count),
                                    more ? 1 : 0, Token.ignored, token)
    }
    /// Submitted at once, while `fd` is still open, so it cannot reach a later socket that reuses the number.
    public func cancel(fd: Int32) { _ = limpet_ring_cancel_fd(ring, fd, Token.ignored) }
    public func forget(fd: Int32) {}

    public func watchWakeup(fd: Int32) {
        wakeFD = fd
        _ = limpet_ring_read(ring, fd, wakeBuffer, 8, EventLoop.wakeToken)
    }

    public func poll(timeoutNanos: Int64, _ deliver: (Completion) -> Void) throws(IOError) {
        let r = limpet_ring_submit_wait(ring, timeoutNanos)
        if r < 0 && r != -EAGAIN && r != -EBUSY { throw IOError("io_uring_enter", errno: -r) }
        while true {
            let n = Int(limpet_ring_reap(ring, &tokens, &results, &flags, Int32(batch)))
            for k in 0..<n {
                let token = tokens[k]
                if token == Token.ignored { continue }
                if token == EventLoop.wakeToken {
                    _ = limpet_ring_read(ring, wakeFD, wakeBuffer, 8, EventLoop.wakeToken)
                }
                var completion = Completion(token: token, result: results[k], more: flags[k] & LIMPET_CQE_F_MORE != 0)
                if flags[k] & LIMPET_CQE_F_BUFFER != 0 {
                    let id = UInt16(truncatingIfNeeded: flags[k] >> LIMPET_CQE_BUFFER_SHIFT)
                    completion.bufferID = id
                    completion.buffer = limpet_ring_buffer(ring, UInt32(id))
                }
                deliver(completion)
            }
            if n < batch { return }
        }
    }
}
