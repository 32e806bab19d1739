/// The parts of an upstream response head the proxy needs.
public struct ResponseHead: Sendable {
    /// The response's protocol version.
    public var version: HTTPVersion
    /// The three-digit status code.
    public var status: Int
    /// The reason phrase as received (possibly empty).
    public var reason: Span
    /// The `Content-Length`, when present (repeats were identical).
    public var contentLength: Int64?
    /// True when `Transfer-Encoding` is present (validated, ending in `chunked`).
    public var chunked: Bool
    /// False with `Connection: close`, or for HTTP/1.0 without `Connection: keep-alive`.
    public var keepAlive: Bool
    /// An `Upgrade` header with `upgrade` among the `Connection` options (meaningful with 101).
    public var upgrade: Bool
    /// Bytes of the head including the final empty line; the body starts here.
    public var headLength: Int

    /// Creates a head; the scanner is the usual source.
    public init(
        version: HTTPVersion = .http11, status: Int, reason: Span = .empty, contentLength: Int64? = nil,
        chunked: Bool = false, keepAlive: Bool = true, upgrade: Bool = false, headLength: Int = 0
    ) {
        self.version = version
        self.status = status
        self.reason = reason
        self.contentLength = contentLength
        self.chunked = chunked
        self.keepAlive = keepAlive
        self.upgrade = upgrade
        self.headLength = headLength
    }
}

/// Outcome of scanning an upstream's bytes for a response head.
public enum ResponseScanResult: Sendable {
    /// A whole, valid head; headers are in the table.
    case complete(ResponseHead)
    /// No complete head yet and still room for one: read more.
    case incomplete
    /// The upstream sent something unacceptable (the proxy answers 502); `reason` is for logs.
    case failure(reason: StaticString)
}

/// Scans HTTP/1.1 response heads with the same field rules as requests.
public enum ResponseScanner {
    /// Scans `bytes` for one response head, recording header fields in `headers` (emptied first).
    /// A head that does not fit in `maxHeadLength` bytes is a failure.
    public static func scan(_ bytes: UnsafeRawBufferPointer, headers: HeaderTable, maxHeadLength: Int)
        -> ResponseScanResult
    {
        headers.removeAll()
        let b = bytes
        let limit = min(b.count, max(0, maxHeadLength), Int(Int32.max))
        let full = b.count >= maxHeadLength

        // "HTTP/1.x" SP 3DIGIT
        guard limit >= 12 else {
            // Reject early what can never become a status line.
            let prefix: StaticString = "HTTP/1."
            let bad = prefix.withUTF8Buffer { p -> Bool in
                for k in 0..<min(limit, p.count) where b[k] != p[k] { return true }
                return false
            }
            if bad { return .failure(reason: "malformed status line") }
            return full ? .failure(reason: "response head too large") : .incomplete
        }
        guard Span(0, 7).equals("HTTP/1.", in: b), b[8] == ASCII.sp else {
            return .failure(reason: "malformed status line")
        }
        let version: HTTPVersion
        switch b[7] {
        case 0x31: version = .http11
        case 0x30: version = .http10
        default: return .failure(reason: "unsupported HTTP version")
        }
        var status = 0
        for k in 9..<12 {
            let d = b[k] &- 0x30
            guard d < 10 else { return .failure(reason: "malformed status code") }
            status = status * 10 + Int(d)
        }
        guard status >= 100 else { return .failure(reason: "malformed status code") }

        // [SP reason-phrase] CRLF
        var i = 12
        var reasonStart = 12
        guard i < limit else { return full ? .failure(reason: "response head too large") : .incomplete }
        if b[i] == ASCII.sp {
            i += 1
            reasonStart = i
        } else if b[i] != ASCII.cr {
            return .failure(reason: "malformed status code")
        }
        while true {
            guard i < limit else { return full ? .failure(reason: "response head too large") : .incomplete }
            let c = b[i]
            if c == ASCII.cr { break }
            if (c < 0x20 && c != ASCII.htab) || c == 0x7F { return .failure(reason: "control byte in reason phrase") }
            i += 1
        }
        let reason = Span(reasonStart, i)
        guard i + 1 < limit else { return full ? .failure(reason: "response head too large") : .incomplete }
        guard b[i + 1] == ASCII.lf else { return .failure(reason: "CR not followed by LF") }
        i += 2

        var facts = FieldFacts()
        let headEnd: Int
        switch FieldScanner.scan(b, from: i, limit: limit, headers: headers, facts: &facts) {
        case .incomplete: return full ? .failure(reason: "response head too large") : .incomplete
        case .failure(_, let why): return .failure(reason: why)
        case .complete(let end): headEnd = end
        }

        if facts.transferEncoding {
            if facts.contentLength != nil { return .failure(reason: "both Content-Length and Transfer-Encoding") }
            if version == .http10 { return .failure(reason: "Transfer-Encoding in HTTP/1.0") }
            if let problem = facts.transferEncodingProblem() { return .failure(reason: problem.reason) }
        }
        let keepAlive = !facts.connectionClose && (version == .http11 || facts.connectionKeepAlive)
        return .complete(
            ResponseHead(
                version: version, status: status, reason: reason, contentLength: facts.contentLength,
                chunked: facts.transferEncoding, keepAlive: keepAlive,
                upgrade: facts.upgradeHeader && facts.connectionUpgrade, headLength: headEnd))
    }
}
