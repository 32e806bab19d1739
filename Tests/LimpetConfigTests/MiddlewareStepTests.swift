import LimpetHTTP
import LimpetRouting
import Testing

@testable import LimpetConfig

/// Each middleware's per-request step on a scanned head, without sockets.
@Suite struct MiddlewareStepTests {
    struct Outcome {
        var verdicts: [MiddlewareVerdict] = []
        /// The path sent upstream when rewritten.
        var path: String?
        var lines = ""

        var answer: MiddlewareAnswer? {
            guard case .answer(let answer)? = verdicts.last else { return nil }
            return answer
        }
    }

    /// Runs `steps` in order on `head` (CRLF added) as the proxy does: stops at an answer.
    static func run(_ steps: [any MiddlewareStep], _ head: String, clientIP: String = "10.0.0.1",
                    trustForwarded: Bool = false, now: UInt64 = 0, pathCapacity: Int = 256) -> Outcome {
        let bytes = Array((head.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n").utf8)
        let headers = HeaderTable(capacity: 32)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: pathCapacity, alignment: 1)
        defer { scratch.deallocate() }
        var outcome = Outcome()
        bytes.withUnsafeBytes { source in
            guard case .complete(let scanned) = RequestScanner.scan(source, headers: headers, maxHeadLength: 4096) else {
                Issue.record("the head does not scan")
                return
            }
            func span(_ span: Span?) -> UnsafeRawBufferPointer {
                guard let span, !span.isEmpty else { return UnsafeRawBufferPointer(start: source.baseAddress, count: 0) }
                return span.bytes(in: source)
            }
            let view = RequestView(method: span(scanned.methodSpan), host: span(scanned.effectiveHost),
                                   path: span(scanned.path), query: span(scanned.query), headers: headers, source: source)
            Array(clientIP.utf8).withUnsafeBytes { ip in
                var request = MiddlewareRequest(head: view, method: scanned.method, clientIP: ip,
                                                trustForwarded: trustForwarded, now: now, pathScratch: scratch,
                                                pathCapacity: pathCapacity,
                                                rewritesPath: steps.contains { $0 is StripPrefix.Step || $0 is AddPrefix.Step },
                                                lines: [])
                for step in steps {
                    let verdict = step.handle(&request)
                    outcome.verdicts.append(verdict)
                    if case .answer = verdict { break }
                }
                outcome.path = request.rewrittenPath.map { String(decoding: $0, as: UTF8.self) }
                outcome.lines = String(decoding: request.lines, as: UTF8.self)
            }
        }
        return outcome
    }

    static func get(_ target: String, host: String = "app.localhost", _ fields: String...) -> String {
        get(target, host: host, fields)
    }

    static func get(_ target: String, host: String = "app.localhost", _ fields: [String]) -> String {
        (["GET \(target) HTTP/1.1", "Host: \(host)"] + fields).joined(separator: "\n") + "\n"
    }

    @Test func stripPrefixTakesTheFirstListedMatch() {
        func strip(_ path: String, _ prefixes: [String]) -> String? {
            let outcome = Self.run([StripPrefix.Step(prefixes: prefixes.map { Array($0.utf8) })], Self.get(path))
            return outcome.lines.isEmpty ? nil : outcome.path
        }
        #expect(strip("/api/users", ["/api"]) == "/users")
        #expect(strip("/api", ["/api"]) == "/")
        #expect(strip("/apix", ["/api"]) == "/x")
        #expect(strip("/api/v1/x", ["/nope", "/api", "/api/v1"]) == "/v1/x")
        #expect(strip("/other", ["/api"]) == nil)
        #expect(strip("/", ["/"]) == "/")
    }

    @Test func stripPrefixTellsTheServer() {
        let outcome = Self.run([StripPrefix.Step(prefixes: [Array("/api".utf8)])], Self.get("/api/users?x=1"))
        #expect(outcome.path == "/users")
        #expect(outcome.lines == "X-Forwarded-Prefix: /api\r\n")
        let unmatched = Self.run([StripPrefix.Step(prefixes: [Array("/api".utf8)])], Self.get("/other"))
        #expect(unmatched.path == "/other" && unmatched.lines.isEmpty)
    }

    @Test func addPrefixAfterStripPrefix() {
        let steps: [any MiddlewareStep] = [StripPrefix.Step(prefixes: [Array("/api".utf8)]),
                                           AddPrefix.Step(prefix: Array("/v2".utf8))]
        let outcome = Self.run(steps, Self.get("/api/users"))
        #expect(outcome.path == "/v2/users")
        #expect(outcome.lines == "X-Forwarded-Prefix: /api\r\n")
    }

    @Test func addPrefixThatDoesNotFitIs414() {
        let outcome = Self.run([AddPrefix.Step(prefix: Array(repeating: UInt8(ascii: "/"), count: 40))],
                               Self.get("/users"), pathCapacity: 32)
        #expect(outcome.answer == MiddlewareAnswer(status: 414, body: "414 URI Too Long", close: true))
    }

    @Test func redirectSchemeStatusAndPort() {
        let permanent = RedirectScheme.Step(scheme: "HTTPS", port: "443", permanent: true)
        #expect(permanent.scheme == Array("https".utf8))
        #expect(permanent.portSuffix.isEmpty, "the scheme's default port is left out")
        #expect(permanent.status(isGet: true) == 301)
        #expect(permanent.status(isGet: false) == 308)
        let temporary = RedirectScheme.Step(scheme: "https", port: "8443", permanent: false)
        #expect(temporary.portSuffix == Array(":8443".utf8))
        #expect(temporary.status(isGet: true) == 302)
        #expect(temporary.status(isGet: false) == 307)
    }

    @Test func redirectSchemeAnswersWithTheLocation() {
        let step = RedirectScheme.Step(scheme: "https", port: "8443", permanent: true)
        let outcome = Self.run([step], Self.get("/a/b?q=1", host: "app.localhost:8000"))
        #expect(outcome.answer == MiddlewareAnswer(status: 301, body: "Moved Permanently", withLines: true))
        #expect(outcome.lines == "Location: https://app.localhost:8443/a/b?q=1\r\n")
        let post = Self.run([step], "POST /x HTTP/1.1\nHost: [::1]:8000\nContent-Length: 0\n")
        #expect(post.answer?.status == 308)
        #expect(post.lines == "Location: https://[::1]:8443/x\r\n")
    }

    @Test func redirectSchemeUsesTheRewrittenPath() {
        let steps: [any MiddlewareStep] = [StripPrefix.Step(prefixes: [Array("/api".utf8)]),
                                           RedirectScheme.Step(scheme: "https", port: "", permanent: false)]
        let outcome = Self.run(steps, Self.get("/api/x"))
        #expect(outcome.answer?.status == 302)
        #expect(outcome.lines == "Location: https://app.localhost/x\r\n", "the answer's lines replace X-Forwarded-Prefix")
    }

    @Test func redirectSchemeLeavesRequestsAlreadyThere() {
        let step = RedirectScheme.Step(scheme: "https", port: "", permanent: false)
        let forwarded = Self.get("/", "X-Forwarded-Proto: HTTPS")
        #expect(Self.run([step], forwarded, trustForwarded: true).answer == nil)
        #expect(Self.run([step], forwarded, trustForwarded: false).answer?.status == 302,
                "an untrusted client's X-Forwarded-Proto does not count")
        #expect(Self.run([RedirectScheme.Step(scheme: "http", port: "", permanent: false)], Self.get("/")).answer == nil)
    }

