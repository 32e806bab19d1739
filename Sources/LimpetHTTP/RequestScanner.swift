/// The parts of a request head the proxy needs, as offsets into the scanned buffer.
public struct RequestHead: Sendable {
    /// The recognised method.
    public var method: Method
    /// The method token as received.
    public var methodSpan: Span
    /// The request-target as received.
    public var target: Span
    /// The request's protocol version.
    public var version: HTTPVersion
    /// Path of an origin-form or absolute-form target, without the query; for `*` the `*`.
    /// For an absolute-form target with an empty path it covers a `/` of the target's `://`,
    /// so it always reads as a path.
    public var path: Span
    /// The bytes after `?`; empty when there is none.
    public var query: Span
    /// Path and query as they must be sent upstream: `/p?q` for `http://h/p?q`, `/` for `http://h`.
    /// The one exception is `http://h?q` (empty path with a query): it is `?q`, and a writer
    /// must put a `/` in front (`HeadWriter` does).
    public var originForm: Span
    /// `host[:port]` from an absolute-form (or CONNECT authority-form) target.
    public var authority: Span?
    /// The `Host` header value; nil when absent or empty.
    public var host: Span?
    /// Where the request is going: the absolute-form authority wins over `Host` (RFC 9112 §3.2.2).
    @inlinable
    public var effectiveHost: Span? { authority ?? host }
    /// The `Content-Length`, when present (repeats were identical).
    public var contentLength: Int64?
    /// True when the body is chunked (`Transfer-Encoding` present and validated, ending in `chunked`).
    public var chunked: Bool
    /// HTTP/1.1: true unless `Connection: close`; HTTP/1.0: only with `Connection: keep-alive` (and no close).
    public var keepAlive: Bool
    /// HTTP/1.1 with an `Upgrade` header and `upgrade` among the `Connection` options.
    public var upgrade: Bool
    /// HTTP/1.1 with `Expect: 100-continue`.
    public var expectContinue: Bool
    /// Bytes of the head, including skipped leading CRLFs and the final empty line; the body
    /// (or the next pipelined request) starts here.
    public var headLength: Int

    /// Creates a head; scanners are the usual source.
    public init(
        method: Method, methodSpan: Span, target: Span, version: HTTPVersion, path: Span, query: Span,
        originForm: Span, authority: Span? = nil, host: Span? = nil, contentLength: Int64? = nil,
        chunked: Bool = false, keepAlive: Bool = true, upgrade: Bool = false, expectContinue: Bool = false,
        headLength: Int
    ) {
        self.method = method
        self.methodSpan = methodSpan
        self.target = target
        self.version = version
        self.path = path
        self.query = query
        self.originForm = originForm
        self.authority = authority
        self.host = host
        self.contentLength = contentLength
        self.chunked = chunked
        self.keepAlive = keepAlive
        self.upgrade = upgrade
        self.expectContinue = expectContinue
        self.headLength = headLength
    }
}

/// Outcome of scanning the start of a client's bytes for a request head.
public enum RequestScanResult: Sendable {
    /// A whole, valid head; headers are in the table.
    case complete(RequestHead)
    /// No complete head yet and still room for one: read more.
    case incomplete
    /// The request must be answered with `status` and the connection closed; `reason` is for logs.
    case failure(status: Int, reason: StaticString)
}

