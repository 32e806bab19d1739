import LimpetHTTP
import LimpetRouting

/// What a router's middlewares need to remember during one exchange. A connection allocates it the first time one
/// of its requests goes through a chain and keeps it for the next ones, so connections that never meet a
/// middleware carry one pointer for all this (memory per idle connection).
final class MiddlewareExchange {
    /// `customResponseHeaders` for the response head.
    var responseEdits: HeaderEdits?
    /// The `retry` middleware's policy, tries made so far and the wait before the next dial.
    var retry = RetryState()
    /// `inFlightReq` slots held, released when the exchange ends.
    var heldLimits: [(InFlightLimiter, UInt64)] = []
    /// The load balancer that chose the server, and the server's index in it (where a retry goes next).
    var balancedService: ServiceRuntime?
    var balancedIndex = 0

    func reset() {
        responseEdits = nil
        retry = RetryState()
        balancedService = nil
    }
}

/// The `retry` middleware within one exchange: its policy, the tries made and the wait before the next dial.
struct RetryState {
    var policy: RetryPolicy?
    private(set) var attempt = 1
    private(set) var delay: UInt64 = 0

    init(policy: RetryPolicy? = nil) { self.policy = policy }

    /// Counts another try when the policy allows one, with its backoff as the wait before it.
    mutating func next() -> Bool {
        guard let policy, attempt < policy.attempts else { return false }
        attempt += 1
        delay = policy.backoff(beforeAttempt: attempt)
        return true
    }

    /// The wait before the dial now due; 0 once taken.
    mutating func takeDelay() -> UInt64 {
        defer { delay = 0 }
        return delay
    }
}

/// A router's middlewares (SPEC §4), applied to the request head between routing and choosing a server.
/// They act on heads only: the path and header edits go into the head written upstream, the answers they give
/// themselves (redirect, 403, 429) are small local responses. Nothing here runs for a router without middlewares.
extension ClientConnection {
    /// What the chain decided for the head being forwarded.
    struct Rewrite {
        /// The new path, in `worker.pathScratch`; nil when the path is unchanged.
        var path: UnsafeRawBufferPointer?
        /// `X-Forwarded-Prefix` line, in `worker.lineScratch`; empty when none.
        var extraLineCount = 0
    }

    /// Runs the chain's steps in order. Returns nil when a step answered the request itself (the answer is on
    /// its way), else the rewrite to apply to the upstream head.
    func admit(_ chain: MiddlewareChain, head: RequestHead, source: UnsafeRawBufferPointer) -> Rewrite? {
        var rewrite = Rewrite()
        var pathCount = 0
        let scratch = worker.pathScratch
        let capacity = settings.bufferSize
        if chain.rewritesPath {
            let path = head.path.bytes(in: source)
            pathCount = path.count
            if pathCount > 0 { scratch.copyMemory(from: path.baseAddress!, byteCount: pathCount) }
        }
        worker.lineScratch.removeAll(keepingCapacity: true)
        let state = middleware ?? MiddlewareExchange()
        middleware = state
        state.retry = RetryState(policy: chain.retry)
        state.responseEdits = chain.responseEdits
        for step in chain.steps {
            switch step {
            case .stripPrefix(let prefixes):
                let current = UnsafeRawBufferPointer(start: scratch, count: pathCount)
                guard let (index, drop, slash) = MiddlewareChain.strip(current, prefixes: prefixes) else { continue }
                let rest = pathCount - drop
                if slash {
                    (scratch + 1).copyMemory(from: scratch + drop, byteCount: rest)
                    scratch.storeBytes(of: UInt8(ascii: "/"), as: UInt8.self)
                    pathCount = rest + 1
                } else {
                    scratch.copyMemory(from: scratch + drop, byteCount: rest)
                    pathCount = rest
                }
                worker.lineScratch.removeAll(keepingCapacity: true)
                worker.lineScratch += "X-Forwarded-Prefix: ".utf8
                worker.lineScratch += prefixes[index]
                worker.lineScratch += "\r\n".utf8
            case .addPrefix(let prefix):
                guard pathCount + prefix.count <= capacity else {
                    answer(414, body: "414 URI Too Long", close: true)
                    return nil
                }
                (scratch + prefix.count).copyMemory(from: scratch, byteCount: pathCount)
                prefix.withUnsafeBytes { scratch.copyMemory(from: $0.baseAddress!, byteCount: prefix.count) }
                pathCount += prefix.count
            case .redirectScheme(let redirect):
                if redirect.scheme.elementsEqual(requestScheme(source: source).utf8) && redirect.portSuffix.isEmpty {
                    continue  // already there (a redirect to the same scheme would loop)
                }
                let path = chain.rewritesPath ? UnsafeRawBufferPointer(start: scratch, count: pathCount)
                    : head.path.bytes(in: source)
                var line = worker.lineScratch
                line.removeAll(keepingCapacity: true)
                line += "Location: ".utf8
                line += redirect.scheme
                line += "://".utf8
                if let host = head.effectiveHost { line += Self.hostWithoutPort(host.bytes(in: source)) }
                line += redirect.portSuffix
                line += path
                if !head.query.isEmpty {
                    line.append(UInt8(ascii: "?"))
                    line += head.query.bytes(in: source)
                }
                line += "\r\n".utf8
                worker.lineScratch = line
                let status = redirect.status(isGet: head.method == .get)
                answer(status, body: HTTPStatus.reasonPhrase(status), close: exchange.request.hasBody, extra: true)
                return nil
            case .ipAllowList(let list):
                guard let address = clientAddress(list, source: source), list.allows(address) else {
                    answer(403, body: "Forbidden", close: exchange.request.hasBody)
                    return nil
                }
            case .inFlightReq(let limiter):
                let key = MiddlewareChain.sourceKey(head.effectiveHost.map { $0.bytes(in: source) }
                                                    ?? UnsafeRawBufferPointer(start: nil, count: 0))
                guard limiter.acquire(key) else {
                    answer(429, body: "Too Many Requests", close: exchange.request.hasBody)
                    return nil
                }
                state.heldLimits.append((limiter, key))
            case .rateLimit(let limiter):
                let key = clientIP.withUnsafeBytes { MiddlewareChain.sourceKey($0) }
                if let wait = limiter.take(key, now: loop.now) {
                    worker.lineScratch.removeAll(keepingCapacity: true)
                    worker.lineScratch += "Retry-After: \((wait + 999_999_999) / 1_000_000_000)\r\n".utf8
                    answer(429, body: "Too Many Requests", close: exchange.request.hasBody, extra: true)
                    return nil
                }
            }
        }
        if chain.rewritesPath {
            if pathCount == 0 {  // everything stripped: the root
                scratch.storeBytes(of: UInt8(ascii: "/"), as: UInt8.self)
                pathCount = 1
            }
            rewrite.path = UnsafeRawBufferPointer(start: scratch, count: pathCount)
        }
        rewrite.extraLineCount = worker.lineScratch.count
        return rewrite
    }

