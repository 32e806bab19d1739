import Testing

@testable import LimpetHTTP

@Suite struct RequestScannerHappyPathTests {
    @Test func simpleGet() throws {
        let text = "GET /index.html?a=1&b=2 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent:  curl/8 \t\r\nCookie: s=1\r\n\r\n"
        let r = scanRequest(text)
        let head = try #require(r.head)
        #expect(head.method == .get)
        #expect(r.text(head.methodSpan) == "GET")
        #expect(r.text(head.target) == "/index.html?a=1&b=2")
        #expect(r.text(head.path) == "/index.html")
        #expect(r.text(head.query) == "a=1&b=2")
        #expect(r.text(head.originForm) == "/index.html?a=1&b=2")
        #expect(head.authority == nil)
        #expect(r.text(head.host) == "example.com:8080")
        #expect(r.text(head.effectiveHost) == "example.com:8080")
        #expect(head.version == .http11)
        #expect(head.keepAlive)
        #expect(!head.upgrade && !head.expectContinue && !head.chunked)
        #expect(head.contentLength == nil)
        #expect(head.bodyFraming == .none)
        #expect(head.headLength == text.utf8.count)
        let fields = r.fields
        #expect(fields.count == 3)
        #expect(fields[0].0 == "Host" && fields[0].1 == "example.com:8080" && fields[0].2 == .host)
        #expect(fields[1].0 == "User-Agent" && fields[1].1 == "curl/8" && fields[1].2 == .other)
        #expect(fields[2].2 == .cookie && fields[2].1 == "s=1")
        #expect(fields.allSatisfy { !$0.3 })
    }

    @Test func pathWithoutQueryAndEmptyQuery() throws {
        let a = scanRequest(request([], line: "GET /a/b HTTP/1.1"))
        let ha = try #require(a.head)
        #expect(a.text(ha.path) == "/a/b")
        #expect(ha.query.isEmpty)
        let b = scanRequest(request([], line: "GET /a? HTTP/1.1"))
        let hb = try #require(b.head)
        #expect(b.text(hb.path) == "/a")
        #expect(hb.query.isEmpty)
        #expect(b.text(hb.originForm) == "/a?")
    }

    @Test func postWithContentLength() throws {
        let text = request(["Content-Length: 5"], line: "POST /submit HTTP/1.1") + "hello"
        let r = scanRequest(text)
        let head = try #require(r.head)
        #expect(head.method == .post)
        #expect(head.contentLength == 5)
        #expect(head.bodyFraming == .length(5))
        #expect(head.headLength == text.utf8.count - 5)
    }

    @Test func contentLengthZeroIsLengthZero() throws {
        let head = try #require(scanRequest(request(["Content-Length: 0"], line: "POST / HTTP/1.1")).head)
        #expect(head.bodyFraming == .length(0))
    }

    @Test func chunkedPost() throws {
        let r = scanRequest(request(["Transfer-Encoding: chunked"], line: "POST / HTTP/1.1") + "5\r\nhello\r\n0\r\n\r\n")
        let head = try #require(r.head)
        #expect(head.chunked)
        #expect(head.bodyFraming == .chunked)
        #expect(r.fields.first { $0.2 == .transferEncoding }?.3 == false)
    }

    @Test func chunkedIsCaseInsensitiveAndEmptyListElementsAreSkipped() throws {
        for lines in [["Transfer-Encoding: Chunked"], ["Transfer-Encoding: , chunked"], ["Transfer-Encoding: chunked ,"],
                      ["Transfer-Encoding: ,", "Transfer-Encoding: CHUNKED"]] {
            let head = try #require(scanRequest(request(lines, line: "POST / HTTP/1.1")).head)
            #expect(head.chunked)
        }
    }

    /// Another coding before chunked would have to be decoded to be forwarded as plain chunked: 501, as Go's
    /// server (Traefik) and nginx answer, rather than passing a coding on that a backend may not undo.
    @Test(arguments: [["Transfer-Encoding: GZip , Chunked"], ["Transfer-Encoding: identity, chunked"],
                      ["Transfer-Encoding: gzip", "Transfer-Encoding: deflate, chunked"]])
    func codingsOtherThanChunkedAre501(lines: [String]) {
        #expect(scanRequest(request(lines, line: "POST / HTTP/1.1")).outcome == .failure(501))
    }

