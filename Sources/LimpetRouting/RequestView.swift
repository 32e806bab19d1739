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

    public init(method: UnsafeRawBufferPointer, host: UnsafeRawBufferPointer,
                path: UnsafeRawBufferPointer, query: UnsafeRawBufferPointer) {
        self.method = method
        self.host = host
        self.path = path
        self.query = query
    }
}
