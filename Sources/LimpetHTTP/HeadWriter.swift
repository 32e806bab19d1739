/// What the proxy adds to a forwarded request (SPEC §6 "Forwarded").
public struct ForwardingInfo {
    /// The client's address as text (no port).
    public var clientIP: UnsafeRawBufferPointer
    /// The peer is in `forwardedHeaders.trustedIPs`: its `X-Forwarded-*` headers are kept.
    public var trustForwarded: Bool
    /// The entry point's scheme for `X-Forwarded-Proto`.
    public var proto: StaticString
    /// The proxy's host name for `X-Forwarded-Server`.
    public var serverName: UnsafeRawBufferPointer
    /// The `Host` to send instead of the client's (when `passHostHeader` is false), e.g. `127.0.0.1:9001`.
    public var hostOverride: UnsafeRawBufferPointer?
    /// `X-Forwarded-Port` when the effective host names no port.
    public var defaultPort: StaticString
    /// The path to send instead of the received one (`stripPrefix`, `addPrefix`); the query is kept.
    public var pathOverride: UnsafeRawBufferPointer?
    /// `customRequestHeaders` of the router's `headers` middlewares.
    public var edits: HeaderEdits?
    /// Complete header lines (`Name: value\r\n`) to add, such as `X-Forwarded-Prefix`.
    public var extraLines: UnsafeRawBufferPointer?

    /// Creates forwarding information for one request.
    public init(
        clientIP: UnsafeRawBufferPointer, trustForwarded: Bool = false, proto: StaticString = "http",
        serverName: UnsafeRawBufferPointer, hostOverride: UnsafeRawBufferPointer? = nil,
        defaultPort: StaticString = "80", pathOverride: UnsafeRawBufferPointer? = nil, edits: HeaderEdits? = nil,
        extraLines: UnsafeRawBufferPointer? = nil
    ) {
        self.clientIP = clientIP
        self.trustForwarded = trustForwarded
        self.proto = proto
        self.serverName = serverName
        self.hostOverride = hostOverride
        self.defaultPort = defaultPort
        self.pathOverride = pathOverride
        self.edits = edits
        self.extraLines = extraLines
    }
}