    @Test func pipelinedRequests() throws {
        let first = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
        let second = "GET /two HTTP/1.1\r\nHost: b\r\n\r\n"
        let r = scanRequest(first + second)
        let head = try #require(r.head)
        #expect(r.text(head.path) == "/one")
        #expect(head.headLength == first.utf8.count)
        let rest = Array(r.bytes[head.headLength...])
        let r2 = scanRequest(bytes: rest)
        let head2 = try #require(r2.head)
        #expect(r2.text(head2.path) == "/two")
        #expect(r2.text(head2.host) == "b")
        #expect(head2.headLength == second.utf8.count)
    }

    @Test func leadingEmptyLinesAreSkipped() throws {
        let text = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        let r = scanRequest(text)
        let head = try #require(r.head)
        #expect(head.headLength == text.utf8.count)
        #expect(head.methodSpan == Span(4, 7))
    }

    @Test func absoluteForm() throws {
        let r = scanRequest(request([], line: "GET http://backend.example:8081/p/q?x=1 HTTP/1.1", host: "other.example"))
        let head = try #require(r.head)
        #expect(r.text(head.authority) == "backend.example:8081")
        #expect(r.text(head.host) == "other.example")
        #expect(r.text(head.effectiveHost) == "backend.example:8081")
        #expect(r.text(head.path) == "/p/q")
        #expect(r.text(head.query) == "x=1")
        #expect(r.text(head.originForm) == "/p/q?x=1")
        #expect(r.text(head.target) == "http://backend.example:8081/p/q?x=1")
    }

    @Test func absoluteFormWithEmptyPath() throws {
        let bare = scanRequest(request([], line: "GET HTTPS://h.example HTTP/1.1", host: ""))
        let hb = try #require(bare.head)
        #expect(bare.text(hb.authority) == "h.example")
        #expect(hb.host == nil)
        #expect(bare.text(hb.path) == "/")
        #expect(bare.text(hb.originForm) == "/")
        #expect(hb.query.isEmpty)
        let withQuery = scanRequest(request([], line: "GET http://h.example?q=2 HTTP/1.1", host: ""))
        let hq = try #require(withQuery.head)
        #expect(withQuery.text(hq.authority) == "h.example")
        #expect(withQuery.text(hq.path) == "/")
        #expect(withQuery.text(hq.query) == "q=2")
        #expect(withQuery.text(hq.originForm) == "?q=2")
    }

    @Test func absoluteFormAllowsEmptyHostHeader() throws {
        let r = scanRequest(request([], line: "GET http://h.example/ HTTP/1.1", host: ""))
        let head = try #require(r.head)
        #expect(head.host == nil)
        #expect(r.text(head.effectiveHost) == "h.example")
    }

    /// RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, in absolute-form too
    /// (forwarding it with the target's authority as Host would hide the client's error from every next hop).
    @Test func absoluteFormWithoutHostIs400() {
        #expect(scanRequest(request([], line: "GET http://h.example/ HTTP/1.1", host: nil)).outcome == .failure(400))
        #expect(scanRequest(request([], line: "GET http://h.example/ HTTP/1.0", host: nil)).head != nil)
    }

    /// A fragment is never part of a request-target (RFC 9112 §3.2); the byte-at-a-time and the 8-byte paths both
    /// find it, at any position.
    @Test(arguments: ["/#", "/a#b", "/abcdefghijklmnop#x", "/abcdefgh?q=1#frag", "/p?#", "http://h.example/x#y"])
    func fragmentInTargetIs400(target: String) {
        #expect(scanRequest(request([], line: "GET \(target) HTTP/1.1")).outcome == .failure(400))
    }

    @Test func percentEncodedHashIsNotAFragment() throws {
        let r = scanRequest(request([], line: "GET /a%23b?x=%23 HTTP/1.1"))
        let head = try #require(r.head)
        #expect(r.text(head.path) == "/a%23b")
    }

    /// RFC 9110 §6.2: a higher HTTP/1 minor version is processed as the highest one implemented.
    @Test(arguments: ["HTTP/1.2", "HTTP/1.9"])
    func laterHTTP1MinorIsReadAsHTTP11(version: String) throws {
        let head = try #require(scanRequest(request([], line: "GET / \(version)")).head)
        #expect(head.version == .http11)
    }

