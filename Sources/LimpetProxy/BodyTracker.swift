import LimpetHTTP

/// Where a streamed body stands: how many of the bytes that arrive still belong to it, and when it ends.
/// The bytes themselves are forwarded unchanged (chunked framing included); this only counts them.
struct BodyTracker {
    enum State {
        case complete
        case length(Int64)
        case chunked(ChunkedScanner)
        case untilClose
        case tunnel
    }

    var state: State

    init(_ framing: BodyFraming) {
        switch framing {
        case .none: state = .complete
        case .length(let n): state = n == 0 ? .complete : .length(n)
        case .chunked: state = .chunked(ChunkedScanner())
        case .untilClose: state = .untilClose
        case .tunnel: state = .tunnel
        }
    }

    var isComplete: Bool {
        if case .complete = state { return true }
        return false
    }

    /// Ends at the source's end of stream rather than at a length or a last chunk.
    var endsAtClose: Bool {
        switch state {
        case .untilClose, .tunnel: true
        default: false
        }
    }

    /// How many of `bytes` belong to the body (the rest is the next message); nil when the framing is broken.
    mutating func take(_ bytes: UnsafeRawBufferPointer) -> Int? {
        switch state {
        case .complete:
            return 0
        case .length(let remaining):
            let n = Int(min(Int64(bytes.count), remaining))
            state = remaining == Int64(n) ? .complete : .length(remaining - Int64(n))
            return n
        case .chunked(var scanner):
            switch scanner.scan(bytes) {
            case .consumed(let n):
                state = .chunked(scanner)
                return n
            case .done(let n):
                state = .complete
                return n
            case .failure:
                return nil
            }
        case .untilClose, .tunnel:
            return bytes.count
        }
    }

    /// Bytes that may be moved without looking at them (by splice), or 0.
    var opaqueRemaining: Int64 {
        switch state {
        case .length(let n): n
        case .chunked(let scanner): scanner.dataRemaining
        case .untilClose, .tunnel: .max
        case .complete: 0
        }
    }

    /// Records `n` bytes moved without looking at them.
    mutating func skip(_ n: Int) {
        switch state {
        case .length(let remaining):
            state = remaining == Int64(n) ? .complete : .length(remaining - Int64(n))
        case .chunked(var scanner):
            scanner.skipData(Int64(n))
            state = .chunked(scanner)
        default:
            break
        }
    }
}
