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

    /// The bytes of an optional span (a header that may be absent) in `source`; an empty buffer at the start of
    /// `source` when there is none or it is empty.
    @inlinable
    public static func bytes(of span: Span?, in source: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let span, !span.isEmpty else { return UnsafeRawBufferPointer(start: source.baseAddress, count: 0) }
        return span.bytes(in: source)
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
        equalsCaseInsensitive(literal.rawBytes, in: source)
    }

    /// Compares the covered bytes with `literal` exactly.
    @inlinable
    public func equals(_ literal: StaticString, in source: UnsafeRawBufferPointer) -> Bool {
        let lit = literal.rawBytes
        guard lit.count == count else { return false }
        var i = Int(start)
        for b in lit {
            if source[i] != b { return false }
            i += 1
        }
        return true
    }
}

/// Byte constants and byte classes used by the scanners.
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
    @inlinable static var hash: UInt8 { 0x23 }

    /// Byte classes, one printable character per byte value so the table lives in read-only data
    /// with no initialisation: `0x40 | 1` when the byte is a tchar (RFC 9110 §5.6.2: `!#$%&'*+-.^_`|~`,
    /// DIGIT, ALPHA), `| 2` when it may appear in a Host value or authority (unreserved, sub-delims,
    /// `:`, `[`, `]`, `%`). Tests check it against those definitions.
    @inlinable
    static var classTable: StaticString {
        """
        @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@C@ACCCCBBCCBCC@CCCCCCCCCCBB@B@@\
        @CCCCCCCCCCCCCCCCCCCCCCCCCCB@BACACCCCCCCCCCCCCCCCCCCCCCCCCC@A@C@\
        @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\
        @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
        """
    }

    @inlinable
    static func isTChar(_ b: UInt8) -> Bool { classTable.utf8Start[Int(b)] & 1 != 0 }

    @inlinable
    static func isHostChar(_ b: UInt8) -> Bool { classTable.utf8Start[Int(b)] & 2 != 0 }

    @inlinable
    static func isOWS(_ b: UInt8) -> Bool { b == sp || b == htab }

    /// True when any of the 8 bytes of `w` is a control byte other than obs-text: below 0x20 or 0x7F.
    /// (SWAR: a byte below n borrows into its high bit when n is subtracted; bytes ≥ 0x80 are masked out.)
    @inlinable
    static func hasControlByte(_ w: UInt64) -> Bool {
        let below20 = (w &- 0x2020_2020_2020_2020) & ~w & 0x8080_8080_8080_8080
        let x = w ^ 0x7F7F_7F7F_7F7F_7F7F
        let del = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
        return (below20 | del) != 0
    }

    /// True when any of the 8 bytes of `w` may not appear in a request-target (≤ 0x20, ≥ 0x7F, `#`),
    /// or is `?` when `question` is set.
    @inlinable
    static func hasTargetStop(_ w: UInt64, question: Bool) -> Bool {
        let below21 = (w &- 0x2121_2121_2121_2121) & ~w & 0x8080_8080_8080_8080
        let high = w & 0x8080_8080_8080_8080
        let x = w ^ 0x7F7F_7F7F_7F7F_7F7F
        let del = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
        let h = w ^ 0x2323_2323_2323_2323  // '#'
        var stops = below21 | high | del | ((h &- 0x0101_0101_0101_0101) & ~h & 0x8080_8080_8080_8080)
        if question {
            let q = w ^ 0x3F3F_3F3F_3F3F_3F3F
            stops |= (q &- 0x0101_0101_0101_0101) & ~q & 0x8080_8080_8080_8080
        }
        return stops != 0
    }

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
    /// Case-insensitive comparison of the bytes at `offset` with `literal`, which is lowercase letters
    /// and `-` only; the caller checks that enough bytes follow `offset` and that they are tchars.
    /// For tchars, `b | 0x20` equals a lowercase letter or `-` exactly when `b` matches it ignoring case,
    /// so whole words can be compared.
    @inlinable
    func matchesLowercase(at offset: Int, _ literal: StaticString) -> Bool {
        let lit = literal.rawBytes
        let n = lit.count
        var k = 0
        while k &+ 8 <= n {
            let word = loadUnaligned(fromByteOffset: offset &+ k, as: UInt64.self) | 0x2020_2020_2020_2020
            if word != lit.loadUnaligned(fromByteOffset: k, as: UInt64.self) { return false }
            k &+= 8
        }
        while k < n {
            if self[offset &+ k] | 0x20 != lit[k] { return false }
            k &+= 1
        }
        return true
    }
}

extension StaticString {
    /// The literal's UTF-8 bytes. String literals always have a pointer representation, so this
    /// avoids the closure of `withUTF8Buffer`; a single-scalar `StaticString` is spelled out on the stack
    /// only if someone builds one explicitly, and is not used by this module.
    @inlinable
    var rawBytes: UnsafeRawBufferPointer {
        precondition(hasPointerRepresentation, "StaticString without pointer representation")
        return UnsafeRawBufferPointer(start: utf8Start, count: utf8CodeUnitCount)
    }
}
