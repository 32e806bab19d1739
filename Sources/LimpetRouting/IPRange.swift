#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address or CIDR block: `10.0.0.0/8`, `127.0.0.1`, `::1`, `fd00::/8`.
///
/// IPv4 ranges also match IPv4-mapped IPv6 peers (`::ffff:10.1.2.3`), as a dual-stack listener sees them.
public struct IPRange: Sendable, Equatable, CustomStringConvertible {
    /// The network address, 4 or 16 bytes, with the host bits cleared.
    public let network: [UInt8]
    public let prefixLength: Int
    /// The text it was parsed from.
    public let description: String

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var text: String
        public var description: String { "invalid IP address or CIDR range \"\(text)\"" }
    }

    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingSpaces
        let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = parts.first, let bytes = IPRange.parseAddress(String(address)) else {
            throw ParseError(text: text)
        }
        let maxBits = bytes.count * 8
        var bits = maxBits
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 0, n <= maxBits, parts[1].allSatisfy(\.isASCII) else {
                throw ParseError(text: text)
            }
            bits = n
        }
        var masked = bytes
        for i in 0..<masked.count {
            let keep = min(max(bits - i * 8, 0), 8)
            masked[i] &= keep == 0 ? 0 : ~UInt8(0) << (8 - keep)
        }
        network = masked
        prefixLength = bits
        description = trimmed
    }

    /// 4 bytes for a dotted IPv4 address, 16 for an IPv6 one, nil when `text` is neither.
    public static func parseAddress(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
    }

    /// `parseAddress` on bytes, without allocating: writes the 4 or 16 address bytes to `out` (room for 16) and
    /// returns how many; nil when `text` is neither address form.
    public static func parseAddress(_ text: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) -> Int? {
        guard !text.isEmpty, text.count < 64 else { return nil }  // the longest IPv6 text is 45 bytes
        return withUnsafeTemporaryAllocation(byteCount: 64, alignment: 1) { buffer -> Int? in
            let cString = buffer.baseAddress!
            cString.copyMemory(from: text.baseAddress!, byteCount: text.count)
            cString.storeBytes(of: 0, toByteOffset: text.count, as: UInt8.self)
            let chars = cString.assumingMemoryBound(to: CChar.self)
            if inet_pton(AF_INET, chars, out) == 1 { return 4 }
            if inet_pton(AF_INET6, chars, out) == 1 { return 16 }
            return nil
        }
    }

    public func contains(_ address: SocketAddress) -> Bool {
        contains(bytes: address.ipBytes)
    }

    /// Whether the 4- or 16-byte address is inside the range.
    public func contains(bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { contains($0) }
    }

    /// Whether the 4- or 16-byte address is inside the range (no allocation).
    public func contains(_ address: UnsafeRawBufferPointer) -> Bool {
        var candidate = address
        if network.count == 4, candidate.count == 16,
           candidate[0..<10].allSatisfy({ $0 == 0 }), candidate[10] == 0xff, candidate[11] == 0xff {
            candidate = UnsafeRawBufferPointer(rebasing: candidate[12..<16])
        }
        guard candidate.count == network.count else { return false }
        var remaining = prefixLength
        var i = 0
        while remaining > 0 {
            let keep = min(remaining, 8)
            let mask: UInt8 = ~UInt8(0) << (8 - keep)
            if candidate[i] & mask != network[i] { return false }
            remaining -= keep
            i += 1
        }
        return true
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
