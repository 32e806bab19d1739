/// A compiled router rule (Traefik v3 syntax, see `RuleParser`).
///
/// No allocation unless the rule uses a regex: every other argument is stored as bytes, already lower-cased
/// (hosts) or upper-cased (methods), and the request's bytes are folded or percent-decoded while comparing.
/// A regex matcher builds one `String` of the text it searches.
public indirect enum Rule: Sendable, Equatable {
    /// `Host(`a`)`: case-insensitive, port ignored, a trailing dot on either side ignored.
    case host([UInt8])
    /// `HostRegexp(`re`)`: searched in the lower-cased host without its port.
    case hostRegexp(RuleRegex)
    /// `Path(`/a`)`: the whole (percent-decoded) path.
    case path([UInt8])
    /// `PathPrefix(`/a`)`: a prefix of the (percent-decoded) path.
    case pathPrefix([UInt8])
    /// `PathRegexp(`re`)`: searched in the (percent-decoded) path.
    case pathRegexp(RuleRegex)
    /// `Method(`GET`)`: the request method, exactly, after upper-casing the rule's argument.
    case method([UInt8])
    /// `Header(`name`, `value`)`: some field named `name` (any case) has exactly `value`.
    case header(name: [UInt8], value: [UInt8])
    /// `HeaderRegexp(`name`, `re`)`: some field named `name` (any case) has a value `re` matches.
    case headerRegexp(name: [UInt8], RuleRegex)
    /// `Query(`key`, `value`)`: some query parameter `key` has exactly `value`, after decoding as Go's
    /// `url.ParseQuery` does. `Query(`key`)` is `Query(`key`, ``)`: `?key` or `?key=`, not `?key=1`.
    case query(key: [UInt8], value: [UInt8])
    /// `QueryRegexp(`key`, `re`)`: some decoded value of query parameter `key` matches `re`.
    case queryRegexp(key: [UInt8], RuleRegex)
    /// `ClientIP(`10.0.0.0/8`)`: the TCP peer address (never `X-Forwarded-For`) is in the range.
    case clientIP(IPRange)
    case and(Rule, Rule)
    case or(Rule, Rule)
    case not(Rule)

    /// Whether the request satisfies the rule.
    public func matches(_ r: RequestView) -> Bool {
        switch self {
        case .host(let pattern):
            return Rule.hostMatches(r.host, pattern)
        case .hostRegexp(let regex):
            return Rule.hostRegexpMatches(r.host, regex)
        case .path(let pattern):
            return Rule.pathMatches(r.path, pattern, prefix: false)
        case .pathPrefix(let pattern):
            return Rule.pathMatches(r.path, pattern, prefix: true)
        case .pathRegexp(let regex):
            return regex.matches(Rule.decodedPath(r.path))
        case .method(let pattern):
            return Rule.bytesEqual(r.method, 0, r.method.count, pattern)
        case .header(let name, let value):
            return Rule.headerMatches(r, name) { Rule.bytesEqual($0, 0, $0.count, value) }
        case .headerRegexp(let name, let regex):
            return Rule.headerMatches(r, name) { regex.matches(utf8: $0) }
        case .query(let key, let value):
            return Rule.queryMatches(r.query, key) { q, range in Rule.queryComponentEquals(q, range, value) }
        case .queryRegexp(let key, let regex):
            return Rule.queryMatches(r.query, key) { q, range in regex.matches(Rule.decodedQueryComponent(q, range)) }
        case .clientIP(let range):
            guard let peer = r.peer else { return false }
            return range.containsPeer(peer)
        case .and(let lhs, let rhs):
            return lhs.matches(r) && rhs.matches(r)
        case .or(let lhs, let rhs):
            return lhs.matches(r) || rhs.matches(r)
        case .not(let inner):
            return !inner.matches(r)
        }
    }

    // MARK: - Byte helpers

    /// The host part of a `Host` value, as Go's `net.SplitHostPort` would give it: `[v6]:port` → `v6`,
    /// `name:port` → `name`; anything else (no port, bare IPv6, `[v6]` without port) is kept whole.
    static func hostBounds(_ h: UnsafeRawBufferPointer) -> (start: Int, end: Int) {
        let count = h.count
        guard count > 0 else { return (0, 0) }
        if h[0] == UInt8(ascii: "[") {
            var i = 1
            while i < count && h[i] != UInt8(ascii: "]") { i += 1 }
            if i + 1 < count && h[i + 1] == UInt8(ascii: ":") { return (1, i) }
            return (0, count)
        }
        var colon = -1
        for i in 0..<count where h[i] == UInt8(ascii: ":") {
            if colon >= 0 { return (0, count) }  // more than one colon: a bare IPv6 address
            colon = i
        }
        return colon >= 0 ? (0, colon) : (0, count)
    }

    static func hostMatches(_ h: UnsafeRawBufferPointer, _ pattern: [UInt8]) -> Bool {
        let (start, end) = hostBounds(h)
        guard end > start else { return false }
        if foldedEqual(h, start, end, pattern, pattern.count) { return true }
        let dot = UInt8(ascii: ".")
        if let last = pattern.last, last == dot, foldedEqual(h, start, end, pattern, pattern.count - 1) {
            return true
        }
        if h[end - 1] == dot, foldedEqual(h, start, end - 1, pattern, pattern.count) { return true }
        return false
    }

    /// Compares `h[start..<end]`, ASCII-lower-cased, with `pattern[0..<patternCount]` (already lower case).
    static func foldedEqual(_ h: UnsafeRawBufferPointer, _ start: Int, _ end: Int,
                            _ pattern: [UInt8], _ patternCount: Int) -> Bool {
        guard end - start == patternCount else { return false }
        var i = start
        var j = 0
        while i < end {
            var b = h[i]
            if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") { b |= 0x20 }
            if b != pattern[j] { return false }
            i += 1
            j += 1
        }
        return true
    }

    static func bytesEqual(_ h: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ pattern: [UInt8]) -> Bool {
        guard end - start == pattern.count else { return false }
        var i = start
        for b in pattern {
            if h[i] != b { return false }
            i += 1
        }
        return true
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Compares the percent-decoded request path with the pattern (as Traefik compares `URL.Path`).
    static func pathMatches(_ p: UnsafeRawBufferPointer, _ pattern: [UInt8], prefix: Bool) -> Bool {
        let count = p.count
        var i = 0
        var j = 0
        while i < count {
            if j == pattern.count { return prefix }
            var b = p[i]
            var step = 1
            if b == UInt8(ascii: "%"), i + 2 < count, let hi = hexValue(p[i + 1]), let lo = hexValue(p[i + 2]) {
                b = hi << 4 | lo
                step = 3
            }
            if b != pattern[j] { return false }
            i += step
            j += 1
        }
        return j == pattern.count
    }
}
