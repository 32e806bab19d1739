/// A rule that could not be compiled: where (0-based character offset into the rule text) and why.
public struct RuleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 0-based index of the character the problem was found at.
    public var offset: Int
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "at character \(offset + 1): \(message)" }
}

/// Compiles Traefik v3 router rules.
///
/// Grammar: `expr := and ('||' and)*`, `and := unary ('&&' unary)*`, `unary := '!' unary | primary`,
/// `primary := '(' expr ')' | Matcher '(' arg (',' arg)* ')'`; an argument is a backtick raw string or a
/// double-quoted string with Go escapes. Matcher names are case-insensitive.
public enum RuleParser {
    /// The HTTP matchers of Traefik v3, spelled as documented.
    static let matchers = ["Host", "HostRegexp", "Path", "PathPrefix", "PathRegexp", "Method", "Header",
                           "HeaderRegexp", "Query", "QueryRegexp", "ClientIP"]

    /// Names that are not v3 HTTP matchers but deserve a better message than "unknown".
    static let otherMatchers: [(name: String, why: String)] = [
        ("HostSNI", "is for TCP routers, which Limpet does not support"),
        ("HostSNIRegexp", "is for TCP routers, which Limpet does not support"),
        ("ALPN", "is for TCP routers, which Limpet does not support"),
        ("HostHeader", "is Traefik v2 syntax: use Host"),
        ("Headers", "is Traefik v2 syntax: use Header"),
        ("HeadersRegexp", "is Traefik v2 syntax: use HeaderRegexp"),
    ]

    /// How many arguments each matcher takes (Traefik's `expectNParameters`).
    static func arity(of matcher: String) -> ClosedRange<Int> {
        switch matcher {
        case "Header", "HeaderRegexp": return 2...2
        case "Query", "QueryRegexp": return 1...2
        default: return 1...1
        }
    }

    /// RFC 9110 tchar: what a header field name is made of.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }

    public static func parse(_ text: String) throws(RuleError) -> Rule {
        var parser = Parser(chars: Array(text))
        parser.skipSpace()
        if parser.atEnd { throw RuleError(offset: 0, message: "empty rule") }
        let rule = try parser.parseOr()
        parser.skipSpace()
        if !parser.atEnd {
            throw RuleError(offset: parser.pos, message: "unexpected \(parser.describeCurrent()) after a complete rule")
        }
        return rule
    }

    private struct Parser {
        let chars: [Character]
        var pos = 0

        var atEnd: Bool { pos >= chars.count }

        mutating func skipSpace() {
            while pos < chars.count, chars[pos].isWhitespace { pos += 1 }
        }

        func describeCurrent() -> String {
            guard pos < chars.count else { return "end of rule" }
            return "'\(chars[pos])'"
        }

        func peek(_ s: String) -> Bool {
            var i = pos
            for c in s {
                guard i < chars.count, chars[i] == c else { return false }
                i += 1
            }
            return true
        }

        mutating func parseOr() throws(RuleError) -> Rule {
            var lhs = try parseAnd()
            while true {
                skipSpace()
                guard peek("||") else { return lhs }
                pos += 2
                let rhs = try parseAnd()
                lhs = .or(lhs, rhs)
            }
        }

        mutating func parseAnd() throws(RuleError) -> Rule {
            var lhs = try parseUnary()
            while true {
                skipSpace()
                guard peek("&&") else { return lhs }
                pos += 2
                let rhs = try parseUnary()
                lhs = .and(lhs, rhs)
            }
        }

        mutating func parseUnary() throws(RuleError) -> Rule {
            skipSpace()
            if peek("!") {
                pos += 1
                return .not(try parseUnary())
            }
            return try parsePrimary()
        }