    /// A middleware's own answer; the head stays consumed, a body not yet read closes the connection.
    private func answer(_ status: Int, body: StaticString, close: Bool, extra: Bool = false) {
        exchange.requestDone()
        releaseMiddlewareHolds()
        if extra {
            worker.lineScratch.withUnsafeBytes { respondLocally(status: status, body: body, close: close, extra: $0) }
        } else {
            respondLocally(status: status, body: body, close: close)
        }
    }

    /// `http`, or a trusted proxy's `X-Forwarded-Proto`.
    private func requestScheme(source: UnsafeRawBufferPointer) -> String {
        guard trustForwarded else { return "http" }
        let headers = worker.headers
        for i in 0..<headers.count where headers[i].kind == .xForwardedProto {
            return String(decoding: headers[i].value.bytes(in: source), as: UTF8.self).lowercased()
        }
        return "http"
    }

    /// The client's address as `ipAllowList`'s `ipStrategy` sees it.
    private func clientAddress(_ list: IPAllowList, source: UnsafeRawBufferPointer) -> [UInt8]? {
        guard list.usesForwardedFor else {
            return IPRange.parseAddress(String(decoding: clientIP, as: UTF8.self))
        }
        var addresses: [String] = []
        let headers = worker.headers
        for i in 0..<headers.count where headers[i].kind == .xForwardedFor {
            let value = String(decoding: headers[i].value.bytes(in: source), as: UTF8.self)
            for part in value.split(separator: ",") {
                let trimmed = part.trimmingCharacters(in: .whitespaces)
                if !trimmed.isEmpty { addresses.append(trimmed) }
            }
        }
        return list.clientAddress(forwardedFor: addresses)
    }

    /// `host[:port]` → `host` (`[v6]:port` → `[v6]`).
    static func hostWithoutPort(_ host: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var colon = host.count - 1
        while colon >= 0 {
            let c = host[colon]
            if c == UInt8(ascii: ":") { break }
            if c == UInt8(ascii: "]") || c < UInt8(ascii: "0") || c > UInt8(ascii: "9") { return host }
            colon -= 1
        }
        guard colon >= 0 else { return host }
        if host.first != UInt8(ascii: "["), host[..<colon].contains(UInt8(ascii: ":")) { return host }  // bare IPv6
        return UnsafeRawBufferPointer(rebasing: host[..<colon])
    }

    /// Gives back the `inFlightReq` slots this exchange holds.
    func releaseMiddlewareHolds() {
        guard let state = middleware, !state.heldLimits.isEmpty else { return }
        for (limiter, key) in state.heldLimits { limiter.release(key) }
        state.heldLimits.removeAll(keepingCapacity: true)
    }

    /// The `retry` middleware: a server that could not be reached, before any response byte and while the
    /// request can still be sent whole, gets the request again — on another server that takes new sessions when
    /// there is one (a sticky session on it moves as rendezvous hashing says, the same on every replica), after
    /// the policy's backoff. Returns false when the request cannot be retried.
    func retryWithPolicy() -> Bool {
        guard let state = middleware, exchange.policyMayRetry, state.retry.next() else { return false }
        recordPassiveFailure()
        if let (next, cookie) = alternativeServer() {
            setCookie = Array(setCookie[..<balancerCookieOffset]) + cookie
            server = next
            countInFlight(next)
        }
        failover = nil
        exchange.policyRetries()
        retry()
        return true
    }
}
