import CShims
import Glibc

/// The readiness-based poller: every socket is registered edge-triggered once; an operation is tried as soon as it
/// is submitted and again on each readiness edge until it stops returning EAGAIN.
public final class EpollPoller: Poller {
    public var name: String { "epoll" }

    private enum Operation {
        case accept(token: UInt64)
        case recv(buffer: UnsafeMutableRawPointer, count: Int, token: UInt64)
        case recvProvided(token: UInt64)
        case send(buffer: UnsafeRawPointer, count: Int, token: UInt64)
        case connect(address: UnsafeRawPointer, length: UInt32, started: Bool, token: UInt64)
        case splice(from: Int32, to: Int32, count: Int, more: Bool, token: UInt64)

        var isConnect: Bool {
            if case .connect = self { return true }
            return false
        }

        var token: UInt64 {
            switch self {
            case .accept(let t), .recv(_, _, let t), .recvProvided(let t), .send(_, _, let t), .connect(_, _, _, let t),
                 .splice(_, _, _, _, let t): t
            }
        }
    }

    private struct Slot {
        var registered = false
        /// Whether the socket may have data (or room): set by every edge, cleared by EAGAIN, and cleared too by a
        /// receive that got less than it asked for, since the socket was empty then and bytes arriving later raise
        /// a new edge. An operation is only tried while its side may be ready, which saves the EAGAIN syscall that
        /// an optimistic try would cost after every request (the next request or the response is rarely there).
        var readReady = true
        var writeReady = true
        /// The last edge reported the peer's close (or an error; a socket not yet connected reports a hang-up too):
        /// the end of the stream may already be queued behind the bytes a short receive got, with no edge left to
        /// announce it, so a short receive keeps `readReady`.
        var readHangup = false
        var read: Operation?
        var write: Operation?
    }

    private let epfd: Int32
    private var slots: [Slot] = []
    /// Sockets with an operation submitted since the last try.
    private var fresh: [Int32] = []
    private var synthesized: [Completion] = []
    /// Swapped with `fresh` / `synthesized` while a pass works through them: copying the array instead would
    /// allocate a new buffer on every pass (the copy still shares the old one when it is emptied).
    private var freshSpare: [Int32] = []
    private var synthesizedSpare: [Completion] = []
    private var wakeFD: Int32 = -1
    private var datas = [UInt64](repeating: 0, count: 256)
    private var events = [UInt32](repeating: 0, count: 256)
    /// Accepts per readiness edge, so one busy listener cannot starve the loop (the rest wait for the next tick).
    private let acceptBatch = 64

    /// Where `recvProvided` reads: one buffer is enough, since each read is delivered (and copied out by its
    /// handler) before the next one is tried.
    private let scratch: UnsafeMutableRawPointer
    public let providedBufferSize: Int

    public init(providedBufferSize: Int) throws(IOError) {
        let fd = limpet_epoll_create()
        guard fd >= 0 else { throw IOError("epoll_create1", errno: -fd) }
        epfd = fd
        self.providedBufferSize = providedBufferSize
        scratch = UnsafeMutableRawPointer.allocate(byteCount: providedBufferSize, alignment: 64)
    }

    deinit {
        close(epfd)
        scratch.deallocate()
    }

    /// `likelyEmpty` is not needed here: `readReady` knows (an edge-triggered socket that was drained stays
    /// quiet until new bytes arrive), and trusting the hint could miss bytes whose edge was already used.
    public func recvProvided(fd: Int32, token: UInt64, likelyEmpty: Bool) { submitRead(fd, .recvProvided(token: token)) }
    public func releaseProvided(_ id: UInt16) {}

    private func slotIndex(_ fd: Int32) -> Int {
        let i = Int(fd)
        if i >= slots.count { slots.append(contentsOf: repeatElement(Slot(), count: max(i + 1 - slots.count, 1024))) }
        if !slots[i].registered {
            slots[i].registered = true
            _ = limpet_epoll_add(epfd, fd, UInt64(UInt32(bitPattern: fd)))
        }
        return i
    }

