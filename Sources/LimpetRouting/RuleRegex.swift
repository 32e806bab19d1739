/// A regular expression from a router rule, written in Go's RE2 syntax (as Traefik reads it) and compiled
/// once, when the rule is parsed, into a Swift `Regex`.
///
/// Go's syntax is translated first so that a pattern means what it means in Traefik:
/// - `.` does not match `\n` only (Swift's `.` would also refuse `\r` and other line breaks) unless `(?s)`;
/// - `\s` is `[\t\n\f\r ]`, `\d` and `\w` are ASCII, `\b` is an ASCII word boundary, `[[:alpha:]]` and the
///   other POSIX classes are ASCII, `\v` is U+000B, octal escapes (`\101`) and `\pL` are accepted;
/// - `{` that does not start a repeat (`{name:…}`, Traefik v2's placeholders) and a `]` first in a class are
///   literal characters, and so are `[`, `&`, `~` and a second `-` inside a class (Swift's nested classes and set
///   operators);
/// - patterns use Unicode scalars, not grapheme clusters, as Go uses runes.
///
/// Syntax Go rejects is rejected too, with a message: back-references, look-around, atomic groups, possessive
/// and nested repetitions (`a*+`, `a**`), flags other than `imsU`, escapes Go does not know (`\Z`, `\h`, `\K`…),
/// repeat counts above 1000.
///
/// Swift's engine backtracks where RE2 runs in linear time: a pattern such as `(a+)+$` can be slow on hostile
/// input. Rules are written by the operator, and the inputs are bounded by the head size.
///
/// Matching allocates (a `String` of the input); only regex matchers pay that.
public struct RuleRegex: @unchecked Sendable, Equatable, CustomStringConvertible {
    // @unchecked: `Regex` is an immutable value; its compiled program is built once, here, before the rule is
    // shared, and the standard library initialises that lazily-built program with an atomic compare-and-swap.

    /// The pattern as written in the rule.
    public let pattern: String
    /// The Swift syntax it was translated to.
    let translated: String
    let regex: Regex<AnyRegexOutput>

    /// A pattern Go would not compile (or Swift cannot): what is wrong, and where in the pattern.
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        /// 0-based index (in Unicode scalars) into the pattern, or nil when Swift's compiler gave no position.
        public var offset: Int?
        public var message: String
        public var description: String { message }
    }

    /// Translates and compiles `pattern` (Go RE2 syntax).
    public init(goSyntax pattern: String) throws(SyntaxError) {
        self.pattern = pattern
        var translator = Translator(pattern)
        translated = try translator.run()
        do {
            regex = try Regex(translated)
                .matchingSemantics(.unicodeScalar)
                .asciiOnlyWordCharacters()
                .asciiOnlyDigits()
                .wordBoundaryKind(.simple)
        } catch {
            throw SyntaxError(offset: nil, message: "\(error)")
        }
        // Builds the matching program now rather than on the first request.
        _ = matches("")
    }

    public var description: String { pattern }

    public static func == (a: RuleRegex, b: RuleRegex) -> Bool { a.pattern == b.pattern }

    /// Whether the pattern matches somewhere in `text` (Go's `MatchString`: unanchored).
    public func matches(_ text: String) -> Bool {
        (try? regex.firstMatch(in: text)) != nil
    }

    /// Matches the bytes as UTF-8 (invalid sequences become U+FFFD, as Go reads them).
    func matches(utf8 bytes: UnsafeRawBufferPointer) -> Bool {
        matches(String(decoding: bytes, as: UTF8.self))
    }
}

/// Go RE2 syntax → Swift `Regex` syntax, scalar by scalar.
private struct Translator {
    let p: [Unicode.Scalar]
    var i = 0
    var out = ""
    /// `(?s)` in force, per open group (index 0: the whole pattern).
    var dotAll: [Bool] = [false]

    init(_ pattern: String) {
        p = Array(pattern.unicodeScalars)
    }

    func fail(_ message: String, at offset: Int) -> RuleRegex.SyntaxError {
        RuleRegex.SyntaxError(offset: offset, message: message + " at character \(offset + 1) of the regexp")
    }

