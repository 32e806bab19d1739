/// The header fields the proxy acts on, recognised by name while scanning.
public enum HeaderKind: UInt8, Sendable {
    case other, host, cookie, contentLength, transferEncoding, connection, keepAlive, proxyConnection, te, trailer,
        upgrade, expect, xForwardedFor, xForwardedProto, xForwardedHost, xForwardedPort, xForwardedServer, xRealIP,
        setCookie, proxyAuthenticate, proxyAuthorization

    /// Hop-by-hop by definition (RFC 9110 §7.6.1), whatever `Connection` says.
    /// `Transfer-Encoding` is not: the body is forwarded verbatim, chunked framing and all, and the head
    /// writer sends the framing line its parse calls for.
    @inlinable
    public var isHopByHop: Bool {
        switch self {
        case .connection, .keepAlive, .proxyConnection, .te, .trailer, .upgrade: return true
        default: return false
        }
    }

    /// One of the `X-Forwarded-*` or `X-Real-Ip` headers the proxy sets itself.
    @inlinable
    public var isForwarding: Bool {
        switch self {
        case .xForwardedFor, .xForwardedProto, .xForwardedHost, .xForwardedPort, .xForwardedServer, .xRealIP:
            return true
        default: return false
        }
    }

    /// Recognises a header name, ASCII case-insensitively, without allocating.
    public static func classify(_ name: UnsafeRawBufferPointer) -> HeaderKind {
        for b in name where !ASCII.isTChar(b) { return .other }
        return classify(name, at: 0, count: name.count)
    }

    /// Recognises the `count` bytes at `o`, which must all be tchars (the scanners check).
    @usableFromInline
    static func classify(_ b: UnsafeRawBufferPointer, at o: Int, count: Int) -> HeaderKind {
        switch count {
        case 2:
            return b.matchesLowercase(at: o, "te") ? .te : .other
        case 4:
            return b.matchesLowercase(at: o, "host") ? .host : .other
        case 6:
            switch ASCII.lower(b[o]) {
            case 0x63: return b.matchesLowercase(at: o, "cookie") ? .cookie : .other
            case 0x65: return b.matchesLowercase(at: o, "expect") ? .expect : .other
            default: return .other
            }
        case 7:
            switch ASCII.lower(b[o]) {
            case 0x74: return b.matchesLowercase(at: o, "trailer") ? .trailer : .other
            case 0x75: return b.matchesLowercase(at: o, "upgrade") ? .upgrade : .other
            default: return .other
            }
        case 9:
            return b.matchesLowercase(at: o, "x-real-ip") ? .xRealIP : .other
        case 10:
            switch ASCII.lower(b[o]) {
            case 0x63: return b.matchesLowercase(at: o, "connection") ? .connection : .other
            case 0x6B: return b.matchesLowercase(at: o, "keep-alive") ? .keepAlive : .other
            case 0x73: return b.matchesLowercase(at: o, "set-cookie") ? .setCookie : .other
            default: return .other
            }
        case 14:
            return b.matchesLowercase(at: o, "content-length") ? .contentLength : .other
        case 15:
            return b.matchesLowercase(at: o, "x-forwarded-for") ? .xForwardedFor : .other
        case 16:
            switch ASCII.lower(b[o]) {
            case 0x70: return b.matchesLowercase(at: o, "proxy-connection") ? .proxyConnection : .other
            case 0x78:
                if b.matchesLowercase(at: o, "x-forwarded-host") { return .xForwardedHost }
                if b.matchesLowercase(at: o, "x-forwarded-port") { return .xForwardedPort }
                return .other
            default: return .other
            }
        case 17:
            switch ASCII.lower(b[o]) {
            case 0x74: return b.matchesLowercase(at: o, "transfer-encoding") ? .transferEncoding : .other
            case 0x78: return b.matchesLowercase(at: o, "x-forwarded-proto") ? .xForwardedProto : .other
            default: return .other
            }
        case 18:
            switch ASCII.lower(b[o]) {
            case 0x78: return b.matchesLowercase(at: o, "x-forwarded-server") ? .xForwardedServer : .other
            case 0x70: return b.matchesLowercase(at: o, "proxy-authenticate") ? .proxyAuthenticate : .other
            default: return .other
            }
        case 19:
            return b.matchesLowercase(at: o, "proxy-authorization") ? .proxyAuthorization : .other
        default:
            return .other
        }
    }
}

