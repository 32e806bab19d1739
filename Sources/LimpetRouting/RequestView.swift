import LimpetHTTP

/// The parts of a request head that routing looks at, as raw bytes inside the connection's read buffer.
///
/// Nothing is copied: the buffers are valid only for the duration of the call they are passed to.
public struct RequestView {
    /// The request method, as received (`GET`).
    public var method: UnsafeRawBufferPointer
    /// The `Host` header value (or the authority of an absolute-form target); may carry `:port`, any case.
    public var host: UnsafeRawBufferPointer
    /// The path of the request target, percent-encoded as received, without the query.
    public var path: UnsafeRawBufferPointer
    /// The query string without the leading `?`; empty when there is none.
    public var query: UnsafeRawBufferPointer
    /// The header fields of this request's head, as the scanner recorded them (spans into `source`);
    /// nil when the caller has none, and then `Header` and `HeaderRegexp` never match.
    public var headers: HeaderTable?
    /// The buffer the head was scanned from, which the spans of `headers` index.
    public var source: UnsafeRawBufferPointer
    /// The TCP peer of the client connection (not `X-Forwarded-For`), for `ClientIP`; nil when unknown, and then
    /// `ClientIP` never matches.
    public var peer: SocketAddress?

    public init(method: UnsafeRawBufferPointer, host: UnsafeRawBufferPointer,
                path: UnsafeRawBufferPointer, query: UnsafeRawBufferPointer,
                headers: HeaderTable? = nil,
                source: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                peer: SocketAddress? = nil) {
        self.method = method
        self.host = host
        self.path = path
        self.query = query
        self.headers = headers
        self.source = source
        self.peer = peer
    }
}
