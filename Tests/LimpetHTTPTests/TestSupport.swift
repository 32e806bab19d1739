import Testing

@testable import LimpetHTTP

/// A scan result reduced to something `#expect` can compare.
enum Outcome: Equatable, CustomStringConvertible {
    case complete, incomplete, failure(Int)

    var description: String {
        switch self {
        case .complete: return "complete"
        case .incomplete: return "incomplete"
        case .failure(let status): return "failure(\(status))"
        }
    }
}

/// Keeps the scanned bytes alive with the result so spans can be read back.
struct ScannedRequest {
    let bytes: [UInt8]
    let result: RequestScanResult
    let headers: HeaderTable

    var head: RequestHead? {
        if case .complete(let h) = result { return h }
        return nil
    }

    var outcome: Outcome {
        switch result {
        case .complete: return .complete
        case .incomplete: return .incomplete
        case .failure(let status, _): return .failure(status)
        }
    }

    func text(_ span: Span?) -> String? { span.map { spanText($0, bytes) } }

    /// Header lines as "name: value" plus the hop-by-hop flag.
    var fields: [(String, String, HeaderKind, Bool)] {
        (0..<headers.count).map { i in
            let e = headers[i]
            return (spanText(e.name, bytes), spanText(e.value, bytes), e.kind, e.hopByHop)
        }
    }
}

func spanText(_ span: Span, _ bytes: [UInt8]) -> String {
    String(decoding: bytes[Int(span.start)..<Int(span.end)], as: UTF8.self)
}

func scanRequest(bytes: [UInt8], capacity: Int = 128, maxHeadLength: Int = 8192) -> ScannedRequest {
    let table = HeaderTable(capacity: capacity)
    let result = bytes.withUnsafeBytes { RequestScanner.scan($0, headers: table, maxHeadLength: maxHeadLength) }
    return ScannedRequest(bytes: bytes, result: result, headers: table)
}

func scanRequest(_ text: String, capacity: Int = 128, maxHeadLength: Int = 8192) -> ScannedRequest {
    scanRequest(bytes: Array(text.utf8), capacity: capacity, maxHeadLength: maxHeadLength)
}

/// A request with the given extra header lines (each without CRLF).
func request(_ lines: [String], line: String = "GET / HTTP/1.1", host: String? = "example.com") -> String {
    var s = line + "\r\n"
    if let host { s += "Host: \(host)\r\n" }
    for l in lines { s += l + "\r\n" }
    return s + "\r\n"
}

struct ScannedResponse {
    let bytes: [UInt8]
    let result: ResponseScanResult
    let headers: HeaderTable

    var head: ResponseHead? {
        if case .complete(let h) = result { return h }
        return nil
    }

    var outcome: Outcome {
        switch result {
        case .complete: return .complete
        case .incomplete: return .incomplete
        case .failure: return .failure(502)
        }
    }
}

func scanResponse(_ text: String, capacity: Int = 128, maxHeadLength: Int = 8192) -> ScannedResponse {
    scanResponse(bytes: Array(text.utf8), capacity: capacity, maxHeadLength: maxHeadLength)
}

func scanResponse(bytes: [UInt8], capacity: Int = 128, maxHeadLength: Int = 8192) -> ScannedResponse {
    let table = HeaderTable(capacity: capacity)
    let result = bytes.withUnsafeBytes { ResponseScanner.scan($0, headers: table, maxHeadLength: maxHeadLength) }
    return ScannedResponse(bytes: bytes, result: result, headers: table)
}

/// Deterministic pseudo-random numbers (SplitMix64) so split tests are reproducible.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Runs `body` with a ByteWriter over `capacity` bytes and returns what was written as text.
func written(capacity: Int = 4096, _ body: (inout ByteWriter) -> Void) -> (String, Bool) {
    let p = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 1), alignment: 1)
    defer { p.deallocate() }
    var w = ByteWriter(p, capacity: capacity)
    body(&w)
    return (String(decoding: w.written, as: UTF8.self), w.overflowed)
}
