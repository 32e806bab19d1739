/// Parsing of the value syntaxes the configuration shares with Traefik.
public enum ValueParsing {
    public struct Problem: Error, Sendable, Equatable {
        public var message: String
    }

    /// A Go duration (`250ms`, `10s`, `1m30s`, `1h`, `1.5s`, units `ns us µs ms s m h`) or a plain number
    /// of seconds (`10`, `0.5`). Negative durations are refused.
    public static func duration(_ text: String) -> Result<Duration, Problem> {
        let s = text.trimmingSpaces
        let bad = Problem(message: "invalid duration \"\(text)\"; use Go syntax such as 250ms, 10s, 1m30s, "
                                   + "or a number of seconds")
        guard !s.isEmpty else { return .failure(bad) }
        if s.hasPrefix("-") { return .failure(Problem(message: "negative duration \"\(text)\"")) }
        if let seconds = Double(s), s.allSatisfy({ $0.isNumber || $0 == "." || $0 == "+" }) {
            guard seconds.isFinite, seconds * 1e9 < 9.2e18 else { return .failure(bad) }
            return .success(.nanoseconds(Int64((seconds * 1e9).rounded())))
        }
        var chars = Substring(s)
        if chars.first == "+" { chars.removeFirst() }
        var total: Double = 0
        var sawComponent = false
        while !chars.isEmpty {
            let number = chars.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", let value = Double(number) else { return .failure(bad) }
            chars = chars.dropFirst(number.count)
            let unit = chars.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            chars = chars.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1
            case "us", "µs", "μs": scale = 1e3
            case "ms": scale = 1e6
            case "s": scale = 1e9
            case "m": scale = 60e9
            case "h": scale = 3600e9
            default: return .failure(bad)
            }
            total += value * scale
            sawComponent = true
        }
        guard sawComponent, total < 9.2e18 else { return .failure(bad) }
        return .success(.nanoseconds(Int64(total.rounded())))
    }

    /// A byte count: `16384`, `64KiB`, `1MiB`, `1GiB`, `64KB`, `1MB` (decimal), `512B`; case-insensitive.
    public static func size(_ text: String) -> Result<Int, Problem> {
        let s = text.trimmingSpaces
        let bad = Problem(message: "invalid size \"\(text)\"; use a number of bytes or a unit such as 64KiB, 1MiB, 16KB")
        let digits = s.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard !digits.isEmpty, let value = Double(digits) else { return .failure(bad) }
        let unit = s.dropFirst(digits.count).trimmingCharactersSpaces.lowercased()
        let scale: Double
        switch unit {
        case "", "b": scale = 1
        case "kib", "k": scale = 1024
        case "mib", "m": scale = 1024 * 1024
        case "gib", "g": scale = 1024 * 1024 * 1024
        case "kb": scale = 1000
        case "mb": scale = 1_000_000
        case "gb": scale = 1_000_000_000
        default: return .failure(bad)
        }
        let bytes = value * scale
        guard bytes == bytes.rounded(), bytes < 9.2e18 else { return .failure(bad) }
        return .success(Int(bytes))
    }

    /// An entry point address: `:8000`, `127.0.0.1:8000`, `[::1]:8000`, `host:8000`, optionally `/tcp`.
    public static func address(_ text: String) -> Result<(host: String?, port: UInt16), Problem> {
        var s = Substring(text.trimmingSpaces)
        if s.lowercased().hasSuffix("/tcp") { s = s.dropLast(4) }
        if s.lowercased().hasSuffix("/udp") {
            return .failure(Problem(message: "UDP entry points are not supported (\"\(text)\")"))
        }
        let bad = Problem(message: "invalid address \"\(text)\"; expected HOST:PORT, :PORT or [IPv6]:PORT")
        var host: Substring
        let portText: Substring
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]"), s[s.index(after: close)...].hasPrefix(":") else {
                return .failure(bad)
            }
            host = s[s.index(after: s.startIndex)..<close]
            portText = s[s.index(close, offsetBy: 2)...]
            guard !host.isEmpty else { return .failure(bad) }
        } else {
            guard let colon = s.lastIndex(of: ":") else { return .failure(bad) }
            host = s[..<colon]
            portText = s[s.index(after: colon)...]
            if host.contains(":") { return .failure(bad) }
        }
        guard let port = UInt16(portText), port > 0 else {
            return .failure(Problem(message: "invalid port in address \"\(text)\"; expected 1-65535"))
        }
        return .success((host.isEmpty ? nil : String(host), port))
    }
}

extension String {
    var trimmingSpaces: String { Substring(self).trimmingCharactersSpaces }
}

extension Substring {
    var trimmingCharactersSpaces: String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
