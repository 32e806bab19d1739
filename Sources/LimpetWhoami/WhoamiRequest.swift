/// A parsed request head. Header names and values are kept as received, in order.
struct WhoamiRequest {
    var method: String
    var target: String
    var version: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    var minor: Int
    var headers: [(name: String, value: String)]

    var requestLine: String { "\(method) \(target) \(version)" }

    /// Every value of a header, compared case-insensitively.
    func values(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    func value(_ name: String) -> String? { values(name).first }

    /// Comma-separated tokens of every instance of a header, lowercased.
    func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }
            .map { $0.trimmingWhitespace().lowercased() }
            .filter { !$0.isEmpty }
    }

    /// The path without the query; an absolute-form target keeps only its path.
    var path: String {
        var rest = Substring(target)
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://"), !rest[..<colon].contains("/") {
            rest = rest[rest.index(colon, offsetBy: 3)...]
            rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        if let mark = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<mark] }
        return String(rest)
    }

    /// Query parameters, percent-decoded (`+` is a space).
    var query: [(String, String)] {
        guard let mark = target.firstIndex(of: "?") else { return [] }
        var text = target[target.index(after: mark)...]
        if let hash = text.firstIndex(of: "#") { text = text[..<hash] }
        return text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (percentDecode(parts[0]), parts.count > 1 ? percentDecode(parts[1]) : "")
        }
    }

    func parameter(_ name: String) -> String? { query.first { $0.0 == name }?.1 }

    /// Reads the head from `stream`. Returns nil when the peer closed between requests.
    static func read(from stream: SocketStream) throws -> WhoamiRequest? {
        // Skip empty lines before a request line (RFC 9112 §2.2).
        while true {
            if stream.buffered == 0 {
                if !(try stream.fill()) { return nil }
                continue
            }
            let first = stream.byte(at: 0)
            if first == UInt8(ascii: "\r") || first == UInt8(ascii: "\n") {
                stream.consume(1)
            } else {
                break
            }
        }
        // Find the blank line that ends the head (CRLF CRLF, or bare LFs).
        var scanned = 0
        var headLength = 0
        search: while true {
            let window = stream.bytes
            var index = scanned
            while index < window.count {
                if window[index] == UInt8(ascii: "\n") {
                    if index + 1 < window.count && window[index + 1] == UInt8(ascii: "\n") {
                        headLength = index + 2
                        break search
                    }
                    if index + 2 < window.count && window[index + 1] == UInt8(ascii: "\r")
                        && window[index + 2] == UInt8(ascii: "\n") {
                        headLength = index + 3
                        break search
                    }
                    if index + 2 >= window.count { break }  // wait for more bytes after this LF
                }
                index += 1
            }
            scanned = index
            if !(try stream.fill()) {
                throw stream.buffered == 0 ? StreamError.unexpectedEOF : StreamError.malformed("incomplete request head")
            }
        }
        let head = Array(stream.bytes[0..<headLength])
        stream.consume(headLength)
        return try parse(head)
    }

    static func parse(_ head: [UInt8]) throws -> WhoamiRequest {
        var lines = head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first else { throw StreamError.malformed("empty request") }
        let parts = first.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw StreamError.malformed("bad request line")
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        let minor: Int
        switch version {
        case "HTTP/1.1": minor = 1
        case "HTTP/1.0": minor = 0
        default: throw StreamError.malformed("unsupported version \(version)")
        }
        let method = String(decoding: parts[0], as: UTF8.self)
        guard method.utf8.allSatisfy(isTokenByte) else { throw StreamError.malformed("bad method") }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw StreamError.malformed("header line without a colon")
            }
            let name = line[line.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy(isTokenByte) else {
                throw StreamError.malformed("bad header name")
            }
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingWhitespace()
            headers.append((String(decoding: name, as: UTF8.self), String(value)))
        }
        return WhoamiRequest(method: method, target: String(decoding: parts[1], as: UTF8.self),
                             version: version, minor: minor, headers: headers)
    }
}

/// tchar from RFC 9110 §5.6.2.
func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
         UInt8(ascii: "A")...UInt8(ascii: "Z"):
        return true
    default:
        return "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

func percentDecode(_ text: Substring) -> String {
    var out: [UInt8] = []
    var bytes = Array(text.utf8)[...]
    while let byte = bytes.popFirst() {
        if byte == UInt8(ascii: "+") {
            out.append(UInt8(ascii: " "))
        } else if byte == UInt8(ascii: "%"), bytes.count >= 2,
                  let value = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
            out.append(value)
            bytes = bytes.dropFirst(2)
        } else {
            out.append(byte)
        }
    }
    return String(decoding: out, as: UTF8.self)
}

extension StringProtocol {
    /// Drops leading and trailing spaces and tabs (HTTP's OWS).
    func trimmingWhitespace() -> Substring {
        let text = Substring(self)
        guard let first = text.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = text.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return text[first...last]
    }
}
