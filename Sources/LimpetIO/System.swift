import CShims
import Glibc

/// What a non-blocking call did: its result, or nothing because it would have blocked (`EAGAIN`).
public enum IOResult<T> {
    case processed(T)
    case wouldBlock
}

extension IOResult: Equatable where T: Equatable {}
extension IOResult: Sendable where T: Sendable {}

/// Runs one system call that answers -1 and sets `errno` on failure: retries `EINTR`, turns `EAGAIN` into
/// `.wouldBlock`, traps on `EBADF` and `EFAULT` (a descriptor or pointer Limpet got wrong is a bug, not a
/// condition to handle) and throws any other errno with the call's name. On success it costs one comparison.
@inlinable
@inline(__always)  // wraps per-connection calls (shutdown, close, getpeername, peek): the closure must fold away
func syscall<T: FixedWidthInteger>(_ name: StaticString, _ body: () -> T) throws(IOError) -> IOResult<T> {
    while true {
        let result = body()
        if _fastPath(result != -1) { return .processed(result) }
        let code = errno
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
        if code == EBADF || code == EFAULT { unacceptableErrno(name, code) }
        throw IOError(name, errno: code)
    }
}

@usableFromInline
func unacceptableErrno(_ name: StaticString, _ code: Int32) -> Never {
    preconditionFailure("\(name): \(String(cString: strerror(code))) (errno \(code)): a bug in Limpet")
}

/// Calls on file descriptors and sockets that the proxy, its providers and its health checks make. Each wraps one
/// system call in `syscall`; the connection classes keep their descriptors as plain `Int32` (the pollers take
/// those) and close them through `Posix.close`, while `Socket` and `Inotify` own theirs.
public enum Posix {
    /// `shutdown(2)`'s `how`.
    public enum Shutdown {
        case read, write, both

        @inlinable var how: Int32 {
            switch self {
            case .read: Int32(SHUT_RD)
            case .write: Int32(SHUT_WR)
            case .both: Int32(SHUT_RDWR)
            }
        }
    }

    /// Closes `fd`. Linux releases the descriptor even when `close` reports `EINTR` or `EIO`, so neither is
    /// retried nor reported (a socket has nothing left to flush that an error could save); `EBADF` traps.
    @inlinable
    @inline(__always)  // once per connection and per upstream connection
    public static func close(_ fd: Int32) {
        if _slowPath(Glibc.close(fd) != 0) {
            let code = errno
            if code == EBADF { unacceptableErrno("close", code) }
        }
    }

    /// Half-closes a socket. Throws `ENOTCONN` when the peer has already reset it.
    @inlinable
    @inline(__always)  // once per half-closed connection
    public static func shutdown(_ fd: Int32, _ how: Shutdown) throws(IOError) {
        _ = try syscall("shutdown") { Glibc.shutdown(fd, how.how) }
    }

