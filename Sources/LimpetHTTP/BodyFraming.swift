/// How the bytes after a head are delimited.
public enum BodyFraming: Equatable, Sendable {
    /// No body follows.
    case none
    /// Exactly this many bytes follow (possibly zero).
    case length(Int64)
    /// A chunked body follows (follow it with `ChunkedScanner`).
    case chunked
    /// The body runs until the upstream closes (responses only).
    case untilClose
    /// After a 101 to an upgrade request, bytes flow both ways until either side closes.
    case tunnel
}

extension RequestHead {
    /// Framing of the request body (RFC 9112 §6.3): chunked, a length, or none. Never `.untilClose`.
    @inlinable
    public var bodyFraming: BodyFraming {
        if chunked { return .chunked }
        if let n = contentLength { return .length(n) }
        return .none
    }
}

/// Framing of a response body (RFC 9112 §6.3), given the request it answers:
/// HEAD, 1xx other than 101, 204 and 304 have none; 101 to an upgrade request is a tunnel;
/// then chunked, Content-Length, or until close.
///
/// A 101 to a request that did not ask for an upgrade yields `.none`; the proxy should treat
/// such a response as a bad gateway.
@inlinable
public func responseBodyFraming(_ response: ResponseHead, requestMethod: Method, requestUpgrade: Bool) -> BodyFraming {
    if requestMethod == .head { return .none }
    let status = response.status
    if status == 101 { return requestUpgrade ? .tunnel : .none }
    if status < 200 || status == 204 || status == 304 { return .none }
    if response.chunked { return .chunked }
    if let n = response.contentLength { return .length(n) }
    return .untilClose
}
