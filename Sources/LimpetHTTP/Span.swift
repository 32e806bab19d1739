/// A half-open range of byte offsets into the buffer a scanner was given.
///
/// Spans never own bytes: they are only meaningful together with the buffer that was
/// scanned, and only until that buffer is reused. Offsets are `Int32` so that a header
/// entry stays small (a head is never larger than a read buffer).
public struct Span: Equatable, Sendable {
    /// Offset of the first byte.
    public var start: Int32
    /// Offset one past the last byte.
    public var end: Int32

    /// Creates a span from `Int32` offsets.
    @inlinable
    public init(start: Int32, end: Int32) {
        self.start = start
        self.end = end
    }

    /// Creates a span from `Int` offsets; both must fit in `Int32`.
    @inlinable
    public init(_ start: Int, _ end: Int) {
        self.start = Int32(truncatingIfNeeded: start)
        self.end = Int32(truncatingIfNeeded: end)
    }

    /// An empty span at offset zero.
    @inlinable
    public static var empty: Span { Span(start: 0, end: 0) }

    /// True when the span covers no byte.
    @inlinable
    public var isEmpty: Bool { end <= start }

    /// Number of bytes covered.
    @inlinable
    public var count: Int { Int(end) - Int(start) }

    /// The bytes this span covers in `source` (the buffer that was scanned).
    @inlinable
    public func bytes(in source: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: source[Int(start)..<Int(end)])
    }

    /// Compares the covered bytes with `other`, ASCII case-insensitively.
    @inlinable
    public func equalsCaseInsensitive(_ other: UnsafeRawBufferPointer, in source: UnsafeRawBufferPointer) -> Bool {
        guard count == other.count else { return false }
        var i = Int(start)
        for b in other {
            if ASCII.lower(source[i]) != ASCII.lower(b) { return false }
            i += 1
        }
        return true
    }

    /// Compares the covered bytes with `literal`, ASCII case-insensitively.
    @inlinable
    public func equalsCaseInsensitive(_ literal: StaticString, in source: UnsafeRawBufferPointer) -> Bool {
        literal.withUTF8Buffer { equalsCaseInsensitive(UnsafeRawBufferPointer($0), in: source) }
    }

    /// Compares the covered bytes with `literal` exactly.
    @inlinable
    public func equals(_ literal: StaticString, in source: UnsafeRawBufferPointer) -> Bool {
        literal.withUTF8Buffer { lit in
            guard lit.count == count else { return false }
            var i = Int(start)
            for b in lit {
                if source[i] != b { return false }
                i += 1
            }
            return true
        }
    }
}

/// Byte classes used by the scanners. Masks are bitsets over 0..<64 and 64..<128.
@usableFromInline
enum ASCII {
    @inlinable static var cr: UInt8 { 0x0D }
    @inlinable static var lf: UInt8 { 0x0A }
    @inlinable static var sp: UInt8 { 0x20 }
    @inlinable static var htab: UInt8 { 0x09 }
    @inlinable static var colon: UInt8 { 0x3A }
    @inlinable static var comma: UInt8 { 0x2C }
    @inlinable static var semicolon: UInt8 { 0x3B }
    @inlinable static var equals: UInt8 { 0x3D }
    @inlinable static var quote: UInt8 { 0x22 }
    @inlinable static var backslash: UInt8 { 0x5C }
    @inlinable static var slash: UInt8 { 0x2F }
    @inlinable static var question: UInt8 { 0x3F }

    /// tchar (RFC 9110 §5.6.2): `!#$%&'*+-.^_`|~`, DIGIT, ALPHA.
    @inlinable static var tcharLow: UInt64 { 0x03ff_6cfa_0000_0000 }
    @inlinable static var tcharHigh: UInt64 { 0x57ff_ffff_c7ff_fffe }
    /// Bytes allowed in a Host value or an authority: unreserved, sub-delims, `:`, `[`, `]`, `%`.
    @inlinable static var hostLow: UInt64 { 0x2fff_7ff2_0000_0000 }
    @inlinable static var hostHigh: UInt64 { 0x47ff_fffe_afff_fffe }

    @inlinable
    static func inMask(_ b: UInt8, low: UInt64, high: UInt64) -> Bool {
        if b < 64 { return (low >> UInt64(b)) & 1 != 0 }
        if b < 128 { return (high >> UInt64(b &- 64)) & 1 != 0 }
        return false
    }

    @inlinable
    static func isTChar(_ b: UInt8) -> Bool { inMask(b, low: tcharLow, high: tcharHigh) }

    @inlinable
    static func isHostChar(_ b: UInt8) -> Bool { inMask(b, low: hostLow, high: hostHigh) }

    @inlinable
    static func isOWS(_ b: UInt8) -> Bool { b == sp || b == htab }

    /// ASCII lowercase; other bytes unchanged.
    @inlinable
    static func lower(_ b: UInt8) -> UInt8 { (b &- 0x41) < 26 ? b | 0x20 : b }

    /// Value of a hexadecimal digit, or nil.
    @inlinable
    static func hexValue(_ b: UInt8) -> UInt64? {
        if (b &- 0x30) < 10 { return UInt64(b &- 0x30) }
        let l = b | 0x20
        if (l &- 0x61) < 6 { return UInt64(l &- 0x61 &+ 10) }
        return nil
    }
}

extension UnsafeRawBufferPointer {
    /// Case-insensitive comparison of `count` bytes at `offset` with a lowercase literal
    /// of the same length (the caller checks the length).
    @inlinable
    func matchesLowercase(at offset: Int, _ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { lit in
            var i = offset
            for b in lit {
                if ASCII.lower(self[i]) != b { return false }
                i += 1
            }
            return true
        }
    }
}