        mutating func parsePrimary() throws(RuleError) -> Rule {
            skipSpace()
            guard pos < chars.count else {
                throw RuleError(offset: pos, message: "expected a matcher such as Host(`example.com`), found end of rule")
            }
            if chars[pos] == "(" {
                let open = pos
                pos += 1
                let inner = try parseOr()
                skipSpace()
                guard pos < chars.count, chars[pos] == ")" else {
                    if pos >= chars.count {
                        throw RuleError(offset: open, message: "unbalanced '(': no matching ')'")
                    }
                    throw RuleError(offset: pos, message: "expected ')' or an operator, found \(describeCurrent())")
                }
                pos += 1
                return inner
            }
            let nameStart = pos
            while pos < chars.count, chars[pos].isASCII, chars[pos].isLetter || chars[pos].isNumber { pos += 1 }
            guard pos > nameStart else {
                throw RuleError(offset: pos, message: "expected a matcher such as Host(`example.com`), found \(describeCurrent())")
            }
            let name = String(chars[nameStart..<pos])
            skipSpace()
            guard pos < chars.count, chars[pos] == "(" else {
                throw RuleError(offset: pos, message: "expected '(' after \(name), found \(describeCurrent())")
            }
            pos += 1
            var args: [(value: String, offset: Int)] = []
            skipSpace()
            if pos < chars.count, chars[pos] == ")" {
                pos += 1
            } else {
                while true {
                    skipSpace()
                    let argOffset = pos
                    args.append((try parseString(), argOffset))
                    skipSpace()
                    guard pos < chars.count else {
                        throw RuleError(offset: pos, message: "expected ',' or ')' in \(name)(…), found end of rule")
                    }
                    if chars[pos] == "," { pos += 1; continue }
                    if chars[pos] == ")" { pos += 1; break }
                    throw RuleError(offset: pos, message: "expected ',' or ')' in \(name)(…), found \(describeCurrent())")
                }
            }
            return try makeMatcher(name: name, nameOffset: nameStart, args: args)
        }

        mutating func parseString() throws(RuleError) -> String {
            guard pos < chars.count else {
                throw RuleError(offset: pos, message: "expected an argument in backticks or double quotes, found end of rule")
            }
            let open = pos
            let quote = chars[pos]
            guard quote == "`" || quote == "\"" else {
                throw RuleError(offset: pos, message: "expected an argument in backticks or double quotes, found \(describeCurrent())")
            }
            pos += 1
            var value = ""
            while pos < chars.count {
                let c = chars[pos]
                if c == quote {
                    pos += 1
                    return value
                }
                if quote == "\"" && c == "\\" {
                    pos += 1
                    guard pos < chars.count else { break }
                    let escapeOffset = pos - 1
                    let simple: [Character: Character] = ["\\": "\\", "\"": "\"", "n": "\n", "t": "\t", "r": "\r",
                                                          "a": "\u{7}", "b": "\u{8}", "f": "\u{C}", "v": "\u{B}"]
                    if let replacement = simple[chars[pos]] {
                        value.append(replacement)
                        pos += 1
                        continue
                    }
                    // Go's numeric escapes: \xHH, \uHHHH, \UHHHHHHHH, \ooo.
                    let (digits, radix): (Int, Int) = switch chars[pos] {
                    case "x": (2, 16)
                    case "u": (4, 16)
                    case "U": (8, 16)
                    case "0"..."7": (3, 8)
                    default: (0, 0)
                    }
                    if radix == 8 { pos -= 1 }  // the first digit is part of the number
                    let start = pos + 1
                    guard digits > 0, start + digits <= chars.count,
                          let v = UInt32(String(chars[start..<(start + digits)]), radix: radix),
                          let scalar = Unicode.Scalar(v), radix == 16 && chars[pos] != "x" || v < 0x80 else {
                        throw RuleError(offset: escapeOffset,
                                        message: "unsupported escape '\\\(chars[escapeOffset + 1])' in a double-quoted "
                                            + "argument (Go string escapes; \\x and octal only below 0x80)")
                    }
                    value.unicodeScalars.append(scalar)
                    pos = start + digits
                    continue
                }
                if quote == "\"" && c.isNewline {
                    throw RuleError(offset: open, message: "unterminated string: newline inside double quotes")
                }
                value.append(c)
                pos += 1
            }
            throw RuleError(offset: open, message: "unterminated string: missing closing \(quote)")
        }

