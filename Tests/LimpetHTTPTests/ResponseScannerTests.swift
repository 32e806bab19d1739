import Testing

@testable import LimpetHTTP

@Suite struct ResponseScannerTests {
    @Test func okWithContentLength() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Type: text/plain\r\n\r\nhello world!"
        let r = scanResponse(text)
        let head = try #require(r.head)
        #expect(head.version == .http11)
        #expect(head.status == 200)
        #expect(spanText(head.reason, r.bytes) == "OK")
        #expect(head.contentLength == 12)
        #expect(!head.chunked)
        #expect(head.keepAlive)
        #expect(head.headLength == text.utf8.count - 12)
        #expect(r.headers.count == 2)
    }

    @Test func chunkedResponse() throws {
        let head = try #require(scanResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").head)
        #expect(head.chunked)
        #expect(head.contentLength == nil)
    }

    @Test func reasonPhraseMayBeEmptyOrMissing() throws {
        let missing = scanResponse("HTTP/1.1 204\r\n\r\n")
        #expect(missing.head?.status == 204)
        #expect(missing.head?.reason.isEmpty == true)
        let empty = scanResponse("HTTP/1.1 404 \r\n\r\n")
        #expect(empty.head?.status == 404)
        #expect(empty.head?.reason.isEmpty == true)
        let long = scanResponse("HTTP/1.1 418 I'm a teapot\t(really)\r\n\r\n")
        #expect(spanText(try #require(long.head).reason, long.bytes) == "I'm a teapot\t(really)")
    }

    @Test func keepAliveRules() throws {
        #expect(scanResponse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").head?.keepAlive == true)
        #expect(scanResponse("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n").head?.keepAlive == false)
        #expect(scanResponse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").head?.keepAlive == false)
        #expect(scanResponse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n").head?.keepAlive == true)
        #expect(scanResponse("HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\n\r\n").head?.keepAlive == false)
        let http10 = try #require(scanResponse("HTTP/1.0 200 OK\r\n\r\n").head)
        #expect(http10.version == .http10)
    }

    @Test func switchingProtocols() throws {
        let head = try #require(
            scanResponse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n").head)
        #expect(head.status == 101)
        #expect(head.upgrade)
    }

    @Test func incompleteUntilTheEmptyLine() {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\n"
        let bytes = Array(text.utf8)
        for n in 0..<bytes.count {
            #expect(scanResponse(bytes: Array(bytes[..<n])).outcome == .incomplete, "prefix \(n)")
        }
        #expect(scanResponse(bytes: bytes).outcome == .complete)
    }

    @Test(arguments: [
        "HTTP/2.0 200 OK\r\n\r\n", "HTTP/1.2 200 OK\r\n\r\n", "HTTPS/1.1 200 OK\r\n\r\n", "http/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 0200 OK\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n",
        "HTTP/1.1  200 OK\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n", "HTTP/1.1 200 O\u{1}K\r\n\r\n",
        "HTTP/1.1 200 OK\n\r\n", "XTTP",
    ])
    func malformedStatusLine(text: String) {
        #expect(scanResponse(text).outcome == .failure(502))
    }

    @Test(arguments: [
        "X A: b", "X-A : b", " folded", ": empty", "X-A: b\u{0}c", "X-A: b\rc", "X-A: b\nc",
        "Content-Length: 1, 2", "Content-Length: -1", "Content-Length: 1\r\nContent-Length: 2",
        "Content-Length: 3\r\nTransfer-Encoding: chunked", "Transfer-Encoding: gzip", "Transfer-Encoding: foo, chunked",
        "Transfer-Encoding: chunked, chunked", "Transfer-Encoding: gzip, chunked",
    ])
    func malformedFields(line: String) {
        #expect(scanResponse("HTTP/1.1 200 OK\r\n\(line)\r\n\r\n").outcome == .failure(502))
    }

    @Test func transferEncodingInHTTP10Response() {
        #expect(scanResponse("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").outcome == .failure(502))
    }

    @Test func tooManyHeadersOrTooLong() {
        let text = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
        #expect(scanResponse(text, capacity: 3).outcome == .complete)
        #expect(scanResponse(text, capacity: 2).outcome == .failure(502))
        #expect(scanResponse(text, maxHeadLength: 20).outcome == .failure(502))
        #expect(scanResponse(bytes: Array(text.utf8.prefix(20)), maxHeadLength: 21).outcome == .incomplete)
        #expect(scanResponse(bytes: Array(text.utf8.prefix(10)), maxHeadLength: 10).outcome == .failure(502))
    }

    @Test func responseDoesNotNeedHost() {
        #expect(scanResponse("HTTP/1.1 200 OK\r\nHost: a\r\nHost: b\r\n\r\n").outcome == .complete)
    }
}

/// (status, request method, request upgrade, chunked, content length, expected framing)
let framingCases: [(Int, Method, Bool, Bool, Int64?, BodyFraming)] = [
    (200, .head, false, false, 10, .none),
    (200, .head, false, true, nil, .none),
    (204, .get, false, false, nil, .none),
    (204, .get, false, false, 5, .none),
    (304, .get, false, true, nil, .none),
    (100, .post, false, false, nil, .none),
    (103, .get, false, false, nil, .none),
    (101, .get, true, false, nil, .tunnel),
    (101, .get, false, false, nil, .none),
    (200, .get, false, true, nil, .chunked),
    (200, .get, false, false, 42, .length(42)),
    (200, .get, false, false, 0, .length(0)),
    (404, .post, false, false, nil, .untilClose),
    (200, .get, true, false, nil, .untilClose),
]

@Suite struct BodyFramingTests {
    @Test(arguments: framingCases)
    func responseFraming(
        status: Int, method: Method, requestUpgrade: Bool, chunked: Bool, length: Int64?, expected: BodyFraming
    ) {
        let head = ResponseHead(status: status, contentLength: length, chunked: chunked)
        #expect(responseBodyFraming(head, requestMethod: method, requestUpgrade: requestUpgrade) == expected)
    }

    @Test func scannedResponseFraming() throws {
        let head = try #require(scanResponse("HTTP/1.0 200 OK\r\nServer: x\r\n\r\nbody until close").head)
        #expect(responseBodyFraming(head, requestMethod: .get, requestUpgrade: false) == .untilClose)
        #expect(!head.keepAlive)
    }

    @Test func requestFraming() throws {
        let none = try #require(scanRequest(request([])).head)
        #expect(none.bodyFraming == .none)
        let length = try #require(scanRequest(request(["Content-Length: 7"], line: "PUT / HTTP/1.1")).head)
        #expect(length.bodyFraming == .length(7))
        let chunked = try #require(scanRequest(request(["Transfer-Encoding: chunked"], line: "PUT / HTTP/1.1")).head)
        #expect(chunked.bodyFraming == .chunked)
    }
}