    @Test func asteriskFormForOptions() throws {
        let r = scanRequest(request([], line: "OPTIONS * HTTP/1.1"))
        let head = try #require(r.head)
        #expect(head.method == .options)
        #expect(r.text(head.path) == "*")
        #expect(r.text(head.originForm) == "*")
    }

    @Test func connectAuthorityForm() throws {
        let r = scanRequest(request([], line: "CONNECT db.example:5432 HTTP/1.1"))
        let head = try #require(r.head)
        #expect(head.method == .connect)
        #expect(r.text(head.authority) == "db.example:5432")
        #expect(head.path.isEmpty)
    }

    @Test func http10KeepAliveSemantics() throws {
        let plain10 = try #require(scanRequest("GET / HTTP/1.0\r\n\r\n").head)
        #expect(plain10.version == .http10)
        #expect(!plain10.keepAlive)
        #expect(plain10.host == nil)
        let ka10 = try #require(scanRequest("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").head)
        #expect(ka10.keepAlive)
        let kaClose10 = try #require(scanRequest("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").head)
        #expect(!kaClose10.keepAlive)
        let plain11 = try #require(scanRequest(request([])).head)
        #expect(plain11.keepAlive)
        let close11 = try #require(scanRequest(request(["Connection: foo, CLOSE"])).head)
        #expect(!close11.keepAlive)
        let split11 = try #require(scanRequest(request(["Connection: keep-alive", "Connection: close"])).head)
        #expect(!split11.keepAlive)
    }

    @Test func expectContinue() throws {
        let r = scanRequest(request(["Expect: 100-Continue", "Content-Length: 10"], line: "PUT /x HTTP/1.1"))
        let head = try #require(r.head)
        #expect(head.expectContinue)
        #expect(head.method == .put)
        let other = try #require(scanRequest(request(["Expect: something-else"])).head)
        #expect(!other.expectContinue)
        let http10 = try #require(scanRequest("PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").head)
        #expect(!http10.expectContinue)
    }

    @Test func upgradeWebSocket() throws {
        let r = scanRequest(
            request(["Upgrade: websocket", "Connection: keep-alive, Upgrade", "Sec-WebSocket-Key: abc"],
                line: "GET /chat HTTP/1.1"))
        let head = try #require(r.head)
        #expect(head.upgrade)
        #expect(r.fields.first { $0.2 == .upgrade }?.3 == true)
        #expect(r.fields.first { $0.2 == .connection }?.3 == true)
        #expect(r.fields.first { $0.0 == "Sec-WebSocket-Key" }?.3 == false)
        let noToken = try #require(scanRequest(request(["Upgrade: websocket"])).head)
        #expect(!noToken.upgrade)
        let noHeader = try #require(scanRequest(request(["Connection: upgrade"])).head)
        #expect(!noHeader.upgrade)
        let http10 = try #require(scanRequest("GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n").head)
        #expect(!http10.upgrade)
    }

    @Test func connectionListedHeadersAreHopByHop() throws {
        let r = scanRequest(
            request([
                "Connection: X-Secret, keep-alive, host, content-length", "x-secret: 1", "Keep-Alive: timeout=5",
                "Proxy-Connection: keep-alive", "TE: trailers", "Trailer: Foo", "X-Kept: 2", "Content-Length: 0",
            ]))
        #expect(r.outcome == .complete)
        let hop = Dictionary(uniqueKeysWithValues: r.fields.map { ($0.0, $0.3) })
        #expect(hop["Connection"] == true)
        #expect(hop["x-secret"] == true)
        #expect(hop["Keep-Alive"] == true)
        #expect(hop["Proxy-Connection"] == true)
        #expect(hop["TE"] == true)
        #expect(hop["Trailer"] == true)
        #expect(hop["X-Kept"] == false)
        #expect(hop["Host"] == false)
        #expect(hop["Content-Length"] == false)
    }