    /// The address of a connected socket's peer (`getpeername`). Throws `ENOTCONN` when the peer already left.
    @inlinable
    @inline(__always)  // once per accepted connection
    public static func peerAddress(_ fd: Int32) throws(IOError) -> (storage: sockaddr_storage, length: socklen_t) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { pointer throws(IOError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(IOError) in
                try syscall("getpeername") { Glibc.getpeername(fd, address, &length) }
            }
        }
        return (storage, length)
    }

    /// `recv(MSG_PEEK | MSG_DONTWAIT)` of one byte: `.wouldBlock` while an idle connection is quiet and open,
    /// `.processed(0)` once the peer has closed it, `.processed(1)` when it sent something unexpected.
    @inlinable
    @inline(__always)  // once per pooled upstream connection taken after a pause
    public static func peek(_ fd: Int32) throws(IOError) -> IOResult<Int> {
        var byte: UInt8 = 0
        return try syscall("recv(MSG_PEEK)") { Glibc.recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) }
    }

    /// A non-blocking, close-on-exec TCP socket of `family` with `TCP_NODELAY` (upstream dials, health checks).
    public static func tcpSocket(family: Int32) throws(IOError) -> Int32 {
        let fd = try socket(family: family)
        do {
            try setOption(fd, level: Int32(IPPROTO_TCP), TCP_NODELAY, 1, name: "setsockopt(TCP_NODELAY)")
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// A non-blocking, close-on-exec stream socket.
    static func socket(family: Int32) throws(IOError) -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard case .processed(let fd) = try syscall("socket", { Glibc.socket(family, type, 0) }) else {
            throw IOError("socket", errno: EAGAIN)
        }
        return fd
    }

    /// `SO_SNDBUF` (`engine.upstreamSendBuffer`).
    @inlinable
    public static func setSendBuffer(_ fd: Int32, bytes: Int32) throws(IOError) {
        try setOption(fd, level: SOL_SOCKET, SO_SNDBUF, bytes, name: "setsockopt(SO_SNDBUF)")
    }

    /// An integer socket option.
    @inlinable
    public static func setOption(_ fd: Int32, level: Int32, _ option: Int32, _ value: Int32,
                                 name: StaticString = "setsockopt") throws(IOError) {
        var value = value
        _ = try syscall(name) { setsockopt(fd, level, option, &value, socklen_t(MemoryLayout<Int32>.size)) }
    }

    /// The pending error of a socket (`SO_ERROR`): after a non-blocking connect, 0 or why it failed.
    public static func pendingError(_ fd: Int32) throws(IOError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try syscall("getsockopt(SO_ERROR)") { getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) }
        return value
    }

    /// `connect(2)` on a non-blocking socket: true when connected, false while in progress.
    public static func connect(_ fd: Int32, to address: UnsafePointer<sockaddr>, length: socklen_t)
        throws(IOError) -> Bool
    {
        do throws(IOError) {
            switch try syscall("connect", { Glibc.connect(fd, address, length) }) {
            case .processed: return true
            case .wouldBlock: throw IOError("connect", errno: EAGAIN)  // a Unix listener's backlog is full
            }
        } catch where error.errno == EINPROGRESS {
            return false
        }
    }

    /// `send(MSG_NOSIGNAL | MSG_DONTWAIT)`.
    public static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(IOError) -> IOResult<Int> {
        try syscall("send") { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
    }

    /// `recv(MSG_DONTWAIT)`: bytes received, 0 at the end of the stream.
    public static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(IOError)
        -> IOResult<Int>
    {
        try syscall("recv") { Glibc.recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT)) }
    }

    /// Waits up to `timeoutMilliseconds` (< 0: forever) for `events` (`POLLIN`, `POLLOUT`) on `fd`: false on
    /// timeout. Readiness includes errors and hang-ups; the next call on the socket reports which.
    public static func wait(_ fd: Int32, for events: Int16, timeoutMilliseconds: Int32) throws(IOError) -> Bool {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        guard case .processed(let ready) = try syscall("poll", { Glibc.poll(&entry, 1, timeoutMilliseconds) }) else {
            return false
        }
        return ready > 0
    }
}

extension Posix {
    /// Opens (creating it, mode 0644) a file to append to, close-on-exec.
    public static func openForAppending(_ path: String) throws(IOError) -> Int32 {
        let flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC
        let result = try path.withCString { path in
            Result { () throws(IOError) in try syscall("open") { Glibc.open(path, flags, 0o644) } }
        }.get()
        guard case .processed(let fd) = result else { throw IOError("open", errno: EAGAIN) }
        return fd
    }

    /// Writes every byte to a blocking descriptor (a file), or throws.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(IOError) {
        var offset = 0
        while offset < bytes.count {
            guard case .processed(let n) = try syscall("write", {
                Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            }), n > 0 else { throw IOError("write", errno: EAGAIN) }
            offset += n
        }
    }
}

/// Monotonic time for loops, timeouts and backoffs.
public enum Monotonic {
    /// `CLOCK_MONOTONIC` in nanoseconds (a vDSO read, no system call).
    @inlinable public static var nanoseconds: UInt64 { limpet_monotonic_ns() }
}
