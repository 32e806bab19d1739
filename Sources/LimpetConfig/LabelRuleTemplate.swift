import Foundation

/// A provider's `defaultRule` (SPEC §8): a Go `text/template` that Traefik executes with the workload's `.Name`
/// (its normalized service name), `.ContainerName` and `.Labels` to make the rule of a router whose labels set none.
///
/// Only the subset such rules use is implemented: text, `{{ … }}` actions with `{{-`/`-}}` trimming and
/// `{{/* comments */}}`, pipelines (`.Name | lower`), parentheses, string literals (`"…"`, `` `…` ``), the fields
/// `.Name`, `.ContainerName`, `.Labels` (and `.Labels.key`), and the functions `normalize`, `index`, `lower`,
/// `upper`, `trim`, `trimPrefix`, `trimSuffix`, `replace` and `default` (Traefik adds `normalize` to sprig's).
/// Anything else (`if`, `range`, variables, other functions) is refused when the template is parsed.
struct LabelRuleTemplate: Sendable {
    struct Failure: Error, Sendable {
        var message: String
    }

    /// What the template is executed with.
    struct Model {
        var name: String
        var containerName: String
        var labels: [String: String]
    }

    static let functions: [String: ClosedRange<Int>] = [
        "normalize": 1...1, "index": 2...2, "lower": 1...1, "upper": 1...1, "trim": 1...1, "trimPrefix": 2...2,
        "trimSuffix": 2...2, "replace": 3...3, "default": 2...2,
    ]

    private enum Piece: Sendable {
        case text(String)
        case action(Pipeline)
    }

    private struct Pipeline: Sendable {
        var commands: [Command]
    }

    private struct Command: Sendable {
        /// nil: a single operand.
        var function: String?
        var arguments: [Operand]
    }

    private indirect enum Operand: Sendable {
        /// `.Name`, `.Labels`, `.Labels.key`.
        case field([String])
        case string(String)
        case pipeline(Pipeline)
    }

    private enum Value {
        case string(String)
        case labels([String: String])
    }

    private let pieces: [Piece]

    init(_ source: String) throws(Failure) {
        pieces = try Self.parse(source)
    }

