import CShims
import Glibc

/// The completion-based poller over io_uring: accept is multishot, splices are linked behind a poll of their
/// socket so an idle connection costs no kernel worker thread.
///
/// No operation is lost: when no submission entry can be had (the queue is full and the kernel answers `EBUSY`
/// because the completion queue overflows, or `EAGAIN`), the completions waiting are reaped first (they are
/// delivered with the next `poll`) and the submission is tried again; one that still fails completes with
/// `-errno` through the same path as any failed operation.
public final class URingPoller: Poller {
    public var name: String { "io_uring" }

    private let ring: OpaquePointer
    private var wakeFD: Int32 = -1
    private let wakeBuffer = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
    private let batch = 256
    private var tokens: [UInt64]
    private var results: [Int32]
    private var flags: [UInt32]
    /// Completions reaped while making room for a submission, and failed submissions: delivered by the next
    /// `poll`, before it waits. `deferredSpare` is swapped in while they are delivered (no allocation per pass).
    private var deferred: [Completion] = []
    private var deferredSpare: [Completion] = []
    private var reapTokens: [UInt64]
    private var reapResults: [Int32]
    private var reapFlags: [UInt32]
    /// How often a submission is retried after reaping before it completes with its error.
    static let submitAttempts = 4
    #if DEBUG
    /// Tests only: the next this many submission attempts fail with -EBUSY, as if the kernel had answered it.
    var injectedBusy = 0
    #endif

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
        reapTokens = [UInt64](repeating: 0, count: batch)
        reapResults = [Int32](repeating: 0, count: batch)
        reapFlags = [UInt32](repeating: 0, count: batch)
        deferred.reserveCapacity(batch)
        deferredSpare.reserveCapacity(batch)
    }

    deinit {
        limpet_ring_destroy(ring)
        wakeBuffer.deallocate()
    }

    public func accept(fd: Int32, token: UInt64) { submit(token) { limpet_ring_accept_multishot(ring, fd, token) } }
    /// `likelyEmpty` skips the receive attempt that would fail (lock the socket, find nothing, unlock) before the
    /// kernel arms its poll: about 4 % of the CPU per keep-alive request, where every response-head read and
    /// every wait for the next request would otherwise try once in vain.
    public func recv(fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, token: UInt64, likelyEmpty: Bool) {
        submit(token) { limpet_ring_recv(ring, fd, buffer, UInt32(clamping: count), token, likelyEmpty ? pollFirst : 0) }
    }
    public func recvProvided(fd: Int32, token: UInt64, likelyEmpty: Bool) {
        submit(token) { limpet_ring_recv_provided(ring, fd, token, likelyEmpty ? pollFirst : 0) }
    }
    public func releaseProvided(_ id: UInt16) { limpet_ring_recycle(ring, UInt32(id)) }

    public func send(fd: Int32, from buffer: UnsafeRawPointer, count: Int, token: UInt64) {
        submit(token) { limpet_ring_send(ring, fd, buffer, UInt32(clamping: count), token) }
    }
    public func connect(fd: Int32, address: UnsafeRawPointer, length: UInt32, token: UInt64) {
        submit(token) { limpet_ring_connect(ring, fd, address.assumingMemoryBound(to: sockaddr.self), length, token) }
    }
    public func splice(from source: Int32, to destination: Int32, count: Int, socket: Int32, intoSocket: Bool,
                       more: Bool, token: UInt64) {
        submit(token) {
            limpet_ring_poll_splice(ring, socket, intoSocket ? 1 : 0, source, destination, UInt32(clamping: count),
                                    more ? 1 : 0, Token.ignored, token)
        }
    }
    /// Submitted at once, while `fd` is still open, so it cannot reach a later socket that reuses the number. Its
    /// own completion is ignored; the cancelled operations complete with `-ECANCELED`.
    public func cancel(fd: Int32) { submit(Token.ignored) { limpet_ring_cancel_fd(ring, fd, Token.ignored) } }
    public func forget(fd: Int32) {}

    public func watchWakeup(fd: Int32) {
        wakeFD = fd
        submit(EventLoop.wakeToken) { limpet_ring_read(ring, fd, wakeBuffer, 8, EventLoop.wakeToken) }
    }

    // MARK: submitting

    /// Queues one operation with `prepare` (a `limpet_ring_…` call answering 0 or -errno). Success costs one
    /// comparison; anything else goes to `retry`.
    @inline(__always)  // every operation of every connection passes here
    private func submit(_ token: UInt64, _ prepare: () -> Int32) {
        let result = attempt(prepare)
        if _slowPath(result != 0) { retry(token, first: result, prepare) }
    }

    @inline(__always)  // release builds: just the call
    private func attempt(_ prepare: () -> Int32) -> Int32 {
        #if DEBUG
        if injectedBusy > 0 {
            injectedBusy -= 1
            return -EBUSY
        }
        #endif
        return prepare()
    }

    /// `EBUSY`/`EAGAIN`: reap what has completed (the kernel cannot post more while the completion queue is
    /// full) and try again, a few times; then, or for any other error, the operation completes with `-errno`.
    @inline(never)
    private func retry(_ token: UInt64, first: Int32, _ prepare: () -> Int32) {
        var result = first
        var attempts = 1
        while (result == -EBUSY || result == -EAGAIN) && attempts < Self.submitAttempts {
            reapDeferred()
            result = attempt(prepare)
            attempts += 1
            if result == 0 { return }
        }
        if token == EventLoop.wakeToken {
            // Without its read the loop could not be woken from other threads: nothing can carry on without it.
            preconditionFailure("io_uring: cannot queue the wake-up read: \(IOError("io_uring_submit", errno: -result))")
        }
        if token != Token.ignored { deferred.append(Completion(token: token, result: result, more: false)) }
    }

    /// Moves the completions the kernel has posted to `deferred`, freeing their queue entries. It has arrays of
    /// its own: it runs in the middle of `poll`'s delivery (a handler's submission), which is still reading
    /// `tokens`. A wake-up is re-armed once the reaping is over, so a failing re-arm never reaps into them either.
    private func reapDeferred() {
        var woken = false
        while true {
            let n = Int(limpet_ring_reap(ring, &reapTokens, &reapResults, &reapFlags, Int32(batch)))
            for k in 0..<n {
                let token = reapTokens[k]
                if token == Token.ignored { continue }
                if token == EventLoop.wakeToken { woken = true }
                deferred.append(completion(token, reapResults[k], reapFlags[k]))
            }
            if n < batch { break }
        }
        if woken { rearmWakeup() }
    }

    private func rearmWakeup() {
        submit(EventLoop.wakeToken) { limpet_ring_read(ring, wakeFD, wakeBuffer, 8, EventLoop.wakeToken) }
    }

    @inline(__always)  // once per completion
    private func completion(_ token: UInt64, _ result: Int32, _ flags: UInt32) -> Completion {
        var completion = Completion(token: token, result: result, more: flags & LIMPET_CQE_F_MORE != 0)
        if flags & LIMPET_CQE_F_BUFFER != 0 {
            let id = UInt16(truncatingIfNeeded: flags >> LIMPET_CQE_BUFFER_SHIFT)
            completion.bufferID = id
            completion.buffer = limpet_ring_buffer(ring, UInt32(id))
        }
        return completion
    }

    public func poll(timeoutNanos: Int64, _ deliver: (Completion) -> Void) throws(IOError) {
        var timeout = timeoutNanos
        if !deferred.isEmpty {
            // What is submitted while these are delivered (and may fail again) waits for the next pass.
            swap(&deferred, &deferredSpare)
            for completion in deferredSpare { deliver(completion) }
            deferredSpare.removeAll(keepingCapacity: true)
            timeout = 0  // something happened: look at the kernel without sleeping
        }
        if !deferred.isEmpty { timeout = 0 }
        let r = limpet_ring_submit_wait(ring, timeout)
        // EBUSY/EAGAIN: the queued entries stay queued; reaping below makes room, and the next pass submits them.
        if r < 0 && r != -EAGAIN && r != -EBUSY { throw IOError("io_uring_enter", errno: -r) }
        while true {
            let n = Int(limpet_ring_reap(ring, &tokens, &results, &flags, Int32(batch)))
            for k in 0..<n {
                let token = tokens[k]
                if token == Token.ignored { continue }
                if token == EventLoop.wakeToken { rearmWakeup() }
                deliver(completion(token, results[k], flags[k]))
            }
            if n < batch { return }
        }
    }
}