    @Test func repeatedIdenticalContentLengthIsAccepted() throws {
        let list = try #require(scanRequest(request(["Content-Length: 42, 42"], line: "POST / HTTP/1.1")).head)
        #expect(list.contentLength == 42)
        let repeated = try #require(
            scanRequest(request(["Content-Length: 42", "Content-Length: 042"], line: "POST / HTTP/1.1")).head)
        #expect(repeated.contentLength == 42)
    }

    @Test func largestContentLength() throws {
        let head = try #require(
            scanRequest(request(["Content-Length: 9223372036854775807"], line: "POST / HTTP/1.1")).head)
        #expect(head.contentLength == Int64.max)
    }

    @Test func methodsAndIdempotence() throws {
        let cases: [(String, Method, Bool)] = [
            ("GET", .get, true), ("HEAD", .head, true), ("POST", .post, false), ("PUT", .put, true),
            ("DELETE", .delete, true), ("OPTIONS", .options, true), ("TRACE", .trace, true),
            ("PATCH", .patch, false), ("PROPFIND", .other, false), ("get", .other, false),
        ]
        for (name, method, idempotent) in cases {
            let head = try #require(scanRequest(request([], line: "\(name) / HTTP/1.1")).head)
            #expect(head.method == method, "\(name)")
            #expect(head.method.isIdempotent == idempotent, "\(name)")
        }
        #expect(Method.connect.isIdempotent == false)
    }

    @Test func headerTableIsReusedAcrossScans() throws {
        let table = HeaderTable(capacity: 8)
        let big = Array(request(["A: 1", "B: 2", "C: 3"]).utf8)
        let small = Array(request([]).utf8)
        _ = big.withUnsafeBytes { RequestScanner.scan($0, headers: table, maxHeadLength: 8192) }
        #expect(table.count == 4)
        _ = small.withUnsafeBytes { RequestScanner.scan($0, headers: table, maxHeadLength: 8192) }
        #expect(table.count == 1)
        #expect(table[0].kind == .host)
    }

    @Test func everyPrefixOfAValidRequestIsIncomplete() {
        let text = "\r\nPOST http://h:1/p?q HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nX-A:  v \r\n\r\n"
        let bytes = Array(text.utf8)
        for n in 0..<bytes.count {
            #expect(scanRequest(bytes: Array(bytes[..<n])).outcome == .incomplete, "prefix \(n)")
        }
        #expect(scanRequest(bytes: bytes).outcome == .complete)
    }

    @Test func findsHeadersByName() throws {
        let r = scanRequest(request(["X-Tenant: blue", "Cookie: a=1"]))
        let found = r.bytes.withUnsafeBytes { src in
            Array("x-TENANT".utf8).withUnsafeBytes { r.headers.firstIndex(named: $0, in: src) }
        }
        #expect(found == 1)
        #expect(r.headers.firstIndex(of: .cookie) == 2)
        #expect(r.headers.firstIndex(of: .setCookie) == nil)
    }
}

@Suite struct RequestScannerRejectionTests {
    @Test(arguments: ["G(T", "GE\"T", "G@T", "GÉT"])
    func methodMustBeToken(method: String) {
        #expect(scanRequest(request([], line: "\(method) / HTTP/1.1")).outcome == .failure(400))
    }

    @Test func emptyMethod() {
        #expect(scanRequest(request([], line: " / HTTP/1.1")).outcome == .failure(400))
    }