        func makeMatcher(name: String, nameOffset: Int,
                         args: [(value: String, offset: Int)]) throws(RuleError) -> Rule {
            guard let matcher = RuleParser.matchers.first(where: { $0.lowercased() == name.lowercased() }) else {
                let lower = name.lowercased()
                if let hint = RuleParser.otherMatchers.first(where: { $0.name.lowercased() == lower }) {
                    throw RuleError(offset: nameOffset, message: "matcher \(hint.name) \(hint.why)")
                }
                var message = "unknown matcher \(name)"
                if let suggestion = Suggestion.closest(to: name, among: RuleParser.matchers) {
                    message += " (did you mean \(suggestion)?)"
                }
                throw RuleError(offset: nameOffset, message: message)
            }
            let arity = RuleParser.arity(of: matcher)
            guard arity.contains(args.count) else {
                let expected = arity == 1...1 ? "exactly one argument"
                    : arity == 2...2 ? "exactly two arguments" : "one or two arguments"
                throw RuleError(offset: nameOffset,
                                message: "\(matcher) takes \(expected), got \(args.count)"
                                    + (args.count > arity.upperBound ? " (v3 syntax: combine several with ||)" : ""))
            }
            // As Traefik's CheckRule: no argument may be empty.
            if let empty = args.first(where: { $0.value.isEmpty }) {
                throw RuleError(offset: empty.offset, message: "empty argument to \(matcher)")
            }
            func regex(_ arg: (value: String, offset: Int)) throws(RuleError) -> RuleRegex {
                do {
                    return try RuleRegex(goSyntax: arg.value)
                } catch {
                    throw RuleError(offset: arg.offset,
                                    message: "invalid regexp \"\(arg.value)\" for \(matcher): \(error)")
                }
            }
            func ascii(_ arg: (value: String, offset: Int)) throws(RuleError) {
                guard arg.value.allSatisfy(\.isASCII) else {
                    throw RuleError(offset: arg.offset, message: "invalid value \"\(arg.value)\" for \(matcher): "
                                        + "non-ASCII characters are not allowed")
                }
            }
            func headerName(_ arg: (value: String, offset: Int)) throws(RuleError) -> [UInt8] {
                let bytes = Array(arg.value.utf8)
                guard bytes.allSatisfy(RuleParser.isTokenByte) else {
                    throw RuleError(offset: arg.offset, message: "\"\(arg.value)\" is not a valid header name")
                }
                switch arg.value.lowercased() {
                case "host":
                    throw RuleError(offset: arg.offset, message: "\(matcher)(`\(arg.value)`, …) never matches "
                                        + "(as in Traefik, Host is not among the header fields): "
                                        + "use Host or HostRegexp")
                case "transfer-encoding":
                    throw RuleError(offset: arg.offset, message: "\(matcher)(`\(arg.value)`, …) never matches "
                                        + "(as in Traefik, Transfer-Encoding is consumed by the HTTP server)")
                default:
                    return bytes
                }
            }
            switch matcher {
            case "Host":
                try ascii(args[0])
                return .host(Array(args[0].value.lowercased().utf8))
            case "HostRegexp":
                try ascii(args[0])
                return .hostRegexp(try regex(args[0]))
            case "Path", "PathPrefix":
                let arg = args[0]
                guard arg.value.hasPrefix("/") else {
                    throw RuleError(offset: arg.offset, message: "path \"\(arg.value)\" does not start with a '/'")
                }
                let bytes = Array(arg.value.utf8)
                return matcher == "Path" ? .path(bytes) : .pathPrefix(bytes)
            case "PathRegexp":
                return .pathRegexp(try regex(args[0]))
            case "Method":
                return .method(Array(args[0].value.uppercased().utf8))
            case "Header":
                return .header(name: try headerName(args[0]), value: Array(args[1].value.utf8))
            case "HeaderRegexp":
                return .headerRegexp(name: try headerName(args[0]), try regex(args[1]))
            case "Query":
                let value = args.count == 2 ? Array(args[1].value.utf8) : []
                return .query(key: Array(args[0].value.utf8), value: value)
            case "QueryRegexp":
                guard args.count == 2 else { return .query(key: Array(args[0].value.utf8), value: []) }
                return .queryRegexp(key: Array(args[0].value.utf8), try regex(args[1]))
            default:  // ClientIP
                let arg = args[0]
                let allowed = "0123456789abcdefABCDEF.:/"
                // Go's net.ParseIP / ParseCIDR: no spaces, no signs, no zones.
                guard arg.value.allSatisfy({ allowed.contains($0) }),
                      let range = try? IPRange(parsing: arg.value) else {
                    throw RuleError(offset: arg.offset,
                                    message: "invalid IP address or CIDR range \"\(arg.value)\" for ClientIP")
                }
                return .clientIP(range)
            }
        }
    }
}
