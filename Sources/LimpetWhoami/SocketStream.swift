import Glibc

/// Why a connection ended early.
enum StreamError: Error {
    /// The peer closed before a framed message was complete.
    case unexpectedEOF
    /// A line or head did not fit in the read buffer.
    case tooLong
    /// The peer sent bytes that break HTTP or WebSocket framing.
    case malformed(String)
    /// A system call failed (including a receive timeout).
    case system(String, Int32)
}

/// A blocking socket with a fixed-size read buffer, used by one thread at a time.
///
/// Memory per connection is the read buffer plus whatever a handler writes at once; bodies
/// pass through in buffer-sized pieces and are never held whole.
final class SocketStream {
    let fd: Int32
    let capacity: Int
    private let storage: UnsafeMutablePointer<UInt8>
    /// Unconsumed bytes are `storage[start..<end]`.
    private(set) var start = 0
    private(set) var end = 0

    init(fd: Int32, capacity: Int = 64 * 1024) {
        self.fd = fd
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deallocate()
    }

    var buffered: Int { end - start }

    /// The unconsumed bytes; valid until the next `fill`.
    var bytes: UnsafeMutableBufferPointer<UInt8> {
        UnsafeMutableBufferPointer(start: storage + start, count: end - start)
    }

    func byte(at offset: Int) -> UInt8 { storage[start + offset] }

    func consume(_ count: Int) {
        precondition(count <= end - start)
        start += count
        if start == end {
            start = 0
            end = 0
        }
    }

    /// Receives more bytes after those buffered. Returns false at end of stream.
    /// Throws `tooLong` when the buffer is already full of unconsumed bytes.
    func fill() throws -> Bool {
        if start == end {
            start = 0
            end = 0
        } else if end == capacity && start > 0 {
            memmove(storage, storage + start, end - start)
            end -= start
            start = 0
        }
        if end == capacity { throw StreamError.tooLong }
        while true {
            let received = recv(fd, storage + end, capacity - end, 0)
            if received > 0 {
                end += received
                return true
            }
            if received == 0 { return false }
            let code = errno
            if code == EINTR { continue }
            throw StreamError.system("recv", code)
        }
    }

    /// Fills until at least `count` bytes are buffered (count ≤ capacity).
    func require(_ count: Int) throws {
        while buffered < count {
            if !(try fill()) { throw StreamError.unexpectedEOF }
        }
    }

    /// Reads one line terminated by LF (a preceding CR is dropped), at most `limit` bytes.
    func readLine(limit: Int = 8192) throws -> [UInt8] {
        var scanned = 0
        while true {
            let window = bytes
            if let index = window[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                var lineEnd = index
                if lineEnd > 0 && window[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let line = Array(window[0..<lineEnd])
                consume(index + 1)
                return line
            }
            scanned = window.count
            if scanned >= limit { throw StreamError.tooLong }
            if !(try fill()) { throw StreamError.unexpectedEOF }
        }
    }

    /// Writes every byte, retrying short writes.
    func write(_ buffer: UnsafeRawBufferPointer) throws {
        guard var pointer = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            let sent = send(fd, pointer, remaining, Int32(MSG_NOSIGNAL))
            if sent < 0 {
                let code = errno
                if code == EINTR { continue }
                throw StreamError.system("send", code)
            }
            pointer += sent
            remaining -= sent
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Sends FIN so the peer sees the end of a close-delimited body, then waits briefly
    /// for the peer to close so that unread request bytes do not turn the FIN into a reset.
    func finish() {
        shutdown(fd, Int32(SHUT_WR))
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var scratch = [UInt8](repeating: 0, count: 4096)
        var drained = 0
        while drained < 1 << 20 {
            let received = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if received <= 0 { break }
            drained += received
        }
    }
}
