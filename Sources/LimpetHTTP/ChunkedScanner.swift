/// Follows a chunked body (RFC 9112 §7.1) as its bytes pass through unchanged, to find where it ends.
///
/// Feed every byte of the body, in any split, to `scan`; or, while `dataRemaining > 0`, move up to that
/// many bytes without scanning them (for example by splice) and report them with `skipData`.
///
/// Grammar enforced: chunk-size is one or more hex digits (any number of leading zeros, as `1*HEXDIG` allows)
/// worth at most 2^62; extensions are
/// `;name[=token|quoted-string]` with optional whitespace around `;` and `=` (not before CRLF);
/// lines end in CRLF only; chunk data is followed by CRLF; after the last chunk (`0`) come trailer
/// fields with header syntax and the final CRLF. A size line or trailer line longer than 16 KiB fails.
public struct ChunkedScanner: Sendable {
    /// What a call to `scan` found.
    public enum Step: Equatable, Sendable {
        /// All `n` bytes belong to the body; it continues.
        case consumed(Int)
        /// The body ends after the first `n` bytes (last chunk, trailers and final CRLF included);
        /// any further bytes are the next message.
        case done(Int)
        /// The body is malformed; the connection cannot be trusted any more.
        case failure
    }

    @usableFromInline
    enum State: UInt8, Sendable {
        case sizeStart, size, sizeSpace, extNameStart, extName, extNameSpace, extValueStart, extToken, extQuoted,
            extQuotedEscape, extQuotedEnd, extValueSpace, sizeLF, data, dataCR, dataLF, trailerStart, trailerName,
            trailerValue, trailerLF, finalLF, finished, failed
    }

    /// Longest size line (digits and extensions) or trailer line accepted, CRLF excluded.
    public static let maxLineLength = 16 * 1024
    /// Largest chunk size accepted.
    public static let maxChunkSize: Int64 = 1 << 62

    @usableFromInline var state: State = .sizeStart
    /// While reading a size line: the size so far; in `.data`: bytes of the chunk still to come.
    @usableFromInline var remaining: Int64 = 0
    @usableFromInline var lineLength: Int32 = 0

    /// A scanner positioned before the first chunk-size.
    public init() {}

    /// True once the whole body, final CRLF included, has been seen.
    @inlinable
    public var isDone: Bool { state == .finished }

    /// Bytes of chunk data that may be moved without scanning; zero when not inside chunk data.
    @inlinable
    public var dataRemaining: Int64 { state == .data ? remaining : 0 }

    /// Reports `n` bytes (at most `dataRemaining`) moved without `scan`.
    @inlinable
    public mutating func skipData(_ n: Int64) {
        guard n > 0 else { return }
        precondition(state == .data && n <= remaining, "skipData beyond the current chunk")
        remaining -= n
        if remaining == 0 { state = .dataCR }
    }

    /// Scans the next bytes of the body.
    public mutating func scan(_ bytes: UnsafeRawBufferPointer) -> Step {
        switch state {
        case .finished: return .done(0)
        case .failed: return .failure
        default: break
        }
        let n = bytes.count
        var i = 0
        while i < n {
            if state == .data {
                let take = Int(min(remaining, Int64(n - i)))
                i += take
                remaining -= Int64(take)
                if remaining == 0 { state = .dataCR }
                continue
            }
            let b = bytes[i]
            i += 1
            guard advance(b) else {
                state = .failed
                return .failure
            }
            if state == .finished { return .done(i) }
        }
        return .consumed(n)
    }

