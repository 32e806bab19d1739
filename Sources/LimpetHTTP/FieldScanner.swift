/// Iterates the elements of a comma-separated list value (RFC 9110 §5.6.1) with OWS trimmed.
/// Empty elements are returned too; callers decide whether they are allowed.
@usableFromInline
struct ListElements {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline var pos: Int
    @usableFromInline let end: Int

    @inlinable
    init(_ bytes: UnsafeRawBufferPointer, _ span: Span) {
        self.bytes = bytes
        pos = Int(span.start)
        end = Int(span.end)
    }

    /// The next element (possibly empty), or nil after the last one.
    @inlinable
    mutating func next() -> Span? {
        guard pos <= end else { return nil }
        var s = pos
        var e = pos
        while e < end && bytes[e] != ASCII.comma { e += 1 }
        pos = e + 1
        while s < e && ASCII.isOWS(bytes[s]) { s += 1 }
        while e > s && ASCII.isOWS(bytes[e - 1]) { e -= 1 }
        return Span(s, e)
    }
}

/// What the header fields of one head said about framing, connection and routing.
struct FieldFacts {
    var hostCount = 0
    var host = Span.empty
    var hostInvalid = false
    var contentLength: Int64?
    var transferEncoding = false
    var teSyntaxError = false
    var teUnknown = false
    /// A coding other than chunked that HTTP defines (gzip, deflate, compress, identity).
    var teOtherCoding = false
    var chunkedCount = 0
    var lastCodingChunked = false
    var connectionClose = false
    var connectionKeepAlive = false
    var connectionUpgrade = false
    var connectionOther = false
    var upgradeHeader = false
    var expectContinue = false

    /// The Transfer-Encoding verdict once all fields are known: nil when acceptable (or absent).
    ///
    /// `chunked` is the only coding accepted, once, with any empty list elements ignored (RFC 9110 §5.6.1
    /// asks recipients to skip them): a message that passes is framed exactly as `Transfer-Encoding: chunked`,
    /// which is what the head writer sends on. An unknown coding, or another coding applied before chunked
    /// (`gzip, chunked`), is 501, as Go's server (Traefik) and nginx answer; every other problem is 400.
    func transferEncodingProblem() -> (status: Int, reason: StaticString)? {
        guard transferEncoding else { return nil }
        if teSyntaxError { return (400, "malformed Transfer-Encoding") }
        if teUnknown { return (501, "unknown transfer coding") }
        if chunkedCount > 1 { return (400, "chunked applied more than once") }
        if !lastCodingChunked { return (400, "Transfer-Encoding does not end in chunked") }
        if teOtherCoding { return (501, "transfer coding other than chunked") }
        return nil
    }
}

/// Outcome of scanning the field lines of a head.
enum FieldScan {
    /// The head ends at this offset (just after the empty line).
    case complete(Int)
    case incomplete
    case failure(Int, StaticString)
}

/// The header-field syntax shared by requests and responses (RFC 9112 §5): lines end in CRLF only,
/// names are tokens followed directly by a colon, no obs-fold, no control bytes in values.
enum FieldScanner {
    static func scan(
        _ b: UnsafeRawBufferPointer, from start: Int, limit: Int, headers: HeaderTable, facts: inout FieldFacts
    ) -> FieldScan {
        var i = start
        while true {
            guard i < limit else { return .incomplete }
            let first = b[i]
            if first == ASCII.cr {
                guard i + 1 < limit else { return .incomplete }
                guard b[i + 1] == ASCII.lf else { return .failure(400, "CR not followed by LF") }
                if facts.connectionOther { markConnectionListed(b, headers) }
                return .complete(i + 2)
            }
            if ASCII.isOWS(first) { return .failure(400, "obsolete line folding") }

            // Field name: a token immediately followed by ':'.
            let nameStart = i
            while i < limit && ASCII.isTChar(b[i]) { i += 1 }
            guard i < limit else { return .incomplete }
            let stop = b[i]
            if stop != ASCII.colon {
                if ASCII.isOWS(stop) { return .failure(400, "whitespace before colon") }
                if stop == ASCII.lf { return .failure(400, "bare LF") }
                return .failure(400, "invalid byte in header name")
            }
            if i == nameStart { return .failure(400, "empty header name") }
            let nameEnd = i
            i += 1

            // Field value: OWS, then VCHAR / obs-text / SP / HTAB up to CRLF.
            while i < limit && ASCII.isOWS(b[i]) { i += 1 }
            let valueStart = i
            value: while true {
                // Eight ordinary bytes at a time, then up to eight one by one.
                while i &+ 8 <= limit && !ASCII.hasControlByte(b.loadUnaligned(fromByteOffset: i, as: UInt64.self)) {
                    i &+= 8
                }
                let stop = min(i &+ 8, limit)
                while i < stop {
                    let v = b[i]
                    if v >= 0x20 {
                        if v == 0x7F { return .failure(400, "control byte in header value") }
                    } else if v == ASCII.cr {
                        break value
                    } else if v != ASCII.htab {
                        if v == ASCII.lf { return .failure(400, "bare LF") }
                        if v == 0 { return .failure(400, "NUL in header value") }
                        return .failure(400, "control byte in header value")
                    }
                    i &+= 1
                }
                if i >= limit { break }
            }
            guard i + 1 < limit else { return .incomplete }
            guard b[i + 1] == ASCII.lf else { return .failure(400, "CR not followed by LF") }
            var valueEnd = i
            while valueEnd > valueStart && ASCII.isOWS(b[valueEnd - 1]) { valueEnd -= 1 }
            i += 2

            let kind = HeaderKind.classify(b, at: nameStart, count: nameEnd - nameStart)
            let value = Span(valueStart, valueEnd)
            let entry = HeaderEntry(name: Span(nameStart, nameEnd), value: value, kind: kind, hopByHop: kind.isHopByHop)
            guard headers.append(entry) else { return .failure(431, "too many header fields") }
            if kind != .other, let problem = record(kind, value, b, &facts) { return .failure(400, problem) }
        }
    }