    /// The address `step` takes for the client of a request with these `X-Forwarded-For` values (in order).
    static func client(_ step: IPAllowList.Step, forwardedFor values: [String]) -> [UInt8]? {
        var address: [UInt8]?
        let head = get("/", values.map { "X-Forwarded-For: \($0)" })
        let bytes = Array((head.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n").utf8)
        let headers = HeaderTable(capacity: 32)
        bytes.withUnsafeBytes { source in
            guard case .complete(let scanned) = RequestScanner.scan(source, headers: headers, maxHeadLength: 4096) else {
                return
            }
            let empty = UnsafeRawBufferPointer(start: source.baseAddress, count: 0)
            let view = RequestView(method: empty, host: empty, path: empty, query: empty, headers: headers, source: source)
            let request = MiddlewareRequest(head: view, method: scanned.method, clientIP: empty, trustForwarded: false,
                                            now: 0, pathScratch: UnsafeMutableRawPointer(mutating: source.baseAddress!),
                                            pathCapacity: 0, rewritesPath: false, lines: [])
            withUnsafeTemporaryAllocation(byteCount: 16, alignment: 8) { out in
                if let count = step.clientAddress(request, into: out.baseAddress!) {
                    address = Array(UnsafeRawBufferPointer(start: out.baseAddress, count: count))
                }
            }
        }
        return address
    }

    @Test func ipStrategies() throws {
        let lan = try IPRange(parsing: "10.0.0.0/8")
        let byDepth = IPAllowList.Step(sourceRange: [lan], depth: 2, excludedIPs: [])
        #expect(Self.client(byDepth, forwardedFor: ["1.1.1.1, 10.1.1.1, 192.168.0.1"]) == [10, 1, 1, 1])
        #expect(Self.client(byDepth, forwardedFor: ["1.1.1.1,10.1.1.1", "192.168.0.1"]) == [10, 1, 1, 1],
                "one list over every header, in order")
        #expect(Self.client(byDepth, forwardedFor: [" 10.1.1.1 ,, 192.168.0.1,"]) == [10, 1, 1, 1],
                "items trimmed, empty ones skipped")
        #expect(Self.client(byDepth, forwardedFor: ["10.1.1.1"]) == nil, "fewer addresses than the depth")
        #expect(Self.client(byDepth, forwardedFor: ["bogus, 10.1.1.1"]) == nil, "the depth-th is not an address")
        let pool = IPAllowList.Step(sourceRange: [lan], depth: 0, excludedIPs: [try IPRange(parsing: "192.168.0.0/16")])
        #expect(Self.client(pool, forwardedFor: ["10.2.2.2, 192.168.0.1, 192.168.0.2"]) == [10, 2, 2, 2])
        #expect(Self.client(pool, forwardedFor: ["10.2.2.2, junk, 192.168.0.2"]) == [10, 2, 2, 2])
        #expect(Self.client(pool, forwardedFor: ["192.168.0.1"]) == nil)
        #expect(Self.client(pool, forwardedFor: ["::ffff:10.3.3.3"])?.count == 16)
        for (address, allowed) in [([10, 2, 2, 2] as [UInt8], true), ([11, 0, 0, 1], false),
                                   ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3], true)] {
            #expect(address.withUnsafeBytes { pool.allows($0) } == allowed)
        }
    }

    @Test func ipAllowListOnTheRequest() throws {
        let lan = try IPRange(parsing: "10.0.0.0/8")
        let peer = IPAllowList.Step(sourceRange: [lan], depth: 0, excludedIPs: [])
        #expect(Self.run([peer], Self.get("/"), clientIP: "10.9.9.9").answer == nil)
        #expect(Self.run([peer], Self.get("/"), clientIP: "127.0.0.1").answer
                == MiddlewareAnswer(status: 403, body: "Forbidden"))
        let byDepth = IPAllowList.Step(sourceRange: [lan], depth: 2, excludedIPs: [])
        let forwarded = Self.get("/", "X-Forwarded-For: 1.1.1.1, 10.1.1.1", "X-Forwarded-For: 192.168.0.1")
        #expect(Self.run([byDepth], forwarded, clientIP: "127.0.0.1").answer == nil, "10.1.1.1 is second from the right")
        #expect(Self.run([byDepth], Self.get("/", "X-Forwarded-For: 10.1.1.1"), clientIP: "10.0.0.1").answer?.status
                == 403)
    }

    @Test func inFlightReqHoldsASlotUntilReleased() {
        let step = InFlightReq.Step(limiter: InFlightLimiter(amount: 1))
        let first = Self.run([step], Self.get("/"))
        guard case .nextHolding(let hold)? = first.verdicts.first else {
            Issue.record("the first request holds a slot")
            return
        }
        #expect(Self.run([step], Self.get("/")).answer == MiddlewareAnswer(status: 429, body: "Too Many Requests"))
        #expect(Self.run([step], Self.get("/", host: "other.localhost")).answer == nil, "counted per Host")
        step.release(hold)
        #expect(Self.run([step], Self.get("/")).answer == nil)
    }

    @Test func rateLimitAnswersWithRetryAfter() {
        let step = RateLimit.Step(limiter: RateLimiter(average: 1, burst: 1, period: .seconds(90)))
        let now: UInt64 = 5_000_000_000
        #expect(Self.run([step], Self.get("/"), now: now).answer == nil)
        let refused = Self.run([step], Self.get("/"), now: now + 1)
        #expect(refused.answer == MiddlewareAnswer(status: 429, body: "Too Many Requests", withLines: true))
        #expect(refused.lines == "Retry-After: 90\r\n")
        #expect(Self.run([step], Self.get("/"), clientIP: "10.0.0.2", now: now + 1).answer == nil, "per client IP")
    }

    @Test func theRegistryNamesEachTypeOnce() {
        let names = Middlewares.types.map { $0.typeName.lowercased() }
        #expect(Set(names).count == names.count)
        #expect(Middlewares.type(named: "STRIPPREFIX").map(ObjectIdentifier.init) == ObjectIdentifier(StripPrefix.self))
        #expect(LabelDecoder.WorkloadDecoder.lists.isSuperset(of: [
            "middlewares.*.stripprefix.prefixes", "middlewares.*.ipallowlist.sourcerange",
            "middlewares.*.ipallowlist.ipstrategy.excludedips",
        ]))
    }
}
