/// Where a value was written: file, 1-based line and column.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `FILE:LINE:COLUMN`.
    public var description: String { "\(file):\(line):\(column)" }

    /// `FILE:LINE:COLUMN` with the file's last path component only.
    var short: String {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        return "\(name):\(line):\(column)"
    }

    func diagnostic(_ message: String, isWarning: Bool = false) -> Diagnostic {
        Diagnostic(file: file, line: line, column: column, message: message, isWarning: isWarning)
    }
}

/// A configuration that cannot be used; `diagnostics` holds every error found (and the warnings).
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    /// Only the errors.
    public var errors: [Diagnostic] { diagnostics.filter { !$0.isWarning } }

    /// One `FILE:LINE:COLUMN: message` per line, errors first.
    public var description: String {
        (errors + diagnostics.filter(\.isWarning)).map(\.description).joined(separator: "\n")
    }
}