/// Scans HTTP/1.1 request heads (RFC 9112 §2–§6) without allocating.
public enum RequestScanner {
    /// Scans `bytes` for one request head, recording header fields in `headers` (emptied first).
    ///
    /// Only the first `maxHeadLength` bytes may hold the head. When they do not and `bytes` already has
    /// that many, the request line's length decides: 414 when it is still unfinished, 431 otherwise.
    /// Syntax errors are reported as soon as they are seen, even in an incomplete head.
    public static func scan(_ bytes: UnsafeRawBufferPointer, headers: HeaderTable, maxHeadLength: Int)
        -> RequestScanResult
    {
        headers.removeAll()
        let b = bytes
        let limit = min(b.count, max(0, maxHeadLength), Int(Int32.max))
        let full = b.count >= maxHeadLength
        var i = 0

        // Leading empty lines (RFC 9112 §2.2).
        while i < limit && b[i] == ASCII.cr {
            guard i + 1 < limit else { return pending(full, lineDone: false) }
            guard b[i + 1] == ASCII.lf else { return .failure(status: 400, reason: "CR not followed by LF") }
            i += 2
        }

        // method SP
        let methodStart = i
        while i < limit && ASCII.isTChar(b[i]) { i += 1 }
        guard i < limit else { return pending(full, lineDone: false) }
        guard b[i] == ASCII.sp else { return .failure(status: 400, reason: "invalid method") }
        guard i > methodStart else { return .failure(status: 400, reason: "empty method") }
        let methodEnd = i
        i += 1

        // request-target SP
        let targetStart = i
        var questionMark = -1
        target: while true {
            // Eight ordinary bytes at a time, then up to eight one by one.
            while i &+ 8 <= limit
                && !ASCII.hasTargetStop(b.loadUnaligned(fromByteOffset: i, as: UInt64.self), question: questionMark < 0)
            {
                i &+= 8
            }
            let stop = min(i &+ 8, limit)
            while i < stop {
                let c = b[i]
                if c == ASCII.sp { break target }
                if c <= 0x20 || c >= 0x7F { return .failure(status: 400, reason: "invalid byte in request target") }
                // A fragment is the user agent's own and never sent (RFC 9112 §3.2): forwarding one would let
                // the next parser choose where the path ends.
                if c == ASCII.hash { return .failure(status: 400, reason: "fragment in request target") }
                if c == ASCII.question && questionMark < 0 { questionMark = i }
                i &+= 1
            }
            guard i < limit else { return pending(full, lineDone: false) }
        }
        guard i > targetStart else { return .failure(status: 400, reason: "empty request target") }
        let targetEnd = i
        i += 1

        // HTTP-version CRLF: exactly "HTTP/" DIGIT "." DIGIT.
        let v = i
        for k in 0..<8 {
            guard v + k < limit else { return pending(full, lineDone: false) }
            let c = b[v + k]
            if c == ASCII.cr || c == ASCII.lf { return .failure(status: 400, reason: "malformed HTTP version") }
        }
        guard v + 8 < limit else { return pending(full, lineDone: false) }
        guard b[v + 8] == ASCII.cr else { return .failure(status: 400, reason: "malformed HTTP version") }
        guard v + 9 < limit else { return pending(full, lineDone: false) }
        guard b[v + 9] == ASCII.lf else { return .failure(status: 400, reason: "CR not followed by LF") }
        let major = b[v + 5] &- 0x30
        let minor = b[v + 7] &- 0x30
        guard Span(v, v + 5).equals("HTTP/", in: b), major < 10, b[v + 6] == 0x2E, minor < 10 else {
            return .failure(status: 400, reason: "malformed HTTP version")
        }
        // A higher minor version of HTTP/1 is read as HTTP/1.1, the highest this end implements
        // (RFC 9110 §6.2); only another major version is 505.
        let version: HTTPVersion
        switch (major, minor) {
        case (1, 0): version = .http10
        case (1, _): version = .http11
        default: return .failure(status: 505, reason: "HTTP version not supported")
        }
        i = v + 10

        let method = Method.classify(b, at: methodStart, count: methodEnd - methodStart)
        let form: TargetForm
        switch parseTarget(b, start: targetStart, end: targetEnd, questionMark: questionMark, method: method) {
        case .valid(let f): form = f
        case .invalid(let reason): return .failure(status: 400, reason: reason)
        }

        var facts = FieldFacts()
        let headEnd: Int
        switch FieldScanner.scan(b, from: i, limit: limit, headers: headers, facts: &facts) {
        case .incomplete: return pending(full, lineDone: true)
        case .failure(let status, let reason): return .failure(status: status, reason: reason)
        case .complete(let end): headEnd = end
        }

        if facts.hostCount > 1 { return .failure(status: 400, reason: "repeated Host") }
        if facts.hostInvalid { return .failure(status: 400, reason: "invalid Host") }
        // Every HTTP/1.1 request carries Host, an absolute-form one too (RFC 9112 §3.2: a server MUST answer
        // 400 without it); its value may be empty only when the target names the authority.
        if version == .http11 {
            if facts.hostCount == 0 { return .failure(status: 400, reason: "missing Host") }
            if form.authority == nil && facts.host.isEmpty { return .failure(status: 400, reason: "empty Host") }
        }
        if facts.transferEncoding {
            if facts.contentLength != nil {
                return .failure(status: 400, reason: "both Content-Length and Transfer-Encoding")
            }
            if version == .http10 { return .failure(status: 400, reason: "Transfer-Encoding in HTTP/1.0") }
            if let problem = facts.transferEncodingProblem() {
                return .failure(status: problem.status, reason: problem.reason)
            }
        }

        let keepAlive: Bool
        if facts.connectionClose {
            keepAlive = false
        } else {
            keepAlive = version == .http11 || facts.connectionKeepAlive
        }
        let head = RequestHead(
            method: method,
            methodSpan: Span(methodStart, methodEnd),
            target: Span(targetStart, targetEnd),
            version: version,
            path: form.path,
            query: form.query,
            originForm: form.originForm,
            authority: form.authority,
            host: facts.hostCount == 1 && !facts.host.isEmpty ? facts.host : nil,
            contentLength: facts.contentLength,
            chunked: facts.transferEncoding,
            keepAlive: keepAlive,
            upgrade: version == .http11 && facts.upgradeHeader && facts.connectionUpgrade,
            expectContinue: version == .http11 && facts.expectContinue,
            headLength: headEnd)
        return .complete(head)
    }

