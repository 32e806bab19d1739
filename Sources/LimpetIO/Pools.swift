import CShims
import Glibc

/// Fixed-size byte buffers owned by one loop and reused without touching the allocator on the hot path.
public final class BufferPool {
    public let size: Int
    private var free: [UnsafeMutableRawPointer] = []
    private let keep: Int

    public init(size: Int, keep: Int = 4096) {
        self.size = size
        self.keep = keep
    }

    deinit { for b in free { b.deallocate() } }

    public func take() -> UnsafeMutableRawPointer {
        free.popLast() ?? UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
    }

    public func give(_ buffer: UnsafeMutableRawPointer) {
        if free.count < keep { free.append(buffer) } else { buffer.deallocate() }
    }
}

/// Large buffers for bodies that are copied rather than spliced (`engine.splice`), at most `limit` out at once so
/// that memory stays bounded whatever clients do: a flow that finds none left splices instead. Each buffer is used
/// as two halves, the way a flow uses its two pipes.
public final class CopyBufferPool {
    public let size: Int
    public let limit: Int
    private let pool: BufferPool
    public private(set) var outstanding = 0

    public init(size: Int, limit: Int, keep: Int = 8) {
        self.size = size
        self.limit = limit
        pool = BufferPool(size: size, keep: keep)
    }

    public func take() -> UnsafeMutableRawPointer? {
        guard outstanding < limit else { return nil }
        outstanding += 1
        return pool.take()
    }

    public func give(_ buffer: UnsafeMutableRawPointer) {
        outstanding -= 1
        pool.give(buffer)
    }

    public var halfSize: Int { size / 2 }

    /// Half `index` (0 or 1) of `buffer`.
    public func half(_ index: Int, of buffer: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        buffer + index * halfSize
    }
}

/// A kernel pipe used as the middle of a socket → pipe → socket splice.
public struct Pipe: Sendable {
    public let readEnd: Int32
    public let writeEnd: Int32
}

/// Empty pipes kept for reuse by one loop (creating a pipe costs two fds and a syscall).
public final class PipePool {
    public let pipeSize: Int
    private var free: [Pipe] = []
    private let keep: Int

    public init(pipeSize: Int, keep: Int = 256) {
        self.pipeSize = pipeSize
        self.keep = keep
    }

    deinit { for p in free { close(p.readEnd); close(p.writeEnd) } }

    public func take() throws(IOError) -> Pipe {
        if let p = free.popLast() { return p }
        var fds: [Int32] = [0, 0]
        let r = limpet_pipe(&fds, Int32(pipeSize))
        guard r == 0 else { throw IOError("pipe2", errno: -r) }
        return Pipe(readEnd: fds[0], writeEnd: fds[1])
    }

    /// Returns a pipe; one that may still hold bytes is closed instead of reused.
    public func give(_ pipe: Pipe, empty: Bool) {
        if empty && free.count < keep {
            free.append(pipe)
        } else {
            close(pipe.readEnd)
            close(pipe.writeEnd)
        }
    }
}
