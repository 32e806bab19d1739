/// The HTTP versions Limpet speaks on the wire.
public enum HTTPVersion: UInt8, Sendable {
    case http10, http11
}

/// A request method; unrecognised tokens are `.other` (the bytes stay in `RequestHead.methodSpan`).
public enum Method: UInt8, Sendable {
    case get, head, post, put, delete, connect, options, trace, patch, other

    /// Idempotent per RFC 9110 §9.2.2: a request that may be retried on a fresh upstream connection.
    @inlinable
    public var isIdempotent: Bool {
        switch self {
        case .get, .head, .put, .delete, .options, .trace: return true
        case .post, .connect, .patch, .other: return false
        }
    }

    /// Recognises a method token (case-sensitive, RFC 9110 §9.1).
    @usableFromInline
    static func classify(_ b: UnsafeRawBufferPointer, at o: Int, count: Int) -> Method {
        let span = Span(o, o + count)
        switch count {
        case 3:
            if span.equals("GET", in: b) { return .get }
            if span.equals("PUT", in: b) { return .put }
        case 4:
            if span.equals("POST", in: b) { return .post }
            if span.equals("HEAD", in: b) { return .head }
        case 5:
            if span.equals("PATCH", in: b) { return .patch }
            if span.equals("TRACE", in: b) { return .trace }
        case 6:
            if span.equals("DELETE", in: b) { return .delete }
        case 7:
            if span.equals("OPTIONS", in: b) { return .options }
            if span.equals("CONNECT", in: b) { return .connect }
        default:
            break
        }
        return .other
    }
}
