import Glibc

/// A socket descriptor and the duty to close it: closed when the value ends, unless `release()` hands the
/// descriptor to an owner that closes it itself (a worker's listener, a connection class the pollers drive).
public struct Socket: ~Copyable {
    public let descriptor: Int32

    public init(adopting descriptor: Int32) { self.descriptor = descriptor }

    deinit { Posix.close(descriptor) }

    /// Gives the descriptor up without closing it.
    public consuming func release() -> Int32 {
        let descriptor = self.descriptor
        discard self
        return descriptor
    }

    /// A non-blocking, close-on-exec TCP socket of `family` with `TCP_NODELAY`.
    public static func tcp(family: Int32) throws(IOError) -> Socket {
        Socket(adopting: try Posix.tcpSocket(family: family))
    }

    /// A non-blocking, close-on-exec TCP listener on `address`, with `SO_REUSEADDR` and `SO_REUSEPORT` (one per
    /// worker on the same port) and `TCP_NODELAY` (accepted sockets inherit it: no setsockopt per connection);
    /// `TCP_DEFER_ACCEPT` when `deferAcceptSeconds` > 0: the kernel queues a connection for accept only once data
    /// arrives, or after about that many seconds.
    public static func listener(address: UnsafePointer<sockaddr>, length: socklen_t, backlog: Int32,
                                deferAcceptSeconds: Int32) throws(IOError) -> Socket {
        let socket = Socket(adopting: try Posix.socket(family: Int32(address.pointee.sa_family)))
        let fd = socket.descriptor
        try Posix.setOption(fd, level: SOL_SOCKET, SO_REUSEADDR, 1, name: "setsockopt(SO_REUSEADDR)")
        try Posix.setOption(fd, level: SOL_SOCKET, SO_REUSEPORT, 1, name: "setsockopt(SO_REUSEPORT)")
        try Posix.setOption(fd, level: Int32(IPPROTO_TCP), TCP_NODELAY, 1, name: "setsockopt(TCP_NODELAY)")
        if deferAcceptSeconds > 0 {
            try Posix.setOption(fd, level: Int32(IPPROTO_TCP), TCP_DEFER_ACCEPT, deferAcceptSeconds,
                                name: "setsockopt(TCP_DEFER_ACCEPT)")
        }
        _ = try syscall("bind") { Glibc.bind(fd, address, length) }
        _ = try syscall("listen") { Glibc.listen(fd, backlog) }
        return socket
    }

    /// Whether another socket holds `address`: binds a socket without `SO_REUSEPORT` (with `SO_REUSEADDR`, so a
    /// connection in TIME_WAIT does not count) and closes it. `SO_REUSEPORT` lets any process of the same user
    /// join a port its listeners hold, so binding the workers' listeners alone would not notice a second Limpet
    /// (or a stale one) and would split the clients between the two; a bind without the option fails with
    /// `EADDRINUSE` while any listener holds the port. Call it before binding this process's own listeners.
    public static func addressIsTaken(_ address: UnsafePointer<sockaddr>, length: socklen_t) throws(IOError) -> Bool {
        let socket = Socket(adopting: try Posix.socket(family: Int32(address.pointee.sa_family)))
        let fd = socket.descriptor
        try Posix.setOption(fd, level: SOL_SOCKET, SO_REUSEADDR, 1, name: "setsockopt(SO_REUSEADDR)")
        do {
            _ = try syscall("bind") { Glibc.bind(fd, address, length) }
            return false
        } catch where error.errno == EADDRINUSE {
            return true
        }
    }

    /// A non-blocking, close-on-exec Unix stream socket connected to `path`. A Unix connect completes at once, or
    /// fails: `EAGAIN` when the listener's backlog is full, `ENAMETOOLONG` when the path does not fit in
    /// `sun_path`, `EINVAL` when it is empty.
    public static func unix(connectingTo path: String) throws(IOError) -> Socket {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty else { throw IOError("connect", errno: EINVAL) }
        guard bytes.count < capacity else { throw IOError("connect", errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout.offset(of: \sockaddr_un.sun_path)! + bytes.count + 1)
        let socket = Socket(adopting: try Posix.socket(family: AF_UNIX))
        let connected = try withUnsafePointer(to: &address) { pointer throws(IOError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(IOError) in
                try Posix.connect(socket.descriptor, to: address, length: length)
            }
        }
        guard connected else { throw IOError("connect", errno: EINPROGRESS) }
        return socket
    }

    /// `connect(2)`: true when connected, false while in progress (wait for `POLLOUT`, then `pendingError`).
    public func connect(to address: UnsafePointer<sockaddr>, length: socklen_t) throws(IOError) -> Bool {
        try Posix.connect(descriptor, to: address, length: length)
    }

    /// 0 once a non-blocking connect succeeded, else why it failed.
    public func pendingError() throws(IOError) -> Int32 { try Posix.pendingError(descriptor) }

    public func shutdown(_ how: Posix.Shutdown) throws(IOError) { try Posix.shutdown(descriptor, how) }

    public func peerAddress() throws(IOError) -> (storage: sockaddr_storage, length: socklen_t) {
        try Posix.peerAddress(descriptor)
    }

    /// See `Posix.peek`.
    public func peek() throws(IOError) -> IOResult<Int> { try Posix.peek(descriptor) }

    public func send(_ bytes: UnsafeRawBufferPointer) throws(IOError) -> IOResult<Int> {
        try Posix.send(descriptor, bytes)
    }

    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(IOError) -> IOResult<Int> {
        try Posix.receive(descriptor, into: buffer)
    }

    /// See `Posix.wait`.
    public func wait(for events: Int16, timeoutMilliseconds: Int32) throws(IOError) -> Bool {
        try Posix.wait(descriptor, for: events, timeoutMilliseconds: timeoutMilliseconds)
    }
}
