/// A sticky cookie of one balancer: its attributes, the value of each server, and the exact
/// `Set-Cookie` line for each, all computed once when the snapshot is built.
/// Immutable; a class so that the request path takes it with one retain, not one per field.
public final class StickyCookie: Sendable {
    public let name: String
    public let secure: Bool
    public let httpOnly: Bool
    /// `""`, `None`, `Lax` or `Strict` (normalised from any case; other values become `""`).
    public let sameSite: String
    /// 0: session cookie; negative: `Max-Age=0`.
    public let maxAge: Int
    public let path: String
    /// As configured; `Set-Cookie` carries it without a leading dot, and not at all when it is invalid.
    public let domain: String
    /// SPEC §5.2: when non-empty, values are keyed with it so internal addresses cannot be recovered.
    public let secret: String
    /// Per server index (or child index for a weighted service), as bytes: `hex(sha256(key))[0..<16]`, or
    /// `hex(HMAC-SHA256(key: secret, message: key))[0..<16]` when `secret` is non-empty.
    public let values: [[UInt8]]
    /// The key each value was computed from: the server URL exactly as configured, or the child name.
    public let keys: [String]
    /// `Rendezvous.seed` of each key, for deterministic failover (SPEC §5.2).
    public let seeds: [UInt64]

    private let nameBytes: [UInt8]
    private let lines: [[UInt8]]
    private let alternates: [Alternate]

    private struct Alternate: Sendable {
        let bytes: [UInt8]
        let index: Int
    }

    public enum Match: Equatable, Sendable {
        /// No cookie with our name in this header.
        case absent
        /// The cookie names this server; `canonical` is false for a legacy form (raw URL or FNV hex) that
        /// should be rewritten with `setCookieLine`.
        case server(Int, canonical: Bool)
        /// Our cookie is there but names no current server.
        case unknown
    }

    /// - Parameter keys: per server, the URL exactly as configured (or, for a weighted service, the child
    ///   service name as written).
    public init(name: String, secure: Bool = false, httpOnly: Bool = false, sameSite: String = "",
                maxAge: Int = 0, path: String = "/", domain: String = "", secret: String = "", keys: [String]) {
        self.name = CookieNaming.sanitize(name)
        self.nameBytes = Array(self.name.utf8)
        self.secure = secure
        self.httpOnly = httpOnly
        self.sameSite = StickyCookie.normalizeSameSite(sameSite)
        self.maxAge = maxAge
        self.path = path
        self.domain = domain
        self.secret = secret
        self.keys = keys
        self.seeds = keys.map(Rendezvous.seed)
        let values = keys.map {
            Array((secret.isEmpty ? CookieNaming.value(url: $0) : CookieNaming.value(url: $0, secret: secret)).utf8)
        }
        self.values = values

        // Legacy forms, accepted and rewritten: the raw key and its FNV hex forms; with a secret also the
        // unkeyed sha256 form, so that turning a secret on keeps existing sessions.
        var alternates: [Alternate] = []
        for (index, key) in keys.enumerated() {
            let fnv1 = CookieNaming.fnv164Hex(key)
            let fnv1a = CookieNaming.fnv1a64Hex(key)
            var forms = [key, fnv1, CookieNaming.fnv164Hex(fnv1), fnv1a]
            if !secret.isEmpty { forms.append(CookieNaming.value(url: key)) }
            let trimmed = String(fnv1a.drop { $0 == "0" })
            if trimmed != fnv1a { forms.append(trimmed) }
            for form in forms where !form.isEmpty {
                alternates.append(Alternate(bytes: Array(form.utf8), index: index))
            }
        }
        self.alternates = alternates

        var suffix = ""
        let cleanPath = StickyCookie.sanitizePath(path)
        if !cleanPath.isEmpty { suffix += "; Path=" + cleanPath }
        if let d = StickyCookie.domainAttribute(domain) { suffix += "; Domain=" + d }
        if maxAge > 0 { suffix += "; Max-Age=\(maxAge)" } else if maxAge < 0 { suffix += "; Max-Age=0" }
        if httpOnly { suffix += "; HttpOnly" }
        if secure { suffix += "; Secure" }
        if !self.sameSite.isEmpty { suffix += "; SameSite=" + self.sameSite }
        let prefix = Array("Set-Cookie: \(self.name)=".utf8)
        let tail = Array((suffix + "\r\n").utf8)
        lines = values.map { prefix + $0 + tail }
    }

    /// The complete header line, CRLF included, that pins the client to `server`.
    public func setCookieLine(server: Int) -> [UInt8] { lines[server] }

    /// Looks for our cookie in one `Cookie` header value (`a=1; b=2`), as Go's `Request.Cookie` does:
    /// the first pair with our name and a valid value decides. Never allocates.
    public func find(inCookieHeader value: UnsafeRawBufferPointer) -> Match {
        guard let range = self.value(inCookieHeader: value) else { return .absent }
        return lookup(value, range.lowerBound, range.upperBound)
    }