    private func submitRead(_ fd: Int32, _ op: Operation) {
        let i = slotIndex(fd)
        precondition(slots[i].read == nil, "two read operations on fd \(fd)")
        slots[i].read = op
        if slots[i].readReady { fresh.append(fd) }
    }

    private func submitWrite(_ fd: Int32, _ op: Operation) {
        let i = slotIndex(fd)
        precondition(slots[i].write == nil, "two write operations on fd \(fd)")
        slots[i].write = op
        if slots[i].writeReady || op.isConnect { fresh.append(fd) }
    }

    public func accept(fd: Int32, token: UInt64) { submitRead(fd, .accept(token: token)) }
    public func recv(fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, token: UInt64, likelyEmpty: Bool) {
        submitRead(fd, .recv(buffer: buffer, count: count, token: token))
    }
    public func send(fd: Int32, from buffer: UnsafeRawPointer, count: Int, token: UInt64) {
        submitWrite(fd, .send(buffer: buffer, count: count, token: token))
    }
    public func connect(fd: Int32, address: UnsafeRawPointer, length: UInt32, token: UInt64) {
        submitWrite(fd, .connect(address: address, length: length, started: false, token: token))
    }
    public func splice(from source: Int32, to destination: Int32, count: Int, socket: Int32, intoSocket: Bool,
                       more: Bool, token: UInt64) {
        let op = Operation.splice(from: source, to: destination, count: count, more: more, token: token)
        if intoSocket { submitWrite(socket, op) } else { submitRead(socket, op) }
    }

    public func cancel(fd: Int32) {
        let i = Int(fd)
        guard i < slots.count else { return }
        if let op = slots[i].read { synthesized.append(Completion(token: op.token, result: -ECANCELED, more: false)) }
        if let op = slots[i].write { synthesized.append(Completion(token: op.token, result: -ECANCELED, more: false)) }
        if slots[i].registered { _ = limpet_epoll_del(epfd, fd) }
        slots[i] = Slot()
    }

    public func forget(fd: Int32) { cancel(fd: fd) }

    public func watchWakeup(fd: Int32) {
        wakeFD = fd
        _ = limpet_epoll_add_level_in(epfd, fd, EventLoop.wakeToken)
    }

    public func poll(timeoutNanos: Int64, _ deliver: (Completion) -> Void) throws(IOError) {
        var delivered = 0
        // What is submitted while a list is worked through waits for the next pass.
        if !synthesized.isEmpty {
            swap(&synthesized, &synthesizedSpare)
            for c in synthesizedSpare { deliver(c) }
            delivered += synthesizedSpare.count
            synthesizedSpare.removeAll(keepingCapacity: true)
        }
        if !fresh.isEmpty {
            swap(&fresh, &freshSpare)
            // A socket is here for the side that was submitted; the other side is tried only if it may be ready.
            for fd in freshSpare {
                let i = Int(fd)
                guard i < slots.count else { continue }
                if slots[i].readReady { delivered += tryRead(fd, deliver) }
                if slots[i].writeReady || slots[i].write?.isConnect == true { delivered += tryWrite(fd, deliver) }
            }
            freshSpare.removeAll(keepingCapacity: true)
        }
        // Anything already delivered, or submitted meanwhile, means: look at the kernel without sleeping.
        let sleep = delivered > 0 || !fresh.isEmpty || !synthesized.isEmpty
        let timeoutMs: Int32 = sleep ? 0 : timeoutNanos < 0 ? -1 : Int32(min((timeoutNanos + 999_999) / 1_000_000, 60_000))
        let n = limpet_epoll_wait(epfd, &datas, &events, Int32(datas.count), timeoutMs)
        if n < 0 {
            if -n == EINTR { return }
            throw IOError("epoll_wait", errno: -n)
        }
        let readMask = LIMPET_EPOLLIN | LIMPET_EPOLLERR | LIMPET_EPOLLHUP | LIMPET_EPOLLRDHUP
        let writeMask = LIMPET_EPOLLOUT | LIMPET_EPOLLERR | LIMPET_EPOLLHUP
        let hangupMask = LIMPET_EPOLLERR | LIMPET_EPOLLHUP | LIMPET_EPOLLRDHUP
        for k in 0..<Int(n) {
            if datas[k] == EventLoop.wakeToken {
                _ = limpet_eventfd_drain(wakeFD)
                deliver(Completion(token: EventLoop.wakeToken, result: 0, more: true))
                continue
            }
            let fd = Int32(truncatingIfNeeded: datas[k])
            let i = Int(fd)
            guard i < slots.count, slots[i].registered else { continue }
            if events[k] & readMask != 0 {
                slots[i].readReady = true
                slots[i].readHangup = events[k] & hangupMask != 0
                _ = tryRead(fd, deliver)
            }
            if events[k] & writeMask != 0 {
                slots[i].writeReady = true
                _ = tryWrite(fd, deliver)
            }
        }
    }

