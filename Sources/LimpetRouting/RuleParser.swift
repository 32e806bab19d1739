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
    /// Matchers Traefik v3 has but Limpet cannot evaluate yet; they are rejected with a clear message.
    static let unsupportedMatchers = ["HostRegexp", "PathRegexp", "Header", "HeaderRegexp", "Query",
                                      "QueryRegexp", "ClientIP", "HostHeader", "HostSNI", "HostSNIRegexp", "ALPN"]

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
                    switch chars[pos] {
                    case "\\": value.append("\\")
                    case "\"": value.append("\"")
                    case "n": value.append("\n")
                    case "t": value.append("\t")
                    case "r": value.append("\r")
                    default:
                        throw RuleError(offset: pos - 1, message: "unsupported escape '\\\(chars[pos])' in a double-quoted argument")
                    }
                    pos += 1
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
            func single() throws(RuleError) -> (value: String, offset: Int) {
                guard args.count == 1 else {
                    throw RuleError(offset: nameOffset,
                                    message: "\(name) takes exactly one argument, got \(args.count)"
                                        + (args.count > 1 ? " (v3 syntax: combine several with ||)" : ""))
                }
                return args[0]
            }
            switch name.lowercased() {
            case "host":
                let arg = try single()
                guard arg.value.allSatisfy(\.isASCII) else {
                    throw RuleError(offset: arg.offset, message: "invalid value \"\(arg.value)\" for Host: non-ASCII characters are not allowed")
                }
                return .host(Array(arg.value.lowercased().utf8))
            case "path", "pathprefix":
                let arg = try single()
                guard arg.value.hasPrefix("/") else {
                    throw RuleError(offset: arg.offset, message: "path \"\(arg.value)\" does not start with a '/'")
                }
                let bytes = Array(arg.value.utf8)
                return name.lowercased() == "path" ? .path(bytes) : .pathPrefix(bytes)
            case "method":
                let arg = try single()
                guard !arg.value.isEmpty else { throw RuleError(offset: arg.offset, message: "empty method") }
                return .method(Array(arg.value.uppercased().utf8))
            default:
                if let known = RuleParser.unsupportedMatchers.first(where: { $0.lowercased() == name.lowercased() }) {
                    throw RuleError(offset: nameOffset, message: "matcher \(known) is not supported yet")
                }
                throw RuleError(offset: nameOffset, message: "unknown matcher \(name)")
            }
        }
    }
}
