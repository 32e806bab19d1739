/// The `traefik.http.*` labels of one workload as a tree (`routers` → `web` → `rule`). Names match
/// case-insensitively, as in Traefik's label parser: the spelling of the first label in key order names the node.
final class LabelNode {
    /// As first written: `Web`.
    let name: String
    /// The label key up to and including this node, as first written: `traefik.http.routers.Web`.
    let key: String
    /// 1-based position, among all the workload's labels sorted by key, of the first label at or below this node.
    let line: Int
    /// The label's value when a label ends here.
    var value: String?
    /// The label that set `value`, as written (of labels that differ only in case, the last in key order).
    var valueKey: String?
    var children: [LabelNode] = []

    init(name: String, key: String, line: Int) {
        self.name = name
        self.key = key
        self.line = line
    }

    func child(_ name: String) -> LabelNode? {
        let lowered = name.lowercased()
        return children.first { $0.name.lowercased() == lowered }
    }

    @discardableResult
    func removeChild(_ name: String) -> LabelNode? {
        let lowered = name.lowercased()
        guard let index = children.firstIndex(where: { $0.name.lowercased() == lowered }) else { return nil }
        return children.remove(at: index)
    }

    /// `traefik.http.routers.web.rule` for a label, `traefik.http.routers.web.*` for a group of labels.
    var subject: String { children.isEmpty ? "label \(valueKey ?? key)" : "labels \(key).*" }
}

/// YAML text written from labels for the file decoder, with what each line stands for, so that the decoder's
/// `FILE:LINE:COLUMN` locations can be mapped back to labels.
struct LabelYAML {
    struct Line {
        /// 1-based position of the label among the workload's labels sorted by key; 0: no label (a default).
        var label: Int
        /// What the line stands for in messages: `label traefik.http.routers.web.rule`.
        var subject: String
        /// Column of the opening quote of a value copied unchanged from a label: columns past it are characters of
        /// the label's value.
        var valueColumn: Int? = nil
        /// The router (as written) whose name or rule the line holds: an error here leaves out only that router.
        var router: String? = nil
    }

    private(set) var text = ""
    private(set) var lines: [Line] = []

    /// `key:` opening a mapping.
    mutating func mapping(_ key: String, depth: Int, _ line: Line) {
        append(indent(depth) + Self.quoted(key) + ":", line)
    }

    mutating func emptyMapping(_ key: String, depth: Int, _ line: Line) {
        append(indent(depth) + Self.quoted(key) + ": {}", line)
    }

    /// `key: "value"` (every label value is a string; the decoder converts numbers, booleans and durations).
    mutating func scalar(_ key: String, _ value: String, depth: Int, _ line: Line, fromLabel: Bool) {
        var line = line
        let prefix = indent(depth) + Self.quoted(key) + ": "
        let quoted = Self.quoted(value)
        if fromLabel, quoted.unicodeScalars.count == value.unicodeScalars.count + 2, value.allSatisfy(\.isASCII) {
            line.valueColumn = prefix.unicodeScalars.count + 1
        }
        append(prefix + quoted, line)
    }

    /// `key: ["a", "b"]`.
    mutating func list(_ key: String, _ items: [String], depth: Int, _ line: Line) {
        append(indent(depth) + Self.quoted(key) + ": [" + items.map(Self.quoted).joined(separator: ", ") + "]", line)
    }

    /// `- key: "value"`, the first entry of a mapping in a list; its other entries follow at `depth + 1`.
    mutating func listItem(_ key: String, _ value: String, depth: Int, _ line: Line) {
        append(indent(depth) + "- " + Self.quoted(key) + ": " + Self.quoted(value), line)
    }

    private func indent(_ depth: Int) -> String { String(repeating: "  ", count: depth) }

    private mutating func append(_ text: String, _ line: Line) {
        self.text += text + "\n"
        lines.append(line)
    }

    /// The line that a decoder location points at.
    func line(_ number: Int) -> Line? {
        number >= 1 && number <= lines.count ? lines[number - 1] : nil
    }

    /// A YAML double-quoted scalar holding exactly `text`: every character YAML may not carry as it is, or that
    /// would end the scalar, is escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x20...0x7E, 0xA0...0xD7FF, 0xE000...0xFEFE, 0xFF00...0xFFFD, 0x10000...0x10FFFF:
                out.unicodeScalars.append(scalar)
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                if scalar.value <= 0xFFFF {
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out += "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
                }
            }
        }
        return out + "\""
    }
}