/// Writes the heads the proxy sends: upstream requests, client responses and its own small answers.
/// Header lines that are kept are copied as received (name, colon, value), each ending in CRLF.
public enum HeadWriter {
    /// Writes the upstream request head: `METHOD originForm HTTP/1.1` (`HTTP/1.0` for an HTTP/1.0 client, see
    /// below), then `Host` (`hostOverride`, else
    /// the effective host — the absolute-form authority wins — else empty), then every received header
    /// except hop-by-hop ones (`Connection`, `Keep-Alive`, `Proxy-Connection`, `TE`, `Trailer`, `Upgrade`,
    /// every header a `Connection` option names) and except `Host`, then the forwarding headers, then
    /// `Connection: Upgrade` when `head.upgrade` (the `Upgrade` header is then kept), then CRLF.
    /// The framing fields are Limpet's own (`writeFraming`): whatever `Content-Length` or `Transfer-Encoding`
    /// lines came in, the request goes out with the one line its parse says, so no downstream parser can
    /// read a list, a repeat, a leading zero or an empty element differently from Limpet.
    ///
    /// An HTTP/1.0 client's request goes upstream as HTTP/1.0 with `Connection: keep-alive`: a server must not
    /// answer HTTP/1.0 with chunked framing (RFC 9112 §6.1), which such a client cannot read, so the response
    /// comes with a `Content-Length` or delimited by the close, and the upstream connection stays poolable when
    /// the server keeps it alive.
    ///
    /// Forwarding headers: `X-Forwarded-For` is the client IP, appended to the received values
    /// (`a, b, client`) when the peer is trusted. Untrusted peers' `X-Forwarded-*` (any name with that
    /// prefix) and `X-Real-Ip` are dropped and replaced by `X-Forwarded-Proto` (`info.proto`),
    /// `X-Forwarded-Host` (the effective host), `X-Forwarded-Port` (the effective host's port, else
    /// `info.defaultPort`), `X-Forwarded-Server` (`info.serverName`) and `X-Real-Ip` (client IP).
    /// A trusted peer's `X-Forwarded-Proto`, `-Host`, `-Port` and `X-Real-Ip` are kept and only set when
    /// absent (as Traefik does); `X-Forwarded-Server` is always the proxy's.
    ///
    /// Middlewares: `info.pathOverride` replaces the path (the query follows it), `info.edits` drops the
    /// received fields it names and adds its lines after the received fields (its `host` replaces the
    /// client's Host, `hostOverride` still wins), and `info.extraLines` follow them.
    public static func writeRequest(
        _ head: RequestHead, headers: HeaderTable, source: UnsafeRawBufferPointer, info: ForwardingInfo,
        into w: inout ByteWriter
    ) {
        let b = source
        w.append(span: head.methodSpan, of: b)
        w.append(byte: ASCII.sp)
        if let path = info.pathOverride {
            w.append(path)
            if !head.query.isEmpty {
                w.append(byte: ASCII.question)
                w.append(span: head.query, of: b)
            }
        } else {
            if !head.originForm.isEmpty && b[Int(head.originForm.start)] == ASCII.question { w.append(byte: ASCII.slash) }
            w.append(span: head.originForm, of: b)
        }
        w.append(head.version == .http10 ? " HTTP/1.0\r\nHost: " : " HTTP/1.1\r\nHost: ")
        let edits = info.edits
        if let host = info.hostOverride {
            w.append(host)
        } else if let host = edits?.host {
            host.withUnsafeBytes { w.append($0) }
        } else if let host = head.effectiveHost {
            w.append(span: host, of: b)
        }
        w.append("\r\n")

        let trusted = info.trustForwarded
        var hasProto = false
        var hasHost = false
        var hasPort = false
        var hasRealIP = false
        for i in 0..<headers.count {
            let e = headers[i]
            if e.hopByHop && !(head.upgrade && e.kind == .upgrade) { continue }
            if let edits, edits.drops(e.name, in: b) { continue }
            switch e.kind {
            case .host, .xForwardedFor, .xForwardedServer, .contentLength, .transferEncoding:
                continue
            case .xForwardedProto:
                guard trusted else { continue }
                hasProto = true
            case .xForwardedHost:
                guard trusted else { continue }
                hasHost = true
            case .xForwardedPort:
                guard trusted else { continue }
                hasPort = true
            case .xRealIP:
                guard trusted else { continue }
                hasRealIP = true
            case .other:
                if !trusted && isXForwarded(e.name, b) { continue }
            default:
                break
            }
            writeField(e, b, &w)
        }
        writeFraming(contentLength: head.contentLength, chunked: head.chunked, into: &w)
        if let edits { edits.lines.withUnsafeBytes { w.append($0) } }
        if let extra = info.extraLines { w.append(extra) }

        w.append("X-Forwarded-For: ")
        if trusted {
            for i in 0..<headers.count {
                let e = headers[i]
                guard e.kind == .xForwardedFor && !e.hopByHop && !e.value.isEmpty else { continue }
                w.append(span: e.value, of: b)
                w.append(", ")
            }
        }
        w.append(info.clientIP)
        w.append("\r\n")
        if !hasProto {
            w.append("X-Forwarded-Proto: ")
            w.append(info.proto)
            w.append("\r\n")
        }
        if !hasHost, let host = head.effectiveHost {
            w.append("X-Forwarded-Host: ")
            w.append(span: host, of: b)
            w.append("\r\n")
        }
        if !hasPort {
            w.append("X-Forwarded-Port: ")
            if let host = head.effectiveHost, let port = port(of: host, in: b) {
                w.append(span: port, of: b)
            } else {
                w.append(info.defaultPort)
            }
            w.append("\r\n")
        }
        w.append("X-Forwarded-Server: ")
        w.append(info.serverName)
        w.append("\r\n")
        if !hasRealIP {
            w.append("X-Real-Ip: ")
            w.append(info.clientIP)
            w.append("\r\n")
        }
        if head.upgrade {
            w.append("Connection: Upgrade\r\n")
        } else if head.version == .http10 {
            w.append("Connection: keep-alive\r\n")
        }
        w.append("\r\n")
    }

    /// Writes the one framing line a head's parse calls for: `Transfer-Encoding: chunked` (the only transfer
    /// coding the scanners accept), else `Content-Length: N` in canonical decimal, else nothing.
    @inline(__always)
    static func writeFraming(contentLength: Int64?, chunked: Bool, into w: inout ByteWriter) {
        if chunked {
            w.append("Transfer-Encoding: chunked\r\n")
        } else if let n = contentLength {
            w.appendContentLengthLine(n)
        }
    }

