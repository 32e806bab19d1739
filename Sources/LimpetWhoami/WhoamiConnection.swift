import Crypto
import LimpetHTTP
import Foundation
import Glibc

/// Serves the requests of one client connection, in order, until either side closes.
///
/// Endpoints (every response carries `X-Whoami-Name`; HEAD gets headers only):
/// - any path: a text description of the request (name, host, peer, request line, every
///   header as received, sha256 and length of the body), Content-Length framed;
/// - `/health`: `OK`;
/// - `/data?size=N[&chunked=1|&close=1]`: N bytes of `i % 251`;
/// - `/echo`: the request body, framed like the request;
/// - `/status?code=N`: that status; `/set-cookie?name=A&value=B`: adds `Set-Cookie: A=B`;
/// - `/slow?ms=N`: answers after N milliseconds;
/// - `Upgrade: websocket` with a key: 101 and a WebSocket echo; any other upgrade: 101 and
///   a raw byte echo.
final class WhoamiConnection {
    let stream: SocketStream
    let context: WhoamiContext
    let remote: String

    /// Per request: whether any byte of the final response has been written.
    private var responseStarted = false
    /// Per request: whether `100 Continue` is owed before the body is read.
    private var continueOwed = false

    init(stream: SocketStream, context: WhoamiContext, remote: String) {
        self.stream = stream
        self.context = context
        self.remote = remote
    }

    enum Framing {
        case none
        case length(UInt64)
        case chunked

        var hasBody: Bool {
            if case .none = self { return false }
            if case .length(0) = self { return false }
            return true
        }
    }

    /// A request the server refuses before reading its body; the connection then closes.
    struct Refusal: Error {
        let status: Int
        let message: String
    }

    func serve() {
        while true {
            responseStarted = false
            continueOwed = false
            do {
                guard let request = try WhoamiRequest.read(from: stream) else { return }
                if try !handle(request) {
                    stream.finish()
                    return
                }
            } catch let refusal as Refusal {
                refuse(refusal.status, refusal.message)
                return
            } catch StreamError.tooLong {
                refuse(431, "request head too large")
                return
            } catch StreamError.malformed(let message) {
                refuse(400, message)
                return
            } catch {
                return  // reset, timeout or early EOF: nothing sensible to answer
            }
        }
    }

    private func refuse(_ status: Int, _ message: String) {
        guard !responseStarted else { return }
        let body = Array("\(status) \(reason(status)): \(message)\n".utf8)
        try? writeHead(status: status, headers: [("Content-Type", "text/plain; charset=utf-8"),
                                                 ("Content-Length", String(body.count))], keepAlive: false)
        try? stream.write(body)
        stream.finish()
    }

    // MARK: Dispatch