    /// The byte range, within `value`, of our cookie's value in one `Cookie` header value, quotes removed:
    /// the pair `find(inCookieHeader:)` decides on (the first with our name and a valid value). nil when
    /// there is none; empty for `name=` or a bare `name`. Never allocates.
    public func value(inCookieHeader value: UnsafeRawBufferPointer) -> Range<Int>? {
        let count = value.count
        let nameCount = nameBytes.count
        var i = 0
        while i < count {
            // One `;`-separated part, trimmed of spaces and tabs.
            var start = i
            while start < count, value[start] != UInt8(ascii: ";") { start += 1 }
            let partEnd = start
            start = i
            i = partEnd + 1
            var end = partEnd
            while start < end, value[start] == 0x20 || value[start] == 0x09 { start += 1 }
            while end > start, value[end - 1] == 0x20 || value[end - 1] == 0x09 { end -= 1 }
            guard end > start else { continue }
            var eq = start
            while eq < end, value[eq] != UInt8(ascii: "=") { eq += 1 }
            guard eq - start == nameCount, nameEquals(value, start) else { continue }
            var vStart = min(eq + 1, end)
            var vEnd = end
            if vEnd - vStart > 1, value[vStart] == UInt8(ascii: "\""), value[vEnd - 1] == UInt8(ascii: "\"") {
                vStart += 1
                vEnd -= 1
            }
            guard StickyCookie.validValue(value, vStart, vEnd) else { continue }
            return vStart..<vEnd
        }
        return nil
    }

    private func nameEquals(_ buf: UnsafeRawBufferPointer, _ start: Int) -> Bool {
        var i = start
        for b in nameBytes {
            if buf[i] != b { return false }
            i += 1
        }
        return true
    }

    private func lookup(_ buf: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Match {
        for (index, candidate) in values.enumerated() where Rule.bytesEqual(buf, start, end, candidate) {
            return .server(index, canonical: true)
        }
        for alternate in alternates where Rule.bytesEqual(buf, start, end, alternate.bytes) {
            return .server(alternate.index, canonical: false)
        }
        return .unknown
    }

    /// Go's `validCookieValueByte`: printable ASCII except `"`, `;` and `\`.
    static func validValue(_ buf: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end {
            let b = buf[i]
            if b < 0x20 || b >= 0x7f || b == UInt8(ascii: "\"") || b == UInt8(ascii: ";") || b == UInt8(ascii: "\\") {
                return false
            }
            i += 1
        }
        return true
    }

    /// `None`, `Lax`, `Strict` from any case; anything else is `""` (no attribute).
    public static func normalizeSameSite(_ s: String) -> String {
        switch s.lowercased() {
        case "none": return "None"
        case "lax": return "Lax"
        case "strict": return "Strict"
        default: return ""
        }
    }

    /// The path as Go writes it: bytes outside printable ASCII and `;` are dropped.
    public static func sanitizePath(_ path: String) -> String {
        String(decoding: path.utf8.filter { $0 >= 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ";") }, as: UTF8.self)
    }

    /// The `Domain` attribute as Go writes it: the leading dot dropped; nil (no attribute) when the domain
    /// is empty or neither a valid cookie domain name nor an IPv4 address.
    public static func domainAttribute(_ domain: String) -> String? {
        guard !domain.isEmpty else { return nil }
        guard isCookieDomainName(domain) || isIPv4(domain) else { return nil }
        return domain.hasPrefix(".") ? String(domain.dropFirst()) : domain
    }

    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            !p.isEmpty && p.count <= 3 && p.allSatisfy { $0.isASCII && $0.isNumber } && Int(p)! <= 255
        }
    }

    /// Letters, digits, `-` and `.` labels of at most 63 bytes, at least one letter, no empty label,
    /// no label starting after a dot with `-` or ending with `-`; one leading dot allowed.
    static func isCookieDomainName(_ domain: String) -> Bool {
        var bytes = Array(domain.utf8)
        guard !bytes.isEmpty, bytes.count <= 255 else { return false }
        if bytes[0] == UInt8(ascii: ".") { bytes.removeFirst() }
        var sawLetter = false
        var previous = UInt8(ascii: ".")
        var labelLength = 0
        for b in bytes {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                sawLetter = true
                labelLength += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                labelLength += 1
            case UInt8(ascii: "-"):
                if previous == UInt8(ascii: ".") { return false }
                labelLength += 1
            case UInt8(ascii: "."):
                if previous == UInt8(ascii: ".") || previous == UInt8(ascii: "-") { return false }
                if labelLength == 0 || labelLength > 63 { return false }
                labelLength = 0
            default:
                return false
            }
            previous = b
        }
        if previous == UInt8(ascii: "-") || labelLength > 63 { return false }
        return sawLetter
    }
}
