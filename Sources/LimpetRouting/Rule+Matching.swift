#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The request-side work of the matchers added for Traefik v3: header fields, query parameters, the peer address,
// and the strings regex matchers search. Everything but the `String`s handed to a regex works on the request's
// bytes in place.
extension Rule {
    // MARK: - Regex inputs (the only allocations of a match)

    /// The host as Traefik's request decorator canonicalises it: port removed, ASCII lower-cased.
    static func hostRegexpMatches(_ h: UnsafeRawBufferPointer, _ regex: RuleRegex) -> Bool {
        let (start, end) = hostBounds(h)
        let host = String(unsafeUninitializedCapacity: end - start) { buffer in
            for k in 0..<(end - start) {
                let b = h[start + k]
                buffer[k] = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
            }
            return end - start
        }
        return regex.matches(host)
    }

    /// The path with its valid `%XX` escapes decoded, as `pathMatches` reads it.
    static func decodedPath(_ p: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: p.count) { buffer in
            var i = 0
            var n = 0
            while i < p.count {
                var b = p[i]
                var step = 1
                if b == UInt8(ascii: "%"), i + 2 < p.count, let hi = hexValue(p[i + 1]), let lo = hexValue(p[i + 2]) {
                    b = hi << 4 | lo
                    step = 3
                }
                buffer[n] = b
                n += 1
                i += step
            }
            return n
        }
    }

    /// A query key or value decoded as Go's `url.QueryUnescape` does; the range has been checked with
    /// `queryComponentIsValid`.
    static func decodedQueryComponent(_ q: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(unsafeUninitializedCapacity: range.count) { buffer in
            var i = range.lowerBound
            var n = 0
            while i < range.upperBound {
                var b = q[i]
                if b == UInt8(ascii: "+") {
                    b = UInt8(ascii: " ")
                } else if b == UInt8(ascii: "%"), let hi = hexValue(q[i + 1]), let lo = hexValue(q[i + 2]) {
                    b = hi << 4 | lo
                    i += 2
                }
                buffer[n] = b
                n += 1
                i += 1
            }
            return n
        }
    }

    // MARK: - Header fields

    /// Whether some field named `name` (ASCII case-insensitively) has a value `value` accepts. Each field line is
    /// one value, as in Go's `http.Header`: a comma-separated line is not split.
    static func headerMatches(_ r: RequestView, _ name: [UInt8],
                              _ value: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        guard let table = r.headers else { return false }
        let source = r.source
        return name.withUnsafeBytes { n in
            var from = 0
            while let k = table.firstIndex(named: n, in: source, from: from) {
                if value(table[k].value.bytes(in: source)) { return true }
                from = k + 1
            }
            return false
        }
    }

    // MARK: - Query parameters

    /// Whether some parameter whose decoded key is `key` has a value `value` accepts.
    ///
    /// The pairs are those Go's `url.ParseQuery` keeps: the raw query split on `&`, empty pieces skipped, pieces
    /// holding a `;` dropped, pieces whose key or value has an invalid `%` escape dropped; key and value split at
    /// the first `=` (no `=`: an empty value).
    static func queryMatches(_ q: UnsafeRawBufferPointer, _ key: [UInt8],
                             _ value: (UnsafeRawBufferPointer, Range<Int>) -> Bool) -> Bool {
        let count = q.count
        var start = 0
        while start < count {
            var end = start
            var equals = -1
            var semicolon = false
            while end < count, q[end] != UInt8(ascii: "&") {
                if q[end] == UInt8(ascii: ";") { semicolon = true }
                if q[end] == UInt8(ascii: "="), equals < 0 { equals = end }
                end += 1
            }
            if !semicolon, end > start {
                let keyRange = start..<(equals >= 0 ? equals : end)
                let valueRange = equals >= 0 ? (equals + 1)..<end : end..<end
                if queryComponentEquals(q, keyRange, key), queryComponentIsValid(q, valueRange),
                   value(q, valueRange) {
                    return true
                }
            }
            start = end + 1
        }
        return false
    }

    /// Every `%` in the range starts a valid escape (Go's `url.QueryUnescape` fails otherwise).
    static func queryComponentIsValid(_ q: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        var i = range.lowerBound
        while i < range.upperBound {
            if q[i] == UInt8(ascii: "%") {
                guard i + 2 < range.upperBound, hexValue(q[i + 1]) != nil, hexValue(q[i + 2]) != nil else {
                    return false
                }
                i += 3
            } else {
                i += 1
            }
        }
        return true
    }

    /// Compares the decoded range (`+` is a space, `%XX` a byte) with `pattern`; false on an invalid escape.
    static func queryComponentEquals(_ q: UnsafeRawBufferPointer, _ range: Range<Int>, _ pattern: [UInt8]) -> Bool {
        var i = range.lowerBound
        var j = 0
        while i < range.upperBound {
            guard j < pattern.count else { return false }
            var b = q[i]
            if b == UInt8(ascii: "+") {
                b = UInt8(ascii: " ")
            } else if b == UInt8(ascii: "%") {
                guard i + 2 < range.upperBound, let hi = hexValue(q[i + 1]), let lo = hexValue(q[i + 2]) else {
                    return false
                }
                b = hi << 4 | lo
                i += 2
            }
            if b != pattern[j] { return false }
            i += 1
            j += 1
        }
        return j == pattern.count
    }
}

extension IPRange {
    /// Whether the peer's address is in the range, without allocating, as Go's `net.IPNet.Contains` and
    /// `net.IP.Equal` decide: an IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) is its IPv4 address, on either side,
    /// and an IPv6 range never holds an IPv4 address.
    func containsPeer(_ peer: SocketAddress) -> Bool {
        var netStart = 0
        var netCount = network.count
        var bits = prefixLength
        if netCount == 16, prefixLength >= 96, network.withUnsafeBytes({ IPRange.isV4Mapped($0, 0) }) {
            netStart = 12
            netCount = 4
            bits -= 96
        }
        let family = peer.family
        return withUnsafeBytes(of: peer.storage) { raw in
            var start: Int
            var count: Int
            if family == AF_INET {
                start = IPRange.v4AddressOffset
                count = 4
            } else if family == AF_INET6 {
                start = IPRange.v6AddressOffset
                count = 16
                if IPRange.isV4Mapped(raw, start) {
                    start += 12
                    count = 4
                }
            } else {
                return false
            }
            guard count == netCount else { return false }
            var remaining = bits
            var k = 0
            while remaining > 0 {
                let keep = min(remaining, 8)
                let mask: UInt8 = ~UInt8(0) << (8 - keep)
                if raw[start + k] & mask != network[netStart + k] { return false }
                remaining -= keep
                k += 1
            }
            return true
        }
    }

    // Computed once: building the key path on every match would allocate.
    static let v4AddressOffset = MemoryLayout<sockaddr_in>.offset(of: \sockaddr_in.sin_addr) ?? 4
    static let v6AddressOffset = MemoryLayout<sockaddr_in6>.offset(of: \sockaddr_in6.sin6_addr) ?? 8

    /// The 16 bytes at `start` are `::ffff:a.b.c.d`.
    static func isV4Mapped(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Bool {
        for k in 0..<10 where bytes[start + k] != 0 { return false }
        return bytes[start + 10] == 0xff && bytes[start + 11] == 0xff
    }
}