    /// Answers one request; returns whether the connection stays open.
    private func handle(_ request: WhoamiRequest) throws -> Bool {
        let framing = try Self.framing(of: request)
        let connection = request.tokens("Connection")
        var keepAlive = request.minor >= 1 ? !connection.contains("close") : connection.contains("keep-alive")
        let isHead = request.method == "HEAD"
        continueOwed = request.minor >= 1 && framing.hasBody
            && request.value("Expect")?.lowercased() == "100-continue"

        if let upgrade = request.value("Upgrade"), request.minor >= 1 {
            let protocols = upgrade.lowercased()
            if protocols.contains("websocket"), let key = request.value("Sec-WebSocket-Key") {
                _ = try readBody(framing) { _ in }
                let accept = Data(Insecure.SHA1.hash(data: Data((key + WebSocketEcho.guid).utf8)))
                    .base64EncodedString()
                try writeHead(status: 101, headers: [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                                                     ("Sec-WebSocket-Accept", accept)], keepAlive: true)
                try WebSocketEcho(stream: stream).run()
                return false
            }
            if connection.contains("upgrade") && protocols != "h2c" {
                _ = try readBody(framing) { _ in }
                try writeHead(status: 101, headers: [("Upgrade", upgrade), ("Connection", "Upgrade")],
                              keepAlive: true)
                try rawEcho()
                return false
            }
        }

        switch request.path {
        case "/health":
            _ = try readBody(framing) { _ in }
            try respond(200, body: Array("OK".utf8), keepAlive: keepAlive, isHead: isHead)
        case "/data":
            _ = try readBody(framing) { _ in }
            guard let size = UInt64(request.parameter("size") ?? "0") else {
                try respond(400, body: Array("size must be a non-negative integer\n".utf8),
                            keepAlive: keepAlive, isHead: isHead)
                return keepAlive
            }
            var mode = DataMode.length
            if request.parameter("close") == "1" || (request.parameter("chunked") == "1" && request.minor == 0) {
                mode = .close
                keepAlive = false
            } else if request.parameter("chunked") == "1" {
                mode = .chunked
            }
            try sendPattern(size: size, mode: mode, keepAlive: keepAlive, isHead: isHead)
        case "/echo":
            keepAlive = try echo(framing, request: request, keepAlive: keepAlive, isHead: isHead)
        case "/status":
            _ = try readBody(framing) { _ in }
            guard let code = Int(request.parameter("code") ?? ""), (200...999).contains(code) else {
                try respond(400, body: Array("code must be an integer from 200 to 999\n".utf8),
                            keepAlive: keepAlive, isHead: isHead)
                return keepAlive
            }
            if code == 204 || code == 304 {
                try writeHead(status: code, headers: [], keepAlive: keepAlive)
            } else {
                try respond(code, body: Array("\(code) \(reason(code))\n".utf8), keepAlive: keepAlive, isHead: isHead)
            }
        case "/set-cookie":
            let name = request.parameter("name") ?? "whoami"
            let value = request.parameter("value") ?? context.name
            guard name.utf8.allSatisfy(isTokenByte), !name.isEmpty,
                  value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ";") }) else {
                _ = try readBody(framing) { _ in }
                try respond(400, body: Array("invalid cookie name or value\n".utf8),
                            keepAlive: keepAlive, isHead: isHead)
                return keepAlive
            }
            try describe(request, framing: framing, keepAlive: keepAlive, isHead: isHead,
                         extra: [("Set-Cookie", "\(name)=\(value)")])
        case "/slow":
            let milliseconds = min(Int(request.parameter("ms") ?? "0") ?? 0, 600_000)
            try describe(request, framing: framing, keepAlive: keepAlive, isHead: isHead, delay: milliseconds)
        default:
            try describe(request, framing: framing, keepAlive: keepAlive, isHead: isHead)
        }
        return keepAlive
    }

    static func framing(of request: WhoamiRequest) throws -> Framing {
        let codings = request.tokens("Transfer-Encoding")
        let lengths = request.values("Content-Length")
        if !codings.isEmpty {
            if !lengths.isEmpty {
                throw StreamError.malformed("both Content-Length and Transfer-Encoding")
            }
            guard codings.last == "chunked" else {
                throw Refusal(status: 501, message: "unsupported transfer coding")
            }
            return .chunked
        }
        if lengths.isEmpty { return .none }
        let values = Set(lengths.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { String($0.trimmingWhitespace()) })
        guard values.count == 1, let text = values.first, !text.isEmpty,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let length = UInt64(text) else {
            throw StreamError.malformed("invalid Content-Length")
        }
        return .length(length)
    }

    // MARK: Endpoints

    /// The traefik/whoami-style description of the request.
    private func describe(_ request: WhoamiRequest, framing: Framing, keepAlive: Bool, isHead: Bool,
                          extra: [(String, String)] = [], delay: Int = 0) throws {
        var hasher = SHA256()
        let length = try readBody(framing) { hasher.update(bufferPointer: $0) }
        let digest = hasher.finalize().map { hexDigits[Int($0 >> 4)] + hexDigits[Int($0 & 15)] }.joined()
        if delay > 0 { usleep(UInt32(delay) * 1000) }
        var lines = ["Name: \(context.name)", "Hostname: \(context.hostname)"]
        lines += context.addresses.map { "IP: \($0)" }
        lines += ["RemoteAddr: \(remote)", request.requestLine]
        lines += request.headers.map { "\($0.name): \($0.value)" }
        lines += ["Body-Sha256: \(digest)", "Body-Length: \(length)"]
        let body = Array((lines.joined(separator: "\n") + "\n").utf8)
        try respond(200, headers: extra, body: body, keepAlive: keepAlive, isHead: isHead)
    }

    enum DataMode { case length, chunked, close }

    /// Streams `size` bytes of the pattern `i % 251`.
    private func sendPattern(size: UInt64, mode: DataMode, keepAlive: Bool, isHead: Bool) throws {
        var headers = [("Content-Type", "application/octet-stream")]
        switch mode {
        case .length: headers.append(("Content-Length", String(size)))
        case .chunked: headers.append(("Transfer-Encoding", "chunked"))
        case .close: break
        }
        try writeHead(status: 200, headers: headers, keepAlive: keepAlive)
        if isHead { return }
        var position: UInt64 = 0
        try patternBlock.withUnsafeBytes { block in
            while position < size {
                let count = Int(min(UInt64(patternBlockSize), size - position))
                let offset = Int(position % 251)
                let slice = UnsafeRawBufferPointer(rebasing: block[offset..<(offset + count)])
                if mode == .chunked {
                    try stream.write(String(count, radix: 16) + "\r\n")
                    try stream.write(slice)
                    try stream.write("\r\n")
                } else {
                    try stream.write(slice)
                }
                position += UInt64(count)
            }
        }
        if mode == .chunked { try stream.write("0\r\n\r\n") }
    }

    /// Sends the request body back as it arrives. Returns whether the connection stays open.
    private func echo(_ framing: Framing, request: WhoamiRequest, keepAlive: Bool, isHead: Bool) throws -> Bool {
        let type = request.value("Content-Type") ?? "application/octet-stream"
        switch framing {
        case .none:
            try respond(200, headers: [("Content-Type", type)], body: [], keepAlive: keepAlive, isHead: isHead)
            return keepAlive
        case .length(let length):
            sendContinueIfOwed()
            try writeHead(status: 200, headers: [("Content-Type", type), ("Content-Length", String(length))],
                          keepAlive: keepAlive)
            _ = try readBody(framing) { bytes in
                if !isHead { try stream.write(bytes) }
            }
            return keepAlive
        case .chunked:
            sendContinueIfOwed()
            let chunked = request.minor >= 1
            try writeHead(status: 200, headers: [("Content-Type", type)]
                            + (chunked ? [("Transfer-Encoding", "chunked")] : []),
                          keepAlive: keepAlive && chunked)
            _ = try readBody(framing) { bytes in
                guard !isHead, !bytes.isEmpty else { return }
                if chunked { try stream.write(String(bytes.count, radix: 16) + "\r\n") }
                try stream.write(bytes)
                if chunked { try stream.write("\r\n") }
            }
            if chunked && !isHead { try stream.write("0\r\n\r\n") }
            return keepAlive && chunked
        }
    }

    /// Echoes raw bytes after a non-WebSocket upgrade until the client closes.
    private func rawEcho() throws {
        while true {
            if stream.buffered > 0 {
                try stream.write(UnsafeRawBufferPointer(stream.bytes))
                stream.consume(stream.buffered)
            }
            if !(try stream.fill()) { break }
        }
        stream.finish()
    }

    // MARK: Bodies

    private func sendContinueIfOwed() {
        guard continueOwed else { return }
        continueOwed = false
        try? stream.write("HTTP/1.1 100 Continue\r\n\r\n")
    }

    /// Streams the request body to `sink` in buffer-sized pieces; returns its length.
    @discardableResult
    private func readBody(_ framing: Framing, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        switch framing {
        case .none:
            return 0
        case .length(let length):
            sendContinueIfOwed()
            try copy(length, to: sink)
            return length
        case .chunked:
            sendContinueIfOwed()
            var total: UInt64 = 0
            while true {
                let line = try stream.readLine(limit: 4096)
                var sizeText = line[...]
                if let semicolon = sizeText.firstIndex(of: UInt8(ascii: ";")) { sizeText = sizeText[..<semicolon] }
                let trimmed = String(decoding: sizeText, as: UTF8.self).trimmingWhitespace()
                guard !trimmed.isEmpty, trimmed.count <= 16, let size = UInt64(trimmed, radix: 16) else {
                    throw StreamError.malformed("bad chunk size")
                }
                if size == 0 { break }
                try copy(size, to: sink)
                total += size
                guard try stream.readLine(limit: 2).isEmpty else {
                    throw StreamError.malformed("missing CRLF after chunk data")
                }
            }
            // Trailer fields, discarded.
            var trailerBytes = 0
            while true {
                let line = try stream.readLine(limit: 8192)
                if line.isEmpty { break }
                trailerBytes += line.count
                if trailerBytes > 64 * 1024 { throw StreamError.tooLong }
            }
            return total
        }
    }

    private func copy(_ length: UInt64, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var remaining = length
        while remaining > 0 {
            if stream.buffered == 0, try !stream.fill() { throw StreamError.unexpectedEOF }
            let count = Int(min(UInt64(stream.buffered), remaining))
            try sink(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(stream.bytes)[0..<count]))
            stream.consume(count)
            remaining -= UInt64(count)
        }
    }

    // MARK: Responses

    private func respond(_ status: Int, headers: [(String, String)] = [], body: [UInt8],
                         keepAlive: Bool, isHead: Bool) throws {
        var all = headers
        if !all.contains(where: { $0.0 == "Content-Type" }) {
            all.append(("Content-Type", "text/plain; charset=utf-8"))
        }
        all.append(("Content-Length", String(body.count)))
        try writeHead(status: status, headers: all, keepAlive: keepAlive, body: isHead ? [] : body)
    }

    /// Writes the status line and headers (plus a small body in the same write).
    private func writeHead(status: Int, headers: [(String, String)], keepAlive: Bool, body: [UInt8] = []) throws {
        var head = "HTTP/1.1 \(status) \(reason(status))\r\nDate: \(httpDate())\r\nX-Whoami-Name: \(context.name)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if status != 101 {
            head += keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n"
        }
        head += "\r\n"
        responseStarted = true
        try stream.write(Array(head.utf8) + body)
    }
}

private let hexDigits = (0..<16).map { String($0, radix: 16) }

/// 251 is prime, so the pattern never lines up with power-of-two block sizes.
private let patternBlockSize = 64 * 1024
private let patternBlock: [UInt8] = (0..<(patternBlockSize + 251)).map { UInt8($0 % 251) }

/// An IMF-fixdate (RFC 9110 §5.6.7) for now.
func httpDate() -> String {
    var now = time(nil)
    var parts = tm()
    gmtime_r(&now, &parts)
    let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
        + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
}

/// The reason phrase Limpet itself uses for `status`.
func reason(_ status: Int) -> String { "\(HTTPStatus.reasonPhrase(status))" }
