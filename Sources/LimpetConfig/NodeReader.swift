import Foundation
import LimpetRouting
import Yams

/// The keys a YAML mapping may hold.
struct Keys {
    /// Keys Limpet reads (canonical spelling; matched case-insensitively, as Traefik does).
    var known: [String]
    /// Traefik keys Limpet accepts but does not implement: a warning naming the key.
    var unimplemented: [String] = []
    /// Traefik keys accepted silently because ignoring them changes nothing.
    var silent: [String] = []

    init(_ known: [String], unimplemented: [String] = [], silent: [String] = []) {
        self.known = known
        self.unimplemented = unimplemented
        self.silent = silent
    }
}

/// The entries of a mapping checked against `Keys`, by canonical key.
struct Fields {
    struct Entry {
        let key: Node
        let value: Node
    }
    let node: Node
    var entries: [String: Entry] = [:]

    subscript(_ name: String) -> Node? { entries[name]?.value }
    func key(_ name: String) -> Node? { entries[name]?.key }
    func has(_ name: String) -> Bool { entries[name] != nil }
}

/// Walks a composed YAML tree, converting values and recording every problem with its location.
final class NodeReader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    var hasErrors: Bool { diagnostics.contains { !$0.isWarning } }

    // MARK: Diagnostics

    func location(of node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    func error(_ message: String, at node: Node) {
        diagnostics.append(location(of: node).diagnostic(message))
    }

    func warning(_ message: String, at node: Node) {
        diagnostics.append(location(of: node).diagnostic(message, isWarning: true))
    }

    func append(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    // MARK: Loading

    /// Reads and composes a YAML file; nil (with a diagnostic) when it cannot be read or parsed.
    /// An empty file gives an empty mapping.
    func load() -> Node? {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            diagnostics.append(Diagnostic(file: file, line: 1, column: 1, message: Self.unreadable(file, error)))
            return nil
        }
        return compose(text)
    }

    /// Why `file` could not be read, in the operator's terms: `no such file` (with the absolute path it was
    /// looked for at, when the path is relative), `permission denied`, `is a directory`…, not Foundation's
    /// generic sentence.
    static func unreadable(_ file: String, _ error: Error) -> String {
        var info = stat()
        let reason: String
        if stat(file, &info) != 0 {
            reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno)).lowercased()
        } else if (info.st_mode & S_IFMT) == S_IFDIR {
            reason = "is a directory, not a file"
        } else if access(file, R_OK) != 0 {
            reason = "permission denied"
        } else {
            reason = "cannot read file: \(describe(error))"
        }
        guard !file.hasPrefix("/") else { return reason }
        let directory = FileManager.default.currentDirectoryPath
        return "\(reason) (looked for at \(directory == "/" ? "" : directory)/\(file))"
    }

    func compose(_ text: String) -> Node? {
        do {
            return try Yams.compose(yaml: text) ?? Node.mapping(Node.Mapping([]))
        } catch let error as YamlError {
            let (line, column, message) = Self.explain(error)
            diagnostics.append(Diagnostic(file: file, line: line, column: column, message: message))
        } catch {
            diagnostics.append(Diagnostic(file: file, line: 1, column: 1, message: "invalid YAML: \(error)"))
        }
        return nil
    }

    static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }

    static func explain(_ error: YamlError) -> (line: Int, column: Int, message: String) {
        func text(_ context: YamlError.Context?, _ problem: String) -> String {
            if let context, !context.text.isEmpty { return "invalid YAML: \(problem) (\(context.text))" }
            return "invalid YAML: \(problem)"
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return (mark.line, mark.column, text(context, problem))
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return (context.mark.line, context.mark.column, "duplicate key \(keys)")
        case let .reader(problem, _, _, _):
            return (1, 1, "invalid YAML: \(problem)")
        default:
            return (1, 1, "invalid YAML: \(error)")
        }
    }

    // MARK: Structure

    static func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s): return isNull(node) ? "nothing (null)" : "\"\(s.string)\""
        case .alias: return "an alias"
        }
    }

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        return s.string.isEmpty || s.string == "~" || s.string == "null" || s.string == "Null" || s.string == "NULL"
    }

    /// The key/value pairs of a mapping, with YAML merge keys (`<<: *anchor`) expanded.
    /// `null` is an empty mapping. Reports anything else.
    func pairs(_ node: Node, path: String) -> [(key: Node, name: String, value: Node)]? {
        if Self.isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            error("\(path): expected a mapping, found \(Self.kind(node))", at: node)
            return nil
        }
        var own: [(key: Node, name: String, value: Node)] = []
        var merged: [(key: Node, name: String, value: Node)] = []
        for (key, value) in mapping {
            guard case .scalar(let k) = key else {
                error("\(path): keys must be plain strings", at: key)
                continue
            }
            if k.string == "<<" && (k.style == .plain || k.style == .any) {
                let sources: [Node] = value.sequence.map { Array($0) } ?? [value]
                for source in sources {
                    guard let inner = pairs(source, path: path) else { continue }
                    merged += inner
                }
                continue
            }
            own.append((key, k.string, value))
        }
        for m in merged where !own.contains(where: { $0.name == m.name }) {
            own.append(m)
        }
        return own
    }

    /// Checks a mapping against `keys`: unknown keys are errors, unimplemented Traefik keys warnings.
    func fields(_ node: Node, path: String, keys: Keys) -> Fields? {
        guard let pairs = pairs(node, path: path) else { return nil }
        var result = Fields(node: node)
        var seen: [String: Node] = [:]
        for (keyNode, name, value) in pairs {
            let lowered = name.lowercased()
            let qualified = path.isEmpty ? name : "\(path).\(name)"
            if let previous = seen[lowered] {
                error("duplicate key \"\(name)\" in \(path.isEmpty ? "the file" : path) "
                        + "(first at \(location(of: previous).short))", at: keyNode)
                continue
            }
            seen[lowered] = keyNode
            if let canonical = keys.known.first(where: { $0.lowercased() == lowered }) {
                result.entries[canonical] = Fields.Entry(key: keyNode, value: value)
            } else if let canonical = keys.unimplemented.first(where: { $0.lowercased() == lowered }) {
                let where_ = path.isEmpty ? canonical : "\(path).\(canonical)"
                warning("\"\(where_)\" is a Traefik option Limpet does not implement; it is ignored", at: keyNode)
            } else if keys.silent.contains(where: { $0.lowercased() == lowered }) {
                continue
            } else {
                var message = "unknown key \"\(qualified)\""
                let candidates = keys.known + keys.unimplemented
                if let suggestion = Self.suggest(name, among: candidates) {
                    message += " (did you mean \"\(suggestion)\"?)"
                } else if !candidates.isEmpty {
                    message += "; expected one of: " + candidates.joined(separator: ", ")
                }
                error(message, at: keyNode)
            }
        }
        return result
    }

    /// The closest candidate within an edit distance of 2, compared case-insensitively (`Suggestion.closest`).
    static func suggest(_ word: String, among candidates: [String]) -> String? {
        Suggestion.closest(to: word, among: candidates)
    }

    /// The entries of a mapping keyed by user-chosen names (routers, services, …).
    func named(_ node: Node, path: String) -> [(key: Node, name: String, value: Node)]? {
        pairs(node, path: path)
    }

    func list(_ node: Node, path: String) -> [Node]? {
        if Self.isNull(node) { return [] }
        guard case .sequence(let seq) = node else {
            error("\(path): expected a list, found \(Self.kind(node))", at: node)
            return nil
        }
        return Array(seq)
    }

    // MARK: Scalars

    /// The text of a scalar (any YAML scalar: numbers and booleans are read as their text).
    /// nil for a missing or null node, and (reported) for a mapping or a list.
    func string(_ node: Node?, path: String) -> String? {
        guard let node, !Self.isNull(node) else { return nil }
        guard case .scalar(let s) = node else {
            error("\(path): expected a string, found \(Self.kind(node))", at: node)
            return nil
        }
        return s.string
    }

    func bool(_ node: Node?, path: String) -> Bool? {
        guard let text = string(node, path: path), let node else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error("\(path): expected true or false, found \"\(text)\"", at: node)
            return nil
        }
    }

    func int(_ node: Node?, path: String, range: ClosedRange<Int>? = nil) -> Int? {
        guard let text = string(node, path: path), let node else { return nil }
        guard let value = Int(text) else {
            error("\(path): expected an integer, found \"\(text)\"", at: node)
            return nil
        }
        if let range, !range.contains(value) {
            let bound = range.upperBound == Int.max ? "at least \(range.lowerBound)"
                : "between \(range.lowerBound) and \(range.upperBound)"
            error("\(path): \(value) is out of range; expected \(bound)", at: node)
            return nil
        }
        return value
    }

    func double(_ node: Node?, path: String) -> Double? {
        guard let text = string(node, path: path), let node else { return nil }
        guard let value = Double(text), value.isFinite else {
            error("\(path): expected a number, found \"\(text)\"", at: node)
            return nil
        }
        return value
    }

    func duration(_ node: Node?, path: String) -> Duration? {
        guard let text = string(node, path: path), let node else { return nil }
        switch ValueParsing.duration(text) {
        case .success(let d):
            return d
        case .failure(let problem):
            error("\(path): \(problem.message)", at: node)
            return nil
        }
    }

    func size(_ node: Node?, path: String) -> Int? {
        guard let text = string(node, path: path), let node else { return nil }
        switch ValueParsing.size(text) {
        case .success(let s):
            return s
        case .failure(let problem):
            error("\(path): \(problem.message)", at: node)
            return nil
        }
    }

    /// A list of strings, each with its node (for locations).
    func stringList(_ node: Node?, path: String) -> [(value: String, node: Node)]? {
        guard let node else { return nil }
        guard let items = list(node, path: path) else { return nil }
        var result: [(value: String, node: Node)] = []
        for (i, item) in items.enumerated() {
            if let s = string(item, path: "\(path)[\(i)]") { result.append((s, item)) }
        }
        return result
    }

    /// A mapping of header names to values, in order.
    func stringMap(_ node: Node?, path: String) -> [(name: String, value: String)]? {
        guard let node, let pairs = pairs(node, path: path) else { return nil }
        var result: [(name: String, value: String)] = []
        for (_, name, value) in pairs {
            result.append((name, string(value, path: "\(path).\(name)") ?? ""))
        }
        return result
    }
}