    @Test(arguments: [[0x2F, 0x61, 0x7F], [0x2F, 0xC3, 0xA9], [0x2F, 0x61, 0x09, 0x62], [0x2F, 0x00], [0x2F, 0x0B]])
    func targetWithInvalidBytes(target: [UInt8]) {
        let bytes = Array("GET ".utf8) + target + Array(" HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        #expect(scanRequest(bytes: bytes).outcome == .failure(400))
    }

    @Test func targetForms() {
        #expect(scanRequest(request([], line: "GET  / HTTP/1.1")).outcome == .failure(400))  // empty target
        #expect(scanRequest(request([], line: "GET * HTTP/1.1")).outcome == .failure(400))
        #expect(scanRequest(request([], line: "GET index.html HTTP/1.1")).outcome == .failure(400))
        #expect(scanRequest(request([], line: "GET ftp://h/x HTTP/1.1")).outcome == .failure(400))
        #expect(scanRequest(request([], line: "GET http://user@h/x HTTP/1.1")).outcome == .failure(400))
        #expect(scanRequest(request([], line: "GET http:///x HTTP/1.1")).outcome == .failure(400))
        #expect(scanRequest(request([], line: "CONNECT /x HTTP/1.1")).outcome == .failure(400))
    }

    @Test(arguments: ["HTTP/2.0", "HTTP/0.9", "HTTP/3.0", "HTTP/2.1"])
    func unsupportedVersionIs505(version: String) {
        #expect(scanRequest(request([], line: "GET / \(version)")).outcome == .failure(505))
    }

    @Test(arguments: ["HTTX/1.1", "http/1.1", "HTTP/1.1 ", "HTTP/11", "HTTP/1.x", "HTTP/1", "HTTP/1.1.1"])
    func garbageVersionIs400(version: String) {
        #expect(scanRequest(request([], line: "GET / \(version)")).outcome == .failure(400))
    }

    @Test func missingVersionIs400() {
        #expect(scanRequest("GET /\r\nHost: a\r\n\r\n").outcome == .failure(400))
    }

    @Test(arguments: ["Fo@o: x", "Fo o: x", "Foo(: x", "Fö: x", "\"Foo\": x"])
    func invalidHeaderNameBytes(line: String) {
        #expect(scanRequest(request([line])).outcome == .failure(400))
    }

    @Test func emptyHeaderName() {
        #expect(scanRequest(request([": value"])).outcome == .failure(400))
    }

    @Test(arguments: ["Content-Length : 5", "Host\t: a", "X-A : b"])
    func whitespaceBeforeColon(line: String) {
        #expect(scanRequest(request([line], line: "POST / HTTP/1.1", host: "h")).outcome == .failure(400))
    }

    @Test func obsFold() {
        #expect(scanRequest(request(["X-A: one", " two"])).outcome == .failure(400))
        #expect(scanRequest(request(["X-A: one", "\ttwo"])).outcome == .failure(400))
        #expect(scanRequest("GET / HTTP/1.1\r\n Host: a\r\n\r\n").outcome == .failure(400))
    }

    @Test func crNotFollowedByLF() {
        #expect(scanRequest("GET / HTTP/1.1\r\nHost: a\rX-A: b\r\n\r\n").outcome == .failure(400))
        #expect(scanRequest("GET / HTTP/1.1\r\nHost: a\r\n\rX").outcome == .failure(400))
        #expect(scanRequest("GET / HTTP/1.1\rHost: a\r\n\r\n").outcome == .failure(400))
        #expect(scanRequest("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n").outcome == .failure(400))
    }

    @Test func bareLF() {
        #expect(scanRequest("GET / HTTP/1.1\nHost: a\n\n").outcome == .failure(400))
        #expect(scanRequest("GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n").outcome == .failure(400))
        #expect(scanRequest("GET / HTTP/1.1\r\nHost: a\r\n\n").outcome == .failure(400))
        #expect(scanRequest("GET / HTTP/1.1\r\nX-A\n: b\r\n\r\n").outcome == .failure(400))
    }

    @Test func nulAndControlBytesInHeaderValue() {
        let start = Array("GET / HTTP/1.1\r\nHost: a\r\nX-A: b".utf8)
        for control: UInt8 in [0x00, 0x01, 0x0B, 0x1F, 0x7F] {
            #expect(
                scanRequest(bytes: start + [control] + Array("c\r\n\r\n".utf8)).outcome == .failure(400), "\(control)")
        }
        // HTAB and obs-text are allowed in values.
        #expect(scanRequest(bytes: start + [0x09, 0xC3, 0xA9] + Array("\r\n\r\n".utf8)).outcome == .complete)
    }

    @Test func bothContentLengthAndTransferEncoding() {
        let r = scanRequest(request(["Content-Length: 5", "Transfer-Encoding: chunked"], line: "POST / HTTP/1.1"))
        #expect(r.outcome == .failure(400))
    }

    @Test func transferEncodingInHTTP10() {
        #expect(scanRequest("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n").outcome == .failure(400))
    }

    @Test(arguments: ["gzip", "chunked, gzip", "chunked;q=1", "", "\"chunked\""])
    func transferEncodingNotEndingInChunked(value: String) {
        let r = scanRequest(request(["Transfer-Encoding: \(value)"], line: "POST / HTTP/1.1"))
        #expect(r.outcome == .failure(400))
    }

    @Test func transferEncodingAcrossHeadersMustEndInChunked() {
        let r = scanRequest(
            request(["Transfer-Encoding: chunked", "Transfer-Encoding: gzip"], line: "POST / HTTP/1.1"))
        #expect(r.outcome == .failure(400))
    }

