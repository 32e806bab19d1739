import LimpetHTTP
import LimpetIO

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

    /// A writer over this head's buffer (taken from `pool` when it holds none), for a new head; finish with
    /// `written(_:)`.
    mutating func writer(from pool: BufferPool) -> ByteWriter {
        let buffer = self.buffer ?? pool.take()
        self.buffer = buffer
        length = 0
        sent = 0
        return ByteWriter(buffer, capacity: pool.size)
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

    /// Gives the buffer back; call only when no send from it is in flight.
    mutating func release(to pool: BufferPool) {
        if let buffer { pool.give(buffer) }
        buffer = nil
        length = 0
        sent = 0
    }
}
