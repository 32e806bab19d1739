import LimpetHTTP

/// Takes a response body off the front of the received bytes and removes its framing: `Content-Length`, chunked
/// (framing checked by `ChunkedScanner`, chunk data copied out), or everything until the daemon closes.
struct BodyDecoder {
    enum Framing {
        case length(remaining: Int64)
        case chunked(ChunkedScanner)
        case untilClose
    }

    struct Malformed: Error {}

    private(set) var framing: Framing

    init(_ head: ResponseHead, requestWasHead: Bool = false) {
        if requestWasHead || head.status == 204 || head.status == 304 {
            framing = .length(remaining: 0)
        } else if head.chunked {
            framing = .chunked(ChunkedScanner())
        } else if let length = head.contentLength {
            framing = .length(remaining: length)
        } else {
            framing = .untilClose
        }
    }

    private init(framing: Framing) {
        self.framing = framing
    }

    /// A chunked body.
    static func chunked() -> BodyDecoder { BodyDecoder(framing: .chunked(ChunkedScanner())) }

    /// A body of `length` bytes.
    static func length(_ length: Int64) -> BodyDecoder { BodyDecoder(framing: .length(remaining: length)) }

    /// True when the end of the stream is also the end of the body.
    var endsAtClose: Bool {
        if case .untilClose = framing { return true }
        return false
    }

    /// Moves body bytes from the front of `input` to the end of `output` (framing removed); bytes after the body
    /// stay in `input`. Returns true once the whole body has been seen.
    mutating func decode(_ input: inout [UInt8], into output: inout [UInt8]) throws(Malformed) -> Bool {
        switch framing {
        case .untilClose:
            output.append(contentsOf: input)
            input.removeAll(keepingCapacity: true)
            return false
        case .length(let remaining):
            let take = Int(min(remaining, Int64(input.count)))
            output.append(contentsOf: input[0..<take])
            input.removeFirst(take)
            framing = .length(remaining: remaining - Int64(take))
            return remaining == Int64(take)
        case .chunked(var scanner):
            let (used, outcome) = input.withUnsafeBytes { raw in Self.dechunk(raw, &scanner, into: &output) }
            input.removeFirst(used)
            framing = .chunked(scanner)
            switch outcome {
            case .more: return false
            case .done: return true
            case .malformed: throw Malformed()
            }
        }
    }

    private enum Outcome {
        case more
        case done
        case malformed
    }

    /// Copies chunk data out and steps the scanner over the framing one byte at a time (a size line is a few bytes).
    private static func dechunk(_ raw: UnsafeRawBufferPointer, _ scanner: inout ChunkedScanner,
                                into output: inout [UInt8]) -> (Int, Outcome)
    {
        var i = 0
        while i < raw.count {
            let data = scanner.dataRemaining
            if data > 0 {
                let take = Int(min(data, Int64(raw.count - i)))
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[i..<(i + take)]))
                scanner.skipData(Int64(take))
                i += take
                continue
            }
            switch scanner.scan(UnsafeRawBufferPointer(rebasing: raw[i..<(i + 1)])) {
            case .consumed(let n): i += n
            case .done(let n): return (i + n, .done)
            case .failure: return (i, .malformed)
            }
        }
        return (i, scanner.isDone ? .done : .more)
    }
}
