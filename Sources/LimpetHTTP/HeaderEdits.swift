/// Header changes configured by `headers` middlewares (`customRequestHeaders`, `customResponseHeaders`),
/// compiled once per configuration: received fields with one of `names` are dropped, then `lines` are written.
///
/// A value of `""` removes the header; any other value replaces every received field of that name (as
/// Traefik's `Header.Set`). Names the proxy manages itself (framing and connection headers) are refused
/// by `init` and reported in `refused`, so an edit can never desynchronise the message framing.
public struct HeaderEdits: Sendable, Equatable {
    /// Lower-cased names whose received fields are not forwarded.
    public let names: [[UInt8]]
    /// `Name: value\r\n` for every header set (not removed), in configuration order.
    public let lines: [UInt8]
    /// For request edits, a `Host` value replaces the one forwarded (Traefik sets `req.Host`).
    public let host: [UInt8]?
    /// Names that were not applied because the proxy owns them.
    public let refused: [String]

    /// Fields the proxy writes or needs for framing; never edited.
    static let managed: Set<String> = ["content-length", "transfer-encoding", "connection", "keep-alive",
                                       "proxy-connection", "te", "trailer", "upgrade"]

    /// Later entries win over earlier ones with the same name (case-insensitively), as when several
    /// `headers` middlewares are chained.
    public init(_ fields: [(name: String, value: String)]) {
        var order: [String] = []
        var values: [String: (name: String, value: String)] = [:]
        var refused: [String] = []
        for field in fields {
            let key = field.name.lowercased()
            if HeaderEdits.managed.contains(key) {
                if !refused.contains(field.name) { refused.append(field.name) }
                continue
            }
            if values[key] == nil { order.append(key) }
            values[key] = field
        }
        var names: [[UInt8]] = []
        var lines: [UInt8] = []
        var host: [UInt8]?
        for key in order {
            guard let field = values[key] else { continue }
            if key == "host" {
                if !field.value.isEmpty { host = Array(field.value.utf8) }
                continue
            }
            names.append(Array(key.utf8))
            guard !field.value.isEmpty else { continue }
            lines += Array(field.name.utf8)
            lines += Array(": ".utf8)
            lines += Array(field.value.utf8)
            lines += [ASCII.cr, ASCII.lf]
        }
        self.names = names
        self.lines = lines
        self.host = host
        self.refused = refused
    }

    public var isEmpty: Bool { names.isEmpty && host == nil }

    /// Whether a received field called `name` is replaced or removed by these edits.
    @inlinable
    public func drops(_ name: Span, in b: UnsafeRawBufferPointer) -> Bool {
        let start = Int(name.start)
        let count = name.count
        for candidate in names where candidate.count == count {
            var i = 0
            while i < count && ASCII.lower(b[start + i]) == candidate[i] { i += 1 }
            if i == count { return true }
        }
        return false
    }
}