    /// Folds one recognised field into `facts`; returns a reason when the field is unacceptable on its own.
    static func record(_ kind: HeaderKind, _ value: Span, _ b: UnsafeRawBufferPointer, _ facts: inout FieldFacts)
        -> StaticString?
    {
        switch kind {
        case .host:
            facts.hostCount += 1
            facts.host = value
            var i = Int(value.start)
            while i < Int(value.end) {
                if !ASCII.isHostChar(b[i]) { facts.hostInvalid = true }
                i += 1
            }
        case .contentLength:
            var list = ListElements(b, value)
            while let element = list.next() {
                guard let n = parseDecimal(b, element) else { return "malformed Content-Length" }
                if let seen = facts.contentLength, seen != n { return "conflicting Content-Length values" }
                facts.contentLength = n
            }
        case .transferEncoding:
            facts.transferEncoding = true
            var list = ListElements(b, value)
            while let coding = list.next() {
                if coding.isEmpty { continue }
                var i = Int(coding.start)
                while i < Int(coding.end) {
                    if !ASCII.isTChar(b[i]) { facts.teSyntaxError = true }
                    i += 1
                }
                if coding.equalsCaseInsensitive("chunked", in: b) {
                    facts.chunkedCount += 1
                    facts.lastCodingChunked = true
                } else {
                    facts.lastCodingChunked = false
                    facts.teOtherCoding = true
                    if !(coding.equalsCaseInsensitive("gzip", in: b) || coding.equalsCaseInsensitive("deflate", in: b)
                        || coding.equalsCaseInsensitive("compress", in: b)
                        || coding.equalsCaseInsensitive("identity", in: b))
                    {
                        facts.teUnknown = true
                    }
                }
            }
        case .connection:
            var list = ListElements(b, value)
            while let option = list.next() {
                if option.isEmpty { continue }
                if option.equalsCaseInsensitive("close", in: b) {
                    facts.connectionClose = true
                } else if option.equalsCaseInsensitive("keep-alive", in: b) {
                    facts.connectionKeepAlive = true
                } else if option.equalsCaseInsensitive("upgrade", in: b) {
                    facts.connectionUpgrade = true
                } else {
                    facts.connectionOther = true
                }
            }
        case .upgrade:
            if !value.isEmpty { facts.upgradeHeader = true }
        case .expect:
            var list = ListElements(b, value)
            while let expectation = list.next() {
                if expectation.equalsCaseInsensitive("100-continue", in: b) { facts.expectContinue = true }
            }
        default:
            break
        }
        return nil
    }

    /// A non-empty run of digits that fits in `Int64`; no sign, no whitespace.
    static func parseDecimal(_ b: UnsafeRawBufferPointer, _ span: Span) -> Int64? {
        guard !span.isEmpty else { return nil }
        var n: Int64 = 0
        var i = Int(span.start)
        while i < Int(span.end) {
            let d = b[i] &- 0x30
            guard d < 10 else { return nil }
            let (times10, o1) = n.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int64(d))
            if o1 || o2 { return nil }
            n = sum
            i += 1
        }
        return n
    }

    /// Marks every header named by a `Connection` option as hop-by-hop (RFC 9110 §7.6.1).
    /// `Host`, `Content-Length` and `Transfer-Encoding` are never marked: routing and framing need them.
    static func markConnectionListed(_ b: UnsafeRawBufferPointer, _ headers: HeaderTable) {
        var c = 0
        while let ci = headers.firstIndex(of: .connection, from: c) {
            c = ci + 1
            var list = ListElements(b, headers[ci].value)
            while let option = list.next() {
                if option.isEmpty || option.equalsCaseInsensitive("close", in: b)
                    || option.equalsCaseInsensitive("keep-alive", in: b)
                    || option.equalsCaseInsensitive("upgrade", in: b)
                {
                    continue
                }
                let name = option.bytes(in: b)
                for h in 0..<headers.count {
                    var entry = headers[h]
                    if entry.hopByHop { continue }
                    switch entry.kind {
                    case .host, .contentLength, .transferEncoding: continue
                    default: break
                    }
                    if entry.name.equalsCaseInsensitive(name, in: b) {
                        entry.hopByHop = true
                        headers[h] = entry
                    }
                }
            }
        }
    }
}