    @Test func chunkedTwice() {
        #expect(
            scanRequest(request(["Transfer-Encoding: chunked, chunked"], line: "POST / HTTP/1.1")).outcome
                == .failure(400))
        #expect(
            scanRequest(request(["Transfer-Encoding: chunked", "Transfer-Encoding: Chunked"], line: "POST / HTTP/1.1"))
                .outcome == .failure(400))
    }

    @Test(arguments: ["br, chunked", "x-gzip, chunked", "foo", "gzip, zstd", "zstd", "Transfer-Encoding: foo"])
    func unknownTransferCodingIs501(value: String) {
        let lines =
            value.hasPrefix("Transfer-Encoding")
            ? ["Transfer-Encoding: chunked", value] : ["Transfer-Encoding: \(value)"]
        #expect(scanRequest(request(lines, line: "POST / HTTP/1.1")).outcome == .failure(501))
    }

    @Test(arguments: ["abc", "", "+5", "-5", "5 5", "0x10", "1.0", "99999999999999999999", "9223372036854775808", "5,", ",5"])
    func malformedContentLength(value: String) {
        let r = scanRequest(request(["Content-Length: \(value)"], line: "POST / HTTP/1.1"))
        #expect(r.outcome == .failure(400))
    }

    @Test func differingContentLengths() {
        #expect(
            scanRequest(request(["Content-Length: 5, 6"], line: "POST / HTTP/1.1")).outcome == .failure(400))
        #expect(
            scanRequest(request(["Content-Length: 5", "Content-Length: 6"], line: "POST / HTTP/1.1")).outcome
                == .failure(400))
    }

    @Test func missingHostInHTTP11() {
        #expect(scanRequest("GET / HTTP/1.1\r\nX-A: b\r\n\r\n").outcome == .failure(400))
    }

    @Test func repeatedHost() {
        #expect(scanRequest(request(["Host: example.com"])).outcome == .failure(400))
        #expect(scanRequest("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n").outcome == .failure(400))
    }

    @Test func emptyHostInHTTP11() {
        #expect(scanRequest(request([], host: "")).outcome == .failure(400))
        #expect(scanRequest(request([], host: "  ")).outcome == .failure(400))
    }

    @Test(arguments: ["a/b", "user@host", "a b", "h\"x", "a{b}"])
    func invalidHostValue(host: String) {
        #expect(scanRequest(request([], host: host)).outcome == .failure(400))
    }

    @Test func validHostValues() throws {
        for host in ["[::1]:8080", "xn--bcher-kva.example", "10.0.0.1:80", "a_b.example"] {
            let r = scanRequest(request([], host: host))
            #expect(r.text(r.head?.host) == host)
        }
    }

    @Test func tooManyHeadersIs431() {
        let fits = request(["A: 1", "B: 2", "C: 3"])  // Host + 3 = 4
        #expect(scanRequest(fits, capacity: 4).outcome == .complete)
        let over = request(["A: 1", "B: 2", "C: 3", "D: 4"])
        #expect(scanRequest(over, capacity: 4).outcome == .failure(431))
    }

    @Test func longRequestLineIs414() {
        let text = request([], line: "GET /" + String(repeating: "a", count: 100) + " HTTP/1.1")
        #expect(scanRequest(text, maxHeadLength: 64).outcome == .failure(414))
        // Only part of it has arrived, but the buffer is full.
        let partial = Array(text.utf8.prefix(64))
        #expect(scanRequest(bytes: partial, maxHeadLength: 64).outcome == .failure(414))
        // Not yet full: wait for more.
        #expect(scanRequest(bytes: Array(partial.prefix(63)), maxHeadLength: 64).outcome == .incomplete)
    }

    @Test func longHeadIs431() {
        let text = request(["X-Big: " + String(repeating: "b", count: 100)])
        #expect(scanRequest(text, maxHeadLength: 64).outcome == .failure(431))
        let partial = Array(text.utf8.prefix(64))
        #expect(scanRequest(bytes: partial, maxHeadLength: 64).outcome == .failure(431))
        #expect(scanRequest(bytes: Array(partial.prefix(40)), maxHeadLength: 64).outcome == .incomplete)
        // The same head fits a larger limit.
        #expect(scanRequest(text, maxHeadLength: 256).outcome == .complete)
    }

    @Test func headExactlyAtTheLimitIsComplete() {
        let text = request([])
        let n = text.utf8.count
        #expect(scanRequest(text, maxHeadLength: n).outcome == .complete)
        #expect(scanRequest(text, maxHeadLength: n - 1).outcome == .failure(431))
    }

    @Test func endlessEmptyLinesAre414() {
        let bytes = Array(String(repeating: "\r\n", count: 40).utf8)
        #expect(scanRequest(bytes: bytes, maxHeadLength: 64).outcome == .failure(414))
    }

    @Test func badByteAtEveryPositionOfALongValue() {
        // Covers the eight-bytes-at-a-time path and the byte-by-byte tail at every alignment.
        for position in 0..<40 {
            for bad: UInt8 in [0x00, 0x0A, 0x7F, 0x1B] {
                var value = Array(repeating: UInt8(ascii: "v"), count: 40)
                value[position] = bad
                let bytes = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Long: ".utf8) + value + Array("\r\n\r\n".utf8)
                #expect(scanRequest(bytes: bytes).outcome == .failure(400), "byte \(bad) at \(position)")
            }
            var allowed = Array(repeating: UInt8(ascii: "v"), count: 40)
            allowed[position] = position % 2 == 0 && position > 0 ? 0x09 : 0xFF  // a leading HTAB would be trimmed
            let bytes = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Long: ".utf8) + allowed + Array("\r\n\r\n".utf8)
            let r = scanRequest(bytes: bytes)
            #expect(r.outcome == .complete, "allowed byte at \(position)")
            #expect(r.headers.count == 2 && r.headers[1].value.count == 40)
        }
    }

    @Test func badByteAtEveryPositionOfALongTarget() {
        for position in 1..<40 {
            var target = Array(repeating: UInt8(ascii: "t"), count: 40)
            target[0] = UInt8(ascii: "/")
            for bad: UInt8 in [0x7F, 0x80, 0x01, 0x0D] {
                target[position] = bad
                let bytes = Array("GET ".utf8) + target + Array(" HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
                #expect(scanRequest(bytes: bytes).outcome == .failure(400), "byte \(bad) at \(position)")
            }
            target[position] = UInt8(ascii: "?")
            let bytes = Array("GET ".utf8) + target + Array("?x HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
            let r = scanRequest(bytes: bytes)
            let head = r.head
            #expect(head?.path.count == position, "? at \(position)")
            #expect(head?.query.count == 40 - position - 1 + 2, "? at \(position)")
        }
    }

    @Test func syntaxErrorsAreReportedBeforeTheHeadEnds() {
        #expect(scanRequest("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x").outcome == .failure(400))
        #expect(scanRequest("G{").outcome == .failure(400))
    }
}

@Suite struct ByteClassTests {
    @Test func tcharMaskMatchesRFC9110() {
        let specials = Set("!#$%&'*+-.^_`|~".utf8)
        for b in 0...255 {
            let byte = UInt8(b)
            let isAlnum = (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
            #expect(ASCII.isTChar(byte) == (isAlnum || specials.contains(byte)), "byte \(b)")
        }
    }

    @Test func hostMaskMatchesAuthorityCharacters() {
        let specials = Set("-._~!$&'()*+,;=:[]%".utf8)
        for b in 0...255 {
            let byte = UInt8(b)
            let isAlnum = (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
            #expect(ASCII.isHostChar(byte) == (isAlnum || specials.contains(byte)), "byte \(b)")
        }
    }

    @Test func headerKindsAreRecognisedCaseInsensitively() {
        let cases: [(String, HeaderKind)] = [
            ("HOST", .host), ("cookie", .cookie), ("Content-Length", .contentLength),
            ("transfer-ENCODING", .transferEncoding), ("Connection", .connection), ("Keep-Alive", .keepAlive),
            ("Proxy-Connection", .proxyConnection), ("te", .te), ("Trailer", .trailer), ("Upgrade", .upgrade),
            ("Expect", .expect), ("X-Forwarded-For", .xForwardedFor), ("x-forwarded-proto", .xForwardedProto),
            ("X-Forwarded-Host", .xForwardedHost), ("X-Forwarded-Port", .xForwardedPort),
            ("X-Forwarded-Server", .xForwardedServer), ("X-Real-IP", .xRealIP), ("Set-Cookie", .setCookie),
            ("Proxy-Authenticate", .proxyAuthenticate), ("Proxy-Authorization", .proxyAuthorization),
            ("Hosts", .other), ("Cookie2", .other), ("Content-Lengths", .other), ("X-Forwarded-Fox", .other),
            ("Tf", .other), ("Upgrad3", .other),
        ]
        for (name, kind) in cases {
            let found = Array(name.utf8).withUnsafeBytes { HeaderKind.classify($0) }
            #expect(found == kind, "\(name)")
        }
    }
}
