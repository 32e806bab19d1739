import LimpetHTTP
import Testing

@testable import LimpetRouting

@Suite struct MiddlewareTests {
    /// Runs `body` on a request for `path` with `capacity` bytes of path scratch.
    private func withRequest<T>(path: String, capacity: Int = 64, rewritesPath: Bool,
                                _ body: (inout MiddlewareRequest) -> T) -> T {
        let bytes = Array(path.utf8)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
        defer { scratch.deallocate() }
        return bytes.withUnsafeBytes { raw in
            let empty = UnsafeRawBufferPointer(start: raw.baseAddress, count: 0)
            let view = RequestView(method: empty, host: empty, path: raw, query: empty)
            var request = MiddlewareRequest(head: view, method: .get, clientIP: empty, trustForwarded: false, now: 0,
                                            pathScratch: scratch, pathCapacity: capacity, rewritesPath: rewritesPath,
                                            lines: [])
            return body(&request)
        }
    }

    private func text(_ bytes: UnsafeRawBufferPointer?) -> String? {
        bytes.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func aPathIsRewrittenInTheScratchBuffer() {
        let result = withRequest(path: "/api/users", rewritesPath: true) { request -> String? in
            request.dropPathPrefix(4, slash: false)
            #expect(text(request.path) == "/users")
            #expect(Array("/v2".utf8).withUnsafeBytes { request.prependPath($0) })
            return text(request.rewrittenPath)
        }
        #expect(result == "/v2/users")
        #expect(withRequest(path: "/api", rewritesPath: true) { request -> String? in
            request.dropPathPrefix(4, slash: true)
            return text(request.rewrittenPath)
        } == "/", "everything stripped: the root")
        #expect(withRequest(path: "/apix", rewritesPath: true) { request -> String? in
            request.dropPathPrefix(4, slash: true)
            return text(request.rewrittenPath)
        } == "/x")
    }

    @Test func aPathNobodyRewritesIsNotCopied() {
        #expect(withRequest(path: "/a", rewritesPath: false) { text($0.rewrittenPath) } == nil)
        #expect(withRequest(path: "/a", rewritesPath: true) { text($0.rewrittenPath) } == "/a",
                "a chain that may rewrite sends its copy even unchanged")
        #expect(withRequest(path: "/a", rewritesPath: false) { request -> String? in
            request.dropPathPrefix(0, slash: false)
            return text(request.rewrittenPath)
        } == "/a", "a step that rewrites copies the path first")
    }

    @Test func aPrefixThatDoesNotFitChangesNothing() {
        let prefix = Array(repeating: UInt8(ascii: "p"), count: 7)
        let (fits, path) = withRequest(path: "/abc", capacity: 10, rewritesPath: true) { request in
            (prefix.withUnsafeBytes { request.prependPath($0) }, text(request.rewrittenPath))
        }
        #expect(!fits && path == "/abc")
    }

    @Test func anAnswerReplacesTheUpstreamLines() {
        let verdict = withRequest(path: "/", rewritesPath: false) { request -> MiddlewareVerdict in
            request.lines += "X-Forwarded-Prefix: /a\r\n".utf8
            let verdict = request.answer(429, body: "Too Many Requests") { line in
                line += "Retry-After: ".utf8
                line.append(decimal: 120)
                line += "\r\n".utf8
            }
            #expect(String(decoding: request.lines, as: UTF8.self) == "Retry-After: 120\r\n")
            return verdict
        }
        guard case .answer(let answer) = verdict else {
            Issue.record("not an answer")
            return
        }
        #expect(answer == MiddlewareAnswer(status: 429, body: "Too Many Requests", withLines: true))
    }

    @Test func decimals() {
        for value: UInt64 in [0, 7, 10, 99, 1_000, 18_446_744_073_709_551_615] {
            var out: [UInt8] = []
            out.append(decimal: value)
            #expect(String(decoding: out, as: UTF8.self) == String(value))
        }
    }

    @Test func retryBackoffDoubles() {
        let policy = RetryPolicy(attempts: 4, initialInterval: .milliseconds(100))
        #expect(policy.backoff(beforeAttempt: 2) == 100_000_000)
        #expect(policy.backoff(beforeAttempt: 3) == 200_000_000)
        #expect(policy.backoff(beforeAttempt: 4) == 400_000_000)
    }
}
