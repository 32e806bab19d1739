import LimpetHTTP

/// A head Limpet writes and sends (the rewritten request head going upstream, or the response head going to the
/// client), plus any small body coalesced behind it, in a pool buffer of its own. An exchange has one per
/// direction: a response head that arrives while the request head is still partly unsent (a server answering
/// early) is written elsewhere, so it can never overwrite request bytes the kernel has yet to read.
struct OutgoingHead {
    private(set) var buffer: UnsafeMutableRawPointer?
    private(set) var length = 0
    private(set) var sent = 0

    /// Nothing left to send (or nothing written).
    var isSent: Bool { sent == length }
    /// The bytes still to send.
    var unsent: (UnsafeRawPointer, Int) { (UnsafeRawPointer(buffer! + sent), length - sent) }

    /// A writer over this head's buffer for a new head, taking `fresh` when it holds none (`ClientConnection`
    /// passes the pool's buffer rather than the pool: handing the pool to a method retained it); finish with
    /// `written(_:)`. `fresh` is only evaluated when needed.
    mutating func writer(capacity: Int, fresh: () -> UnsafeMutableRawPointer) -> ByteWriter {
        let buffer = self.buffer ?? fresh()
        self.buffer = buffer
        length = 0
        sent = 0
        return ByteWriter(buffer, capacity: capacity)
    }

    /// Takes over `other`'s buffer when this head holds none and `other` is sent whole: the request head's
    /// buffer becomes the response head's without going through the pool.
    mutating func reuse(_ other: inout OutgoingHead) {
        guard buffer == nil, other.isSent, let taken = other.buffer else { return }
        buffer = taken
        other = OutgoingHead()
    }

    mutating func written(_ writer: ByteWriter) {
        length = writer.count
        sent = 0
    }

    /// Records a send that completed; true when the whole head is out.
    mutating func didSend(_ n: Int) -> Bool {
        sent += n
        return sent >= length
    }

    /// Sends the whole head again (a retry on a fresh upstream connection).
    mutating func rewind() { sent = 0 }

    /// Empties the head and hands back its buffer, for the pool; call only when no send from it is in flight.
    mutating func release() -> UnsafeMutableRawPointer? {
        defer { self = OutgoingHead() }
        return buffer
    }
}