    /// Tries the pending read-side operation; returns how many completions it delivered.
    private func tryRead(_ fd: Int32, _ deliver: (Completion) -> Void) -> Int {
        let i = Int(fd)
        guard i < slots.count, let op = slots[i].read else { return 0 }
        switch op {
        case .accept(let token):
            var peer = sockaddr_storage()
            var length = socklen_t(0)
            for n in 0..<acceptBatch {
                let c = limpet_accept(fd, &peer, &length)
                if c == -EAGAIN {
                    slots[i].readReady = false
                    return n
                }
                deliver(Completion(token: token, result: c, more: true))
                if c < 0 { return n + 1 }
            }
            fresh.append(fd)  // more may be waiting: try again next tick
            return acceptBatch
        case .recv(let buffer, let count, let token):
            let n = limpet_recv(fd, buffer, count)
            if n == -Int(EAGAIN) || (n > 0 && n < count && !slots[i].readHangup) {
                slots[i].readReady = false
                if n < 0 { return 0 }
            }
            slots[i].read = nil
            deliver(Completion(token: token, result: Int32(n), more: false))
            return 1
        case .recvProvided(let token):
            let n = limpet_recv(fd, scratch, providedBufferSize)
            if n == -Int(EAGAIN) || (n > 0 && n < providedBufferSize && !slots[i].readHangup) {
                slots[i].readReady = false
                if n < 0 { return 0 }
            }
            slots[i].read = nil
            deliver(Completion(token: token, result: Int32(n), more: false, buffer: n > 0 ? scratch : nil))
            return 1
        case .splice(let from, let to, let count, let more, let token):
            let n = limpet_splice(from, to, count, more ? 1 : 0)
            if n == -Int(EAGAIN) {
                slots[i].readReady = false  // the pipe is empty by contract, so the socket is
                return 0
            }
            slots[i].read = nil
            deliver(Completion(token: token, result: Int32(n), more: false))
            return 1
        default:
            preconditionFailure("write operation on the read side")
        }
    }

    private func tryWrite(_ fd: Int32, _ deliver: (Completion) -> Void) -> Int {
        let i = Int(fd)
        guard i < slots.count, let op = slots[i].write else { return 0 }
        let result: Int
        switch op {
        case .send(let buffer, let count, _):
            result = limpet_send(fd, buffer, count)
        case .splice(let from, let to, let count, let more, _):
            result = limpet_splice(from, to, count, more ? 1 : 0)
        case .connect(let address, let length, let started, let token):
            let r = limpet_connect(fd, address.assumingMemoryBound(to: sockaddr.self), length)
            if r == -EINPROGRESS || r == -EALREADY {
                if !started { slots[i].write = .connect(address: address, length: length, started: true, token: token) }
                slots[i].writeReady = false
                return 0
            }
            result = (r == -EISCONN) ? 0 : Int(r)
        default:
            preconditionFailure("read operation on the write side")
        }
        if result == -Int(EAGAIN) {
            slots[i].writeReady = false
            return 0
        }
        slots[i].write = nil
        deliver(Completion(token: op.token, result: Int32(result), more: false))
        return 1
    }
}
