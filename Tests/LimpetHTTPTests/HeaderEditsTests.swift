import Testing

@testable import LimpetHTTP

/// Rewrites a request with middleware edits: a new path, header edits and extra lines.
private func rewriteEdited(_ text: String, path: String?, edits: HeaderEdits?, extra: String = "") throws -> String {
    let r = scanRequest(text)
    let head = try #require(r.head)
    let ip = Array("10.0.0.7".utf8)
    let name = Array("edge".utf8)
    let pathBytes = Array((path ?? "").utf8)
    let extraBytes = Array(extra.utf8)
    return r.bytes.withUnsafeBytes { src in
        ip.withUnsafeBytes { ipBytes in
            name.withUnsafeBytes { nameBytes in
                pathBytes.withUnsafeBytes { p in
                    extraBytes.withUnsafeBytes { e in
                        let info = ForwardingInfo(clientIP: ipBytes, serverName: nameBytes,
                                                  pathOverride: path == nil ? nil : p, edits: edits,
                                                  extraLines: extra.isEmpty ? nil : e)
                        return written { w in
                            HeadWriter.writeRequest(head, headers: r.headers, source: src, info: info, into: &w)
                        }.0
                    }
                }
            }
        }
    }
}

@Suite struct HeaderEditsTests {
    @Test func laterEditsWinAndEmptyValuesRemove() {
        let edits = HeaderEdits([("X-A", "1"), ("X-Gone", ""), ("x-a", "2"), ("X-B", "b")])
        #expect(edits.names == [Array("x-a".utf8), Array("x-gone".utf8), Array("x-b".utf8)])
        #expect(String(decoding: edits.lines, as: UTF8.self) == "x-a: 2\r\nX-B: b\r\n")
        #expect(edits.refused.isEmpty)
    }

    @Test func framingHeadersAreRefused() {
        let edits = HeaderEdits([("Content-Length", "0"), ("Transfer-Encoding", "chunked"), ("Connection", "close"),
                                 ("X-Ok", "1")])
        #expect(edits.refused == ["Content-Length", "Transfer-Encoding", "Connection"])
        #expect(edits.names == [Array("x-ok".utf8)])
    }

    @Test func hostIsSetNotAppended() throws {
        let edits = HeaderEdits([("Host", "internal.example")])
        #expect(edits.host == Array("internal.example".utf8))
        let out = try rewriteEdited("GET / HTTP/1.1\r\nHost: public.example\r\n\r\n", path: nil, edits: edits)
        #expect(out.hasPrefix("GET / HTTP/1.1\r\nHost: internal.example\r\n"))
        #expect(out.contains("X-Forwarded-Host: public.example\r\n"), "the client's host is still what it asked for")
    }

    @Test func requestEditsPathAndExtraLines() throws {
        let edits = HeaderEdits([("X-Env", "prod"), ("X-Secret", ""), ("X-Replace", "new")])
        let out = try rewriteEdited(
            "GET /api/users?id=1 HTTP/1.1\r\nHost: h\r\nX-Secret: s\r\nx-replace: old\r\nX-Keep: k\r\n\r\n",
            path: "/users", edits: edits, extra: "X-Forwarded-Prefix: /api\r\n")
        #expect(out.hasPrefix("GET /users?id=1 HTTP/1.1\r\nHost: h\r\n"))
        #expect(out.contains("X-Keep: k\r\nX-Env: prod\r\nX-Replace: new\r\nX-Forwarded-Prefix: /api\r\n"))
        #expect(!out.contains("X-Secret"))
        #expect(!out.contains("old"))
    }

    @Test func pathOverrideWithoutQuery() throws {
        let out = try rewriteEdited("GET /a HTTP/1.1\r\nHost: h\r\n\r\n", path: "/v2/a", edits: nil)
        #expect(out.hasPrefix("GET /v2/a HTTP/1.1\r\n"))
    }

    @Test func responseEdits() throws {
        let r = scanResponse("HTTP/1.1 200 OK\r\nServer: app\r\nX-Powered-By: php\r\nContent-Length: 0\r\n\r\n")
        let head = try #require(r.head)
        let edits = HeaderEdits([("X-Powered-By", ""), ("Server", "limpet"), ("X-Frame-Options", "DENY")])
        let out = r.bytes.withUnsafeBytes { src in
            written { w in
                HeadWriter.writeResponse(head, headers: r.headers, source: src,
                                         extra: UnsafeRawBufferPointer(start: nil, count: 0), close: false,
                                         edits: edits, into: &w)
            }.0
        }
        #expect(out == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nServer: limpet\r\nX-Frame-Options: DENY\r\n\r\n")
    }
}