    /// The head is unfinished: wait for more, unless the buffer is already as full as it may get.
    static func pending(_ full: Bool, lineDone: Bool) -> RequestScanResult {
        guard full else { return .incomplete }
        return lineDone
            ? .failure(status: 431, reason: "request head too large")
            : .failure(status: 414, reason: "request line too long")
    }

    struct TargetForm {
        var path: Span
        var query: Span
        var originForm: Span
        var authority: Span?
    }

    enum TargetParse {
        case valid(TargetForm)
        case invalid(StaticString)
    }

    /// Splits a request-target (RFC 9112 §3.2) into the parts routing and forwarding need.
    static func parseTarget(_ b: UnsafeRawBufferPointer, start: Int, end: Int, questionMark: Int, method: Method)
        -> TargetParse
    {
        let query = questionMark >= 0 ? Span(questionMark + 1, end) : Span(end, end)
        let pathEnd = questionMark >= 0 ? questionMark : end
        let first = b[start]

        if method == .connect {
            // authority-form
            guard isAuthority(b, start, end) else { return .invalid("CONNECT needs host:port") }
            let whole = Span(start, end)
            return .valid(TargetForm(path: Span(end, end), query: Span(end, end), originForm: whole, authority: whole))
        }
        if first == ASCII.slash {
            // origin-form
            return .valid(TargetForm(path: Span(start, pathEnd), query: query, originForm: Span(start, end)))
        }
        if first == 0x2A && end - start == 1 {
            // asterisk-form
            guard method == .options else { return .invalid("* target is only for OPTIONS") }
            let star = Span(start, end)
            return .valid(TargetForm(path: star, query: query, originForm: star))
        }

        // absolute-form: scheme "://" authority [path-abempty] ["?" query]
        guard (ASCII.lower(first) &- 0x61) < 26 else { return .invalid("invalid request target") }
        var i = start + 1
        while i < end {
            let c = b[i]
            let isSchemeChar = (ASCII.lower(c) &- 0x61) < 26 || (c &- 0x30) < 10 || c == 0x2B || c == 0x2D || c == 0x2E
            if !isSchemeChar { break }
            i += 1
        }
        guard i + 3 <= end, b[i] == ASCII.colon, b[i + 1] == ASCII.slash, b[i + 2] == ASCII.slash else {
            return .invalid("invalid request target")
        }
        let scheme = Span(start, i)
        guard scheme.equalsCaseInsensitive("http", in: b) || scheme.equalsCaseInsensitive("https", in: b) else {
            return .invalid("unsupported URI scheme")
        }
        let slash = Span(i + 1, i + 2)
        let authorityStart = i + 3
        var authorityEnd = authorityStart
        while authorityEnd < pathEnd && b[authorityEnd] != ASCII.slash { authorityEnd += 1 }
        guard isAuthority(b, authorityStart, authorityEnd) else { return .invalid("invalid authority in target") }
        let authority = Span(authorityStart, authorityEnd)
        if authorityEnd < pathEnd {
            return .valid(
                TargetForm(
                    path: Span(authorityEnd, pathEnd), query: query, originForm: Span(authorityEnd, end),
                    authority: authority))
        }
        // Empty path: "/" (borrowed from "://"), or "?q" which writers prefix with "/".
        let origin = questionMark >= 0 ? Span(questionMark, end) : slash
        return .valid(TargetForm(path: slash, query: query, originForm: origin, authority: authority))
    }

    /// A non-empty `host[:port]` of host characters (no userinfo).
    static func isAuthority(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        guard start < end else { return false }
        for k in start..<end where !ASCII.isHostChar(b[k]) { return false }
        return true
    }
}
