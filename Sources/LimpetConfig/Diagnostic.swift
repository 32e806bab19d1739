/// One problem found in a configuration file, printed as `FILE:LINE:COLUMN: message`.
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var isWarning: Bool
    public init(file: String, line: Int, column: Int, message: String, isWarning: Bool = false) {
        self.file = file; self.line = line; self.column = column; self.message = message; self.isWarning = isWarning
    }
    public var description: String { "\(file):\(line):\(column): \(isWarning ? "warning: " : "")\(message)" }
}