    func render(_ model: Model) throws(Failure) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let text):
                out += text
            case .action(let pipeline):
                switch try evaluate(pipeline, model) {
                case .string(let s): out += s
                case .labels: throw Failure(message: "cannot print .Labels; use index .Labels \"name\"")
                }
            }
        }
        return out
    }

    // MARK: Parsing

    private static func parse(_ source: String) throws(Failure) -> [Piece] {
        let chars = Array(source)
        var pieces: [Piece] = []
        var text = ""
        var i = 0
        var trimNextText = false
        func flushText(trimTrailing: Bool) {
            var t = text
            if trimNextText { t = String(t.drop(while: \.isWhitespace)) }
            if trimTrailing { while let last = t.last, last.isWhitespace { t.removeLast() } }
            if !t.isEmpty { pieces.append(.text(t)) }
            text = ""
        }
        while i < chars.count {
            guard chars[i] == "{", i + 1 < chars.count, chars[i + 1] == "{" else {
                text.append(chars[i])
                i += 1
                continue
            }
            // Find the closing "}}", skipping string literals.
            var j = i + 2
            var end: Int?
            while j < chars.count {
                let c = chars[j]
                if c == "\"" || c == "`" {
                    j += 1
                    while j < chars.count, chars[j] != c {
                        if c == "\"", chars[j] == "\\" { j += 1 }
                        j += 1
                    }
                    j += 1
                    continue
                }
                if c == "}", j + 1 < chars.count, chars[j + 1] == "}" {
                    end = j
                    break
                }
                j += 1
            }
            guard let end else { throw Failure(message: "unclosed action (missing \"}}\")") }
            var inner = chars[(i + 2)..<end]
            var trimLeft = false
            var trimRight = false
            if inner.count >= 2, inner.first == "-", inner[inner.startIndex + 1].isWhitespace {
                trimLeft = true
                inner = inner.dropFirst()
            }
            if inner.count >= 2, inner.last == "-", inner[inner.endIndex - 2].isWhitespace {
                trimRight = true
                inner = inner.dropLast()
            }
            flushText(trimTrailing: trimLeft)
            trimNextText = trimRight
            let body = String(inner).trimmingCharacters(in: .whitespacesAndNewlines)
            if body.hasPrefix("/*") {
                guard body.hasSuffix("*/") else { throw Failure(message: "unclosed comment") }
            } else {
                var parser = ActionParser(tokens: try tokenize(body))
                let pipeline = try parser.pipeline()
                if let extra = parser.peek {
                    throw Failure(message: "unexpected \(extra) in action \"{{\(String(chars[(i + 2)..<end]))}}\"")
                }
                pieces.append(.action(pipeline))
            }
            i = end + 2
        }
        flushText(trimTrailing: false)
        return pieces
    }

    fileprivate enum Token: CustomStringConvertible {
        case pipe, open, close
        case field([String])
        case string(String)
        case identifier(String)

        var description: String {
            switch self {
            case .pipe: return "\"|\""
            case .open: return "\"(\""
            case .close: return "\")\""
            case .field(let path): return "\"." + path.joined(separator: ".") + "\""
            case .string(let s): return "string \"\(s)\""
            case .identifier(let name): return "\"\(name)\""
            }
        }
    }

    private static func tokenize(_ body: String) throws(Failure) -> [Token] {
        let chars = Array(body)
        var tokens: [Token] = []
        var i = 0
        func isIdentifier(_ c: Character) -> Bool { c == "_" || (c.isASCII && (c.isLetter || c.isNumber)) }
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace {
                i += 1
            } else if c == "|" {
                tokens.append(.pipe)
                i += 1
            } else if c == "(" {
                tokens.append(.open)
                i += 1
            } else if c == ")" {
                tokens.append(.close)
                i += 1
            } else if c == "`" {
                guard let close = chars[(i + 1)...].firstIndex(of: "`") else {
                    throw Failure(message: "unterminated raw string")
                }
                tokens.append(.string(String(chars[(i + 1)..<close])))
                i = close + 1
            } else if c == "\"" {
                var s = ""
                var j = i + 1
                var closed = false
                while j < chars.count {
                    let d = chars[j]
                    if d == "\"" {
                        closed = true
                        break
                    }
                    if d == "\\" {
                        guard j + 1 < chars.count else { break }
                        switch chars[j + 1] {
                        case "\\": s.append("\\")
                        case "\"": s.append("\"")
                        case "n": s.append("\n")
                        case "t": s.append("\t")
                        case "r": s.append("\r")
                        default: throw Failure(message: "unsupported escape \"\\\(chars[j + 1])\" in a string")
                        }
                        j += 2
                        continue
                    }
                    s.append(d)
                    j += 1
                }
                guard closed else { throw Failure(message: "unterminated string") }
                tokens.append(.string(s))
                i = j + 1
            } else if c == "." {
                var path: [String] = []
                while i < chars.count, chars[i] == "." {
                    var j = i + 1
                    while j < chars.count, isIdentifier(chars[j]) { j += 1 }
                    guard j > i + 1 else {
                        throw Failure(message: "\".\" alone is not supported; use .Name, .ContainerName or .Labels")
                    }
                    path.append(String(chars[(i + 1)..<j]))
                    i = j
                }
                tokens.append(.field(path))
            } else if isIdentifier(c) {
                var j = i
                while j < chars.count, isIdentifier(chars[j]) { j += 1 }
                tokens.append(.identifier(String(chars[i..<j])))
                i = j
            } else if c == "$" {
                throw Failure(message: "template variables are not supported")
            } else {
                throw Failure(message: "unexpected \"\(c)\" in an action")
            }
        }
        return tokens
    }

    private struct ActionParser {
        var tokens: [Token]
        var position = 0

        var peek: Token? { position < tokens.count ? tokens[position] : nil }

        mutating func pipeline() throws(Failure) -> Pipeline {
            var commands = [try command()]
            while case .pipe? = peek {
                position += 1
                commands.append(try command())
            }
            return Pipeline(commands: commands)
        }

        mutating func command() throws(Failure) -> Command {
            var function: String?
            if case .identifier(let name)? = peek {
                guard LabelRuleTemplate.functions[name] != nil else {
                    let known = LabelRuleTemplate.functions.keys.sorted().joined(separator: ", ")
                    if ["if", "else", "end", "range", "with", "define", "template", "block"].contains(name) {
                        throw Failure(message: "\"\(name)\" actions are not supported")
                    }
                    throw Failure(message: "function \"\(name)\" is not supported (supported: \(known))")
                }
                function = name
                position += 1
            }
            var arguments: [Operand] = []
            loop: while let token = peek {
                switch token {
                case .pipe, .close:
                    break loop
                case .identifier(let name):
                    throw Failure(message: "function \"\(name)\" must be called in parentheses when it is an argument")
                default:
                    arguments.append(try operand())
                }
            }
            if let function {
                // In a pipeline the previous value becomes the last argument, so one fewer may be written.
                let range = LabelRuleTemplate.functions[function]!
                guard arguments.count <= range.upperBound, arguments.count >= range.lowerBound - 1 else {
                    throw Failure(message: "\(function) takes \(range.lowerBound) argument(s), found \(arguments.count)")
                }
            } else {
                guard arguments.count == 1 else {
                    throw Failure(message: arguments.isEmpty ? "empty command" : "\(arguments.count) values in one command; "
                                  + "call a function or use \"|\"")
                }
            }
            return Command(function: function, arguments: arguments)
        }

        mutating func operand() throws(Failure) -> Operand {
            guard let token = peek else { throw Failure(message: "missing value") }
            position += 1
            switch token {
            case .string(let s):
                return .string(s)
            case .field(let path):
                switch path.first {
                case "Name", "ContainerName":
                    guard path.count == 1 else { throw Failure(message: ".\(path[0]) has no fields") }
                case "Labels":
                    guard path.count <= 2 else { throw Failure(message: "label names with dots need index .Labels \"…\"") }
                default:
                    throw Failure(message: "unknown field .\(path[0]) (use .Name, .ContainerName or .Labels)")
                }
                return .field(path)
            case .open:
                let inner = try pipeline()
                guard case .close? = peek else { throw Failure(message: "missing \")\"") }
                position += 1
                return .pipeline(inner)
            default:
                throw Failure(message: "unexpected \(token)")
            }
        }
    }

    // MARK: Execution

    private func evaluate(_ pipeline: Pipeline, _ model: Model) throws(Failure) -> Value {
        var previous: Value?
        for command in pipeline.commands {
            var values: [Value] = []
            for argument in command.arguments { values.append(try evaluate(argument, model)) }
            guard let function = command.function else {
                if previous != nil { throw Failure(message: "cannot pipe a value into a value that is not a function") }
                previous = values[0]
                continue
            }
            if let previous { values.append(previous) }
            let range = Self.functions[function]!
            guard range.contains(values.count) else {
                throw Failure(message: "\(function) takes \(range.lowerBound) argument(s), found \(values.count)")
            }
            previous = try call(function, values)
        }
        return previous ?? .string("")
    }

    private func evaluate(_ operand: Operand, _ model: Model) throws(Failure) -> Value {
        switch operand {
        case .string(let s):
            return .string(s)
        case .pipeline(let p):
            return try evaluate(p, model)
        case .field(let path):
            switch path[0] {
            case "Name": return .string(model.name)
            case "ContainerName": return .string(model.containerName)
            default: return path.count == 2 ? .string(model.labels[path[1]] ?? "") : .labels(model.labels)
            }
        }
    }

    private func call(_ function: String, _ values: [Value]) throws(Failure) -> Value {
        if function == "index" {
            guard case .labels(let labels) = values[0], case .string(let key) = values[1] else {
                throw Failure(message: "index works on .Labels with a label name: index .Labels \"name\"")
            }
            return .string(labels[key] ?? "")
        }
        var strings: [String] = []
        for value in values {
            guard case .string(let s) = value else {
                throw Failure(message: "\(function) expects text, found .Labels")
            }
            strings.append(s)
        }
        switch function {
        case "normalize": return .string(LabelDecoder.normalize(strings[0]))
        case "lower": return .string(strings[0].lowercased())
        case "upper": return .string(strings[0].uppercased())
        case "trim": return .string(strings[0].trimmingCharacters(in: .whitespacesAndNewlines))
        case "trimPrefix":
            return .string(strings[1].hasPrefix(strings[0]) ? String(strings[1].dropFirst(strings[0].count)) : strings[1])
        case "trimSuffix":
            return .string(strings[1].hasSuffix(strings[0]) ? String(strings[1].dropLast(strings[0].count)) : strings[1])
        case "replace":
            return .string(strings[0].isEmpty ? strings[2] : strings[2].replacingOccurrences(of: strings[0], with: strings[1]))
        default:  // "default": the given value unless it is empty
            return .string(strings[1].isEmpty ? strings[0] : strings[1])
        }
    }
}