    func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < p.count ? p[i + k] : nil }

    static func isDigit(_ c: Unicode.Scalar?) -> Bool { c.map { $0 >= "0" && $0 <= "9" } ?? false }
    static func isOctal(_ c: Unicode.Scalar?) -> Bool { c.map { $0 >= "0" && $0 <= "7" } ?? false }
    static func isHex(_ c: Unicode.Scalar) -> Bool { c.properties.isASCIIHexDigit }
    static func isASCIIAlnum(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (isDigit(c) || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z"))
    }

    static func hex(_ v: UInt32) -> String { "\\x{" + String(v, radix: 16, uppercase: true) + "}" }

    mutating func run() throws(RuleRegex.SyntaxError) -> String {
        while let c = peek() {
            switch c {
            case "\\":
                try escape(inClass: false)
            case "[":
                try characterClass()
            case "(":
                try openGroup()
            case ")":
                guard dotAll.count > 1 else { throw fail("unexpected )", at: i) }
                dotAll.removeLast()
                out += ")"
                i += 1
            case ".":
                out += dotAll[dotAll.count - 1] ? "." : "[^\\n]"
                i += 1
            case "*", "+", "?":
                out.unicodeScalars.append(c)
                i += 1
                try afterRepetition()
            case "{":
                try brace()
            case "}", "]":
                out += "\\" + String(c)
                i += 1
            default:
                out.unicodeScalars.append(c)
                i += 1
            }
        }
        if dotAll.count > 1 { throw fail("missing closing )", at: p.count) }
        return out
    }

    /// After `*`, `+`, `?` or `{n,m}`: an optional lazy `?`, then no further repetition (Go has no possessive or
    /// stacked repetitions).
    mutating func afterRepetition() throws(RuleRegex.SyntaxError) {
        if peek() == "?" {
            out += "?"
            i += 1
        }
        if let c = peek(), c == "*" || c == "+" || c == "?" {
            throw fail("invalid nested repetition operator '\(c)'", at: i)
        }
        if peek() == "{", repeatLength() != nil {
            throw fail("invalid nested repetition operator '{'", at: i)
        }
    }

    /// The length of a Go repeat `{n}`, `{n,}` or `{n,m}` at `i`, or nil when the `{` is a literal.
    func repeatLength() -> Int? {
        var k = i + 1
        let digitsStart = k
        while k < p.count, Self.isDigit(p[k]) { k += 1 }
        guard k > digitsStart, k < p.count else { return nil }
        if p[k] == "," {
            k += 1
            while k < p.count, Self.isDigit(p[k]) { k += 1 }
        }
        guard k < p.count, p[k] == "}" else { return nil }
        return k + 1 - i
    }

    mutating func brace() throws(RuleRegex.SyntaxError) {
        guard let length = repeatLength() else {
            out += "\\{"
            i += 1
            return
        }
        let text = String(String.UnicodeScalarView(p[(i + 1)..<(i + length - 1)]))
        let bounds = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        let low = bounds[0] ?? Int.max
        let high = bounds.count == 1 ? low : (bounds[1] ?? (text.hasSuffix(",") ? low : Int.max))
        guard low <= 1000, high <= 1000, low <= high else {
            throw fail("invalid repeat count {\(text)} (at most 1000)", at: i)
        }
        out += "{" + text + "}"
        i += length
        try afterRepetition()
    }

    mutating func openGroup() throws(RuleRegex.SyntaxError) {
        let start = i
        i += 1
        if peek() == "*" { throw fail("missing argument to repetition operator '*'", at: i) }
        guard peek() == "?" else {
            dotAll.append(dotAll[dotAll.count - 1])
            out += "("
            return
        }
        i += 1
        // Named group: (?P<name>…) or (?<name>…).
        if peek() == "P" || (peek() == "<" && peek(1) != "=" && peek(1) != "!") {
            if peek() == "P" {
                guard peek(1) == "<" else { throw fail("invalid named capture", at: start) }
                i += 1
            }
            i += 1
            var name = ""
            while let c = peek(), c != ">" {
                guard Self.isASCIIAlnum(c) || c == "_" else { throw fail("invalid named capture", at: start) }
                name.unicodeScalars.append(c)
                i += 1
            }
            guard peek() == ">", !name.isEmpty else { throw fail("invalid named capture", at: start) }
            i += 1
            dotAll.append(dotAll[dotAll.count - 1])
            out += "(?<" + name + ">"
            return
        }
        if peek() == ":" {
            i += 1
            dotAll.append(dotAll[dotAll.count - 1])
            out += "(?:"
            return
        }
        // Flags: (?imsU-imsU) or (?imsU-imsU:…).
        var flags = ""
        var negated = false
        var sawFlag = false
        var dot = dotAll[dotAll.count - 1]
        while let c = peek(), c != ")" && c != ":" {
            switch c {
            case "i", "m", "s", "U":
                if c == "s" { dot = !negated }
                sawFlag = true
            case "-":
                guard !negated else { throw fail("invalid or unsupported Perl syntax '(?'", at: start) }
                negated = true
                sawFlag = false
            default:
                throw fail("invalid or unsupported Perl syntax '(?\(c)' (Go regexps have no look-around, "
                    + "back-references, atomic groups or comments; flags are i, m, s and U)", at: start)
            }
            flags.unicodeScalars.append(c)
            i += 1
        }
        guard let end = peek(), sawFlag else {
            throw fail("invalid or unsupported Perl syntax '(?" + flags + "'", at: start)
        }
        i += 1
        if end == ")" {
            dotAll[dotAll.count - 1] = dot
            out += "(?" + flags + ")"
        } else {
            dotAll.append(dot)
            out += "(?" + flags + ":"
        }
    }

    /// A `[…]` class, with Go's reading of `]`, `[`, `-` and POSIX names.
    mutating func characterClass() throws(RuleRegex.SyntaxError) {
        let start = i
        i += 1
        out += "["
        if peek() == "^" {
            out += "^"
            i += 1
        }
        if peek() == "]" {
            out += "\\]"
            i += 1
        }
        var previousDash = false
        while let c = peek() {
            switch c {
            case "]":
                out += "]"
                i += 1
                return
            case "\\":
                try escape(inClass: true)
            case "[":
                if peek(1) == ":" {
                    try posixClass()
                } else {
                    out += "\\["
                    i += 1
                }
            case "&", "~":
                out += "\\" + String(c)
                i += 1
            case "-":
                // `--` is Swift's set subtraction; in Go the second `-` is a range end or a literal.
                out += previousDash ? Self.hex(c.value) : "-"
                previousDash = !previousDash
                i += 1
                continue
            default:
                out.unicodeScalars.append(c)
                i += 1
            }
            previousDash = false
        }
        throw fail("missing closing ]", at: start)
    }

    static let posixClasses: [String: String] = [
        "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x{0}-\\x{7F}", "blank": "\\x{9}\\x{20}",
        "cntrl": "\\x{0}-\\x{1F}\\x{7F}", "digit": "0-9", "graph": "\\x{21}-\\x{7E}", "lower": "a-z",
        "print": "\\x{20}-\\x{7E}", "punct": "\\x{21}-\\x{2F}\\x{3A}-\\x{40}\\x{5B}-\\x{60}\\x{7B}-\\x{7E}",
        "space": "\\x{9}-\\x{D}\\x{20}", "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
    ]

    /// `[:name:]` or `[:^name:]` inside a class, at `i`; a `[` not followed by a whole name is a literal.
    mutating func posixClass() throws(RuleRegex.SyntaxError) {
        var k = i + 2
        while k + 1 < p.count, !(p[k] == ":" && p[k + 1] == "]") { k += 1 }
        guard k + 1 < p.count else {
            out += "\\["
            i += 1
            return
        }
        var name = String(String.UnicodeScalarView(p[(i + 2)..<k]))
        let negated = name.hasPrefix("^")
        if negated { name.removeFirst() }
        guard let set = Self.posixClasses[name] else {
            throw fail("invalid character class range '[:\(negated ? "^" : "")\(name):]'", at: i)
        }
        out += (negated ? "[^" : "[") + set + "]"
        i = k + 2
    }

    mutating func escape(inClass: Bool) throws(RuleRegex.SyntaxError) {
        let start = i
        guard let c = peek(1) else { throw fail("trailing backslash at end of expression", at: start) }
        i += 2
        if c.isASCII && !Self.isASCIIAlnum(c) {
            out += Self.hex(c.value)  // escaped punctuation is always itself
            return
        }
        switch c {
        case "1"..."7" where !Self.isOctal(peek()):
            throw fail("invalid escape sequence '\\\(c)' (Go regexps have no back-references)", at: start)
        case "0"..."7":
            var value = c.value - 48
            var digits = 1
            while digits < 3, let d = peek(), Self.isOctal(d) {
                value = value * 8 + d.value - 48
                i += 1
                digits += 1
            }
            out += Self.hex(value)
        case "a": out += Self.hex(7)
        case "f": out += Self.hex(0xC)
        case "v": out += Self.hex(0xB)
        case "t": out += "\\t"
        case "n": out += "\\n"
        case "r": out += "\\r"
        case "x":
            try hexEscape(start: start)
        case "d", "D", "w", "W":
            out += "\\" + String(c)
        case "s":
            out += inClass ? "\\x{9}\\x{A}\\x{C}\\x{D}\\x{20}" : "[\\x{9}\\x{A}\\x{C}\\x{D}\\x{20}]"
        case "S":
            out += "[^\\x{9}\\x{A}\\x{C}\\x{D}\\x{20}]"
        case "p", "P":
            try unicodeClass(negated: c == "P", start: start)
        case "A", "z", "b", "B":
            guard !inClass else { throw fail("invalid escape sequence '\\\(c)' inside a character class", at: start) }
            out += "\\" + String(c)
        case "Q":
            guard !inClass else { throw fail("invalid escape sequence '\\Q' inside a character class", at: start) }
            // Literal text up to \E (or the end).
            while let q = peek() {
                if q == "\\" && peek(1) == "E" {
                    i += 2
                    break
                }
                out += q.isASCII && !Self.isASCIIAlnum(q) ? Self.hex(q.value) : String(q)
                i += 1
            }
        default:
            throw fail("invalid escape sequence '\\\(c)'", at: start)
        }
    }

    mutating func hexEscape(start: Int) throws(RuleRegex.SyntaxError) {
        if peek() == "{" {
            i += 1
            var digits = ""
            while let d = peek(), Self.isHex(d) {
                digits.unicodeScalars.append(d)
                i += 1
            }
            guard peek() == "}", !digits.isEmpty, let v = UInt32(digits, radix: 16), v <= 0x10FFFF else {
                throw fail("invalid escape sequence '\\x{'", at: start)
            }
            i += 1
            out += Self.hex(v)
            return
        }
        guard let h = peek(), let l = peek(1), Self.isHex(h), Self.isHex(l),
              let v = UInt32(String(h) + String(l), radix: 16) else {
            throw fail("invalid escape sequence '\\x' (two hex digits or \\x{…} expected)", at: start)
        }
        i += 2
        out += Self.hex(v)
    }

    mutating func unicodeClass(negated: Bool, start: Int) throws(RuleRegex.SyntaxError) {
        guard let first = peek() else { throw fail("invalid character class range '\\p'", at: start) }
        var name: String
        var negate = negated
        if first == "{" {
            i += 1
            name = ""
            while let c = peek(), c != "}" {
                name.unicodeScalars.append(c)
                i += 1
            }
            guard peek() == "}" else { throw fail("invalid character class range '\\p{'", at: start) }
            i += 1
            if name.hasPrefix("^") {
                name.removeFirst()
                negate.toggle()
            }
        } else {
            name = String(first)
            i += 1
        }
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ Self.isASCIIAlnum($0) || $0 == "_" }) else {
            throw fail("invalid character class range '\\p{\(name)}'", at: start)
        }
        out += (negate ? "\\P{" : "\\p{") + name + "}"
    }
}
