import CShims
import Glibc

/// A finished operation: `result` is what the syscall would return (bytes, a new fd, 0) or `-errno`.
/// Loop-confined: it never crosses threads.
public struct Completion {
    public var token: UInt64
    public var result: Int32
    /// A multishot operation (accept) stays armed and will complete again.
    public var more: Bool
    /// For `recvProvided`: where the poller put the bytes. Valid until `releaseProvided(bufferID)`, which the
    /// handler calls before returning.
    public var buffer: UnsafeMutableRawPointer?
    public var bufferID: UInt16
    @inlinable public init(token: UInt64, result: Int32, more: Bool, buffer: UnsafeMutableRawPointer? = nil,
                           bufferID: UInt16 = 0) {
        self.token = token
        self.result = result
        self.more = more
        self.buffer = buffer
        self.bufferID = bufferID
    }
}

/// Completion-based I/O, implemented over io_uring (natively) and epoll (by trying each operation when its
/// file descriptor becomes ready). The proxy submits operations and reacts to completions; it never learns which
/// poller runs underneath.
///
/// Rules for callers:
/// - at most one read-side (accept, recv, splice out of a socket) and one write-side (send, connect, splice into a
///   socket) operation may be pending per socket;
/// - buffers and addresses passed in stay valid until the operation completes;
/// - before closing a socket call `cancel(fd:)` and wait until every pending operation has completed
///   (cancelled ones complete with `-ECANCELED`).
public protocol Poller: AnyObject {
    /// "io_uring" or "epoll", for logs.
    var name: String { get }
    /// Keeps accepting on a listening socket: each new connection completes with its fd (`more` set).
    func accept(fd: Int32, token: UInt64)
    /// `likelyEmpty`: the caller expects nothing to read yet (it has just sent a request and waits for the
    /// response, or answered one and waits for the next), so the poller may wait for readiness instead of trying
    /// first. Only a hint: bytes already there are still received.
    func recv(fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, token: UInt64, likelyEmpty: Bool)
    /// A recv into a buffer the poller picks only when bytes arrive (io_uring provided buffers; epoll reads into
    /// its own scratch buffer at readiness), so a connection waiting for its next request holds no buffer.
    /// Completes with `buffer` set, or `-ENOBUFS` when none is free (then use `recv`). `likelyEmpty` as for `recv`.
    func recvProvided(fd: Int32, token: UInt64, likelyEmpty: Bool)
    /// Hands a provided buffer back; call once the bytes are copied out.
    func releaseProvided(_ id: UInt16)
    /// The size of provided buffers, 0 when the poller has none (then use `recv`).
    var providedBufferSize: Int { get }
    func send(fd: Int32, from buffer: UnsafeRawPointer, count: Int, token: UInt64)
    func connect(fd: Int32, address: UnsafeRawPointer, length: UInt32, token: UInt64)
    /// Moves up to `count` bytes between a socket and a pipe in the kernel. `socket` is the socket end
    /// (the operation waits for it to be readable, or writable when `intoSocket`). `more`: more data follows
    /// (SPLICE_F_MORE), so the socket need not push a partial segment out at once.
    func splice(from source: Int32, to destination: Int32, count: Int, socket: Int32, intoSocket: Bool, more: Bool,
                token: UInt64)
    /// Cancels every pending operation on `fd`; each completes with `-ECANCELED` (or its real result if it won).
    func cancel(fd: Int32)
    /// Drops any bookkeeping for `fd`; call right before closing a socket that has nothing pending.
    func forget(fd: Int32)
    /// Watches the loop's eventfd; its readiness completes with `EventLoop.wakeToken`.
    func watchWakeup(fd: Int32)
    /// Submits what is queued, waits up to `timeoutNanos` (< 0: forever, 0: not at all) and delivers completions.
    func poll(timeoutNanos: Int64, _ deliver: (Completion) -> Void) throws(IOError)
}

extension Poller {
    /// A recv with no expectation either way: tried at once.
    @inlinable public func recv(fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, token: UInt64) {
        recv(fd: fd, into: buffer, count: count, token: token, likelyEmpty: false)
    }
}

/// A failed system call: its name and errno, read as `bind: Address already in use`.
public struct IOError: Error, CustomStringConvertible, Sendable {
    /// A literal name costs nothing to keep: the calls that fail on the hot path (a peer that left before
    /// `getpeername` or `shutdown`) must not allocate to say so.
    @usableFromInline enum Name: Sendable {
        case literal(StaticString)
        case text(String)
    }
    @usableFromInline let name: Name
    public let errno: Int32

    @inlinable public init(_ call: StaticString, errno: Int32) {
        name = .literal(call)
        self.errno = errno
    }
    public init(_ call: String, errno: Int32) {
        name = .text(call)
        self.errno = errno
    }
    public var call: String {
        switch name {
        case .literal(let call): "\(call)"
        case .text(let call): call
        }
    }
    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// Tokens carry a handler slot, the slot's generation and an operation code, so completions for a slot that has
/// since been reused are recognised and dropped.
public enum Token {
    @inlinable public static func make(slot: UInt32, generation: UInt32, op: UInt8) -> UInt64 {
        UInt64(slot) << 32 | UInt64(generation & 0xFF_FFFF) << 8 | UInt64(op)
    }
    @inlinable public static func slot(_ token: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: token >> 32) }
    @inlinable public static func generation(_ token: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: token >> 8) & 0xFF_FFFF }
    @inlinable public static func op(_ token: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: token) }
    /// Completions nobody waits for (cancel requests, failed link heads).
    public static let ignored: UInt64 = .max - 1
}