    /// Writes the client response head: `HTTP/1.1 <status> <reason as received>`, the headers minus
    /// hop-by-hop ones (for 101 the `Upgrade` header is kept and `Connection: Upgrade` written), then
    /// `extra` verbatim (e.g. `Set-Cookie: …\r\n` lines), then `Connection: keep-alive` when
    /// `announceKeepAlive` (for HTTP/1.0 clients kept alive), `Connection: close` when `close` (not for 101),
    /// then CRLF. `edits` (`customResponseHeaders`) drops the received fields it names and adds its lines
    /// before `extra`. The framing fields are written from the parse (`writeFraming`), and none at all for a
    /// 1xx or a 204, which cannot have a body (RFC 9110 §8.6, §6.4.1); a 304 and the answer to a HEAD keep
    /// theirs, which describe the representation.
    public static func writeResponse(
        _ head: ResponseHead, headers: HeaderTable, source: UnsafeRawBufferPointer, extra: UnsafeRawBufferPointer,
        close: Bool, announceKeepAlive: Bool = false, edits: HeaderEdits? = nil, into w: inout ByteWriter
    ) {
        let b = source
        w.append("HTTP/1.1 ")
        w.append(decimal: Int64(head.status))
        w.append(byte: ASCII.sp)
        w.append(span: head.reason, of: b)
        w.append("\r\n")
        let switching = head.status == 101
        for i in 0..<headers.count {
            let e = headers[i]
            if e.hopByHop && !(switching && e.kind == .upgrade) { continue }
            if e.kind == .contentLength || e.kind == .transferEncoding { continue }
            if let edits, edits.drops(e.name, in: b) { continue }
            writeField(e, b, &w)
        }
        if head.status >= 200 && head.status != 204 {
            writeFraming(contentLength: head.contentLength, chunked: head.chunked, into: &w)
        }
        if switching { w.append("Connection: Upgrade\r\n") }
        if let edits { edits.lines.withUnsafeBytes { w.append($0) } }
        w.append(extra)
        if !switching {
            if close {
                w.append("Connection: close\r\n")
            } else if announceKeepAlive {
                w.append("Connection: keep-alive\r\n")
            }
        }
        w.append("\r\n")
    }

    /// A complete small response: status line, `Content-Type: text/plain; charset=utf-8`,
    /// `Content-Length`, `extra` (complete header lines, e.g. `Location: …\r\n`), `Connection: close` when
    /// `close`, the empty line and `body`.
    public static func writeSimpleResponse(status: Int, body: StaticString, close: Bool,
                                           extra: UnsafeRawBufferPointer? = nil, into w: inout ByteWriter) {
        w.append("HTTP/1.1 ")
        w.append(decimal: Int64(status))
        w.append(byte: ASCII.sp)
        w.append(HTTPStatus.reasonPhrase(status))
        w.append("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ")
        w.append(decimal: Int64(body.utf8CodeUnitCount))
        w.append("\r\n")
        if let extra { w.append(extra) }
        if close { w.append("Connection: close\r\n") }
        w.append("\r\n")
        w.append(body)
    }

    /// Copies one received field line (name through value) and ends it with CRLF.
    static func writeField(_ e: HeaderEntry, _ b: UnsafeRawBufferPointer, _ w: inout ByteWriter) {
        w.append(span: Span(start: e.name.start, end: max(e.value.end, e.name.end + 1)), of: b)
        w.append("\r\n")
    }

    /// Names starting with `X-Forwarded-`, case-insensitively.
    static func isXForwarded(_ name: Span, _ b: UnsafeRawBufferPointer) -> Bool {
        name.count >= 12 && b.matchesLowercase(at: Int(name.start), "x-forwarded-")
    }

    /// The digits after the last `:` of `host[:port]` (or after `]:` for an IPv6 literal); nil when absent.
    static func port(of host: Span, in b: UnsafeRawBufferPointer) -> Span? {
        let start = Int(host.start)
        let end = Int(host.end)
        var colon = end - 1
        while colon >= start {
            let c = b[colon]
            if c == ASCII.colon { break }
            if c == 0x5D || (c &- 0x30) >= 10 { return nil }  // "]" or a non-digit: no port
            colon -= 1
        }
        guard colon >= start, colon + 1 < end else { return nil }
        return Span(colon + 1, end)
    }
}

/// Standard reason phrases.
public enum HTTPStatus {
    /// The reason phrase for `status` (RFC 9110 §15), or `"Unknown"`.
    public static func reasonPhrase(_ status: Int) -> StaticString {
        switch status {
        case 100: return "Continue"
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 206: return "Partial Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 303: return "See Other"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 417: return "Expectation Failed"
        case 421: return "Misdirected Request"
        case 426: return "Upgrade Required"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return "Unknown"
        }
    }
}