/// One header field line of a scanned head.
public struct HeaderEntry: Sendable {
    /// The field name as received.
    public var name: Span
    /// The field value with leading and trailing SP/HTAB removed.
    public var value: Span
    /// What the name was recognised as.
    public var kind: HeaderKind
    /// True for `Connection`, `Keep-Alive`, `Proxy-Connection`, `TE`, `Trailer`, `Upgrade`, and for any
    /// header named by a `Connection` token — except `Host`, `Content-Length` and `Transfer-Encoding`,
    /// which the proxy needs whatever `Connection` says (the head writer regenerates the framing pair).
    public var hopByHop: Bool

    /// Creates an entry.
    @inlinable
    public init(name: Span, value: Span, kind: HeaderKind, hopByHop: Bool) {
        self.name = name
        self.value = value
        self.kind = kind
        self.hopByHop = hopByHop
    }
}

/// A fixed-capacity table of header entries, allocated once and reused for every scan.
///
/// A table belongs to one event loop; each scan starts by emptying it. Entries hold offsets
/// into the buffer that was scanned.
public final class HeaderTable {
    @usableFromInline let storage: UnsafeMutablePointer<HeaderEntry>
    /// The most entries a scan can record; one more header fails the scan (431 for requests).
    public let capacity: Int
    /// Confined to one loop and never accessed overlappingly: skip dynamic exclusivity checks.
    @exclusivity(unchecked) @usableFromInline var _count: Int = 0

    /// Allocates room for `capacity` entries (at least one).
    public init(capacity: Int = 128) {
        self.capacity = max(1, capacity)
        storage = .allocate(capacity: self.capacity)
        storage.initialize(
            repeating: HeaderEntry(name: .empty, value: .empty, kind: .other, hopByHop: false),
            count: self.capacity)
    }

    deinit {
        storage.deinitialize(count: capacity)
        storage.deallocate()
    }

    /// Number of entries recorded by the last scan.
    @inlinable
    public var count: Int { _count }

    /// The `i`th header in the order received.
    @inlinable
    public subscript(i: Int) -> HeaderEntry {
        get {
            precondition(i >= 0 && i < _count, "header index out of range")
            return storage[i]
        }
        set {
            precondition(i >= 0 && i < _count, "header index out of range")
            storage[i] = newValue
        }
    }

    /// Forgets all entries.
    @inlinable
    public func removeAll() { _count = 0 }

    /// Index of the first entry of `kind` at or after `from`.
    @inlinable
    public func firstIndex(of kind: HeaderKind, from: Int = 0) -> Int? {
        var i = from
        while i < _count {
            if storage[i].kind == kind { return i }
            i += 1
        }
        return nil
    }

    /// Index of the first entry at or after `from` whose name equals `name` ASCII case-insensitively
    /// (for headers a routing rule names).
    @inlinable
    public func firstIndex(named name: UnsafeRawBufferPointer, in source: UnsafeRawBufferPointer, from: Int = 0)
        -> Int?
    {
        var i = from
        while i < _count {
            if storage[i].name.equalsCaseInsensitive(name, in: source) { return i }
            i += 1
        }
        return nil
    }

    /// Appends an entry; false when the table is full.
    @usableFromInline
    func append(_ entry: HeaderEntry) -> Bool {
        guard _count < capacity else { return false }
        storage[_count] = entry
        _count += 1
        return true
    }
}