    /// Moves the state machine over one byte outside chunk data; false when the byte is not allowed.
    mutating func advance(_ b: UInt8) -> Bool {
        switch state {
        case .sizeStart:
            guard let d = ASCII.hexValue(b) else { return false }
            remaining = Int64(d)
            lineLength = 1
            state = .size
            return true
        case .finalLF:
            guard b == ASCII.lf else { return false }
            state = .finished
            return true
        case .sizeLF:
            guard b == ASCII.lf else { return false }
            lineLength = 0
            state = remaining == 0 ? .trailerStart : .data
            return true
        case .dataCR:
            guard b == ASCII.cr else { return false }
            state = .dataLF
            return true
        case .dataLF:
            guard b == ASCII.lf else { return false }
            state = .sizeStart
            return true
        case .trailerLF:
            guard b == ASCII.lf else { return false }
            lineLength = 0
            state = .trailerStart
            return true
        case .data, .finished, .failed:
            return false
        default:
            break
        }

        // Inside a size line or a trailer line: bound its length (CRLF excluded).
        if b != ASCII.cr {
            lineLength += 1
            guard lineLength <= Self.maxLineLength else { return false }
        }

        switch state {
        case .size:
            if let d = ASCII.hexValue(b) {
                // The value bounds the digits that count; the line length bounds the leading zeros.
                guard remaining <= Self.maxChunkSize >> 4 else { return false }
                remaining = (remaining << 4) | Int64(d)
                return remaining <= Self.maxChunkSize
            }
            return endOfSize(b)
        case .sizeSpace:
            if ASCII.isOWS(b) { return true }
            if b == ASCII.semicolon {
                state = .extNameStart
                return true
            }
            return false
        case .extNameStart:
            if ASCII.isOWS(b) { return true }
            guard ASCII.isTChar(b) else { return false }
            state = .extName
            return true
        case .extName:
            if ASCII.isTChar(b) { return true }
            if b == ASCII.equals {
                state = .extValueStart
                return true
            }
            if ASCII.isOWS(b) {
                state = .extNameSpace
                return true
            }
            return endOfSize(b)
        case .extNameSpace:
            if ASCII.isOWS(b) { return true }
            if b == ASCII.equals {
                state = .extValueStart
                return true
            }
            if b == ASCII.semicolon {
                state = .extNameStart
                return true
            }
            return false
        case .extValueStart:
            if ASCII.isOWS(b) { return true }
            if b == ASCII.quote {
                state = .extQuoted
                return true
            }
            guard ASCII.isTChar(b) else { return false }
            state = .extToken
            return true
        case .extToken:
            if ASCII.isTChar(b) { return true }
            if ASCII.isOWS(b) {
                state = .extValueSpace
                return true
            }
            return endOfSize(b)
        case .extQuoted:
            if b == ASCII.quote {
                state = .extQuotedEnd
                return true
            }
            if b == ASCII.backslash {
                state = .extQuotedEscape
                return true
            }
            // qdtext: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
            return b == ASCII.htab || (b >= 0x20 && b != 0x7F)
        case .extQuotedEscape:
            // quoted-pair: "\" ( HTAB / SP / VCHAR / obs-text )
            guard b == ASCII.htab || (b >= 0x20 && b != 0x7F) else { return false }
            state = .extQuoted
            return true
        case .extQuotedEnd:
            if ASCII.isOWS(b) {
                state = .extValueSpace
                return true
            }
            return endOfSize(b)
        case .extValueSpace:
            if ASCII.isOWS(b) { return true }
            if b == ASCII.semicolon {
                state = .extNameStart
                return true
            }
            return false
        case .trailerStart:
            if b == ASCII.cr {
                state = .finalLF
                return true
            }
            guard ASCII.isTChar(b) else { return false }
            state = .trailerName
            return true
        case .trailerName:
            if ASCII.isTChar(b) { return true }
            guard b == ASCII.colon else { return false }
            state = .trailerValue
            return true
        case .trailerValue:
            if b == ASCII.cr {
                state = .trailerLF
                return true
            }
            return b == ASCII.htab || (b >= 0x20 && b != 0x7F)
        default:
            return false
        }
    }

    /// After the digits, a token or a quoted string: CR ends the size line, `;` starts an extension,
    /// whitespace may precede `;`.
    mutating func endOfSize(_ b: UInt8) -> Bool {
        switch b {
        case ASCII.cr: state = .sizeLF
        case ASCII.semicolon: state = .extNameStart
        case ASCII.sp, ASCII.htab: state = .sizeSpace
        default: return false
        }
        return true
    }
}
