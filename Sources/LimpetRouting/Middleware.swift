import LimpetHTTP

/// The per-request part of one compiled middleware (SPEC §4). Each middleware type defines its own (in
/// `LimpetConfig/Middlewares/`); the proxy runs a router's steps in chain order on the request head, between
/// routing and choosing a server, and performs what they decide. `headers` and `retry` have no step: their effect
/// is folded into `MiddlewareChain`.
///
/// A step is immutable configuration plus, for the limiters, state shared by every loop: `handle` runs on several
/// threads at once and must not block.
public protocol MiddlewareStep: AnyObject, Sendable {
    /// Looks at, or rewrites, one request head.
    func handle(_ request: inout MiddlewareRequest) -> MiddlewareVerdict
    /// Gives back what `handle` took when it answered `.nextHolding(hold)`; called once, when the exchange ends
    /// (or is answered by a later step).
    func release(_ hold: UInt64)
}

extension MiddlewareStep {
    public func release(_ hold: UInt64) {}
}

/// What a step decided for the request.
public enum MiddlewareVerdict: Sendable {
    /// The next step, or the server.
    case next
    /// Likewise, and `release(hold)` is due when the exchange ends (an `inFlightReq` slot).
    case nextHolding(UInt64)
    /// Limpet answers the request itself; later steps do not run.
    case answer(MiddlewareAnswer)
}

/// A middleware's own small response (a redirect, 403, 414, 429).
public struct MiddlewareAnswer: Sendable, Equatable {
    public var status: Int
    public var body: StaticString
    /// Close the connection even when the request has no body (one that has an unread body always closes).
    public var close: Bool
    /// `MiddlewareRequest.lines` are header lines of this response (`Location`, `Retry-After`).
    public var withLines: Bool

    public init(status: Int, body: StaticString, close: Bool = false, withLines: Bool = false) {
        self.status = status
        self.body = body
        self.close = close
        self.withLines = withLines
    }

    public static func == (a: MiddlewareAnswer, b: MiddlewareAnswer) -> Bool {
        a.status == b.status && a.close == b.close && a.withLines == b.withLines
            && a.body.description == b.body.description
    }
}

/// One request head as the steps of a chain see it, built by the proxy once per request through a chain. Nothing
/// here allocates: the path is rewritten in the loop's scratch memory and extra header lines go into an array the
/// loop keeps (its capacity reused from request to request).
public struct MiddlewareRequest {
    /// Method, Host, received path and query, headers (spans into `head.source`).
    public let head: RequestView
    public let method: Method
    /// The TCP peer's address as text (`10.0.0.1`, `::1`).
    public let clientIP: UnsafeRawBufferPointer
    /// The client is a trusted proxy (`forwardedHeaders.trustedIPs`): its `X-Forwarded-*` headers count.
    public let trustForwarded: Bool
    /// The loop's monotonic clock, nanoseconds.
    public let now: UInt64
    /// Complete header lines (`Name: value\r\n`): added to the head sent upstream (`X-Forwarded-Prefix`), or,
    /// with an answer `withLines`, sent in the answer instead.
    public var lines: [UInt8]

    private let scratch: UnsafeMutableRawPointer
    /// Bytes the rewritten path may take.
    public let pathCapacity: Int
    private var pathCount = 0
    /// The path lives in `scratch` (it is, or may be, rewritten).
    public private(set) var pathRewritten = false

    /// - Parameters:
    ///   - pathScratch: `pathCapacity` bytes for the rewritten path, owned by the caller.
    ///   - rewritesPath: the chain rewrites the path (`MiddlewareChain.rewritesPath`): it is copied to
    ///     `pathScratch` at once, and `rewrittenPath` is the path to send even when no step changed it.
    ///   - lines: empty; given for its capacity (the caller's own buffer, moved in and taken back after the steps).
    public init(head: RequestView, method: Method, clientIP: UnsafeRawBufferPointer, trustForwarded: Bool,
                now: UInt64, pathScratch: UnsafeMutableRawPointer, pathCapacity: Int, rewritesPath: Bool,
                lines: consuming [UInt8]) {
        self.head = head
        self.method = method
        self.clientIP = clientIP
        self.trustForwarded = trustForwarded
        self.now = now
        scratch = pathScratch
        self.pathCapacity = pathCapacity
        self.lines = consume lines  // moved: while the parameter lived, emptying it here would copy the buffer
        if rewritesPath { copyPathToScratch() }
    }

    /// The path as the steps so far left it.
    public var path: UnsafeRawBufferPointer {
        pathRewritten ? UnsafeRawBufferPointer(start: scratch, count: pathCount) : head.path
    }

    /// The path to send upstream when it was rewritten (`/` when everything was stripped), else nil.
    public var rewrittenPath: UnsafeRawBufferPointer? {
        mutating get {
            guard pathRewritten else { return nil }
            if pathCount == 0 {
                scratch.storeBytes(of: UInt8(ascii: "/"), as: UInt8.self)
                pathCount = 1
            }
            return UnsafeRawBufferPointer(start: scratch, count: pathCount)
        }
    }

    private mutating func copyPathToScratch() {
        guard !pathRewritten else { return }
        let path = head.path
        pathCount = min(path.count, pathCapacity)
        if pathCount > 0 { scratch.copyMemory(from: path.baseAddress!, byteCount: pathCount) }
        pathRewritten = true
    }

    /// Drops the first `count` bytes of the path, then puts a `/` in front when `slash`.
    public mutating func dropPathPrefix(_ count: Int, slash: Bool) {
        copyPathToScratch()
        let drop = min(count, pathCount)
        let rest = pathCount - drop
        if slash {
            (scratch + 1).copyMemory(from: scratch + drop, byteCount: rest)
            scratch.storeBytes(of: UInt8(ascii: "/"), as: UInt8.self)
            pathCount = rest + 1
        } else {
            scratch.copyMemory(from: scratch + drop, byteCount: rest)
            pathCount = rest
        }
    }

    /// Puts `prefix` in front of the path; false (nothing changed) when the result would not fit.
    public mutating func prependPath(_ prefix: UnsafeRawBufferPointer) -> Bool {
        copyPathToScratch()
        guard pathCount + prefix.count <= pathCapacity else { return false }
        guard let start = prefix.baseAddress, prefix.count > 0 else { return true }
        (scratch + prefix.count).copyMemory(from: scratch, byteCount: pathCount)
        scratch.copyMemory(from: start, byteCount: prefix.count)
        pathCount += prefix.count
        return true
    }

    /// `http`, or a trusted proxy's `X-Forwarded-Proto` as received (any case).
    public var scheme: UnsafeRawBufferPointer {
        if trustForwarded, let headers = head.headers, let i = headers.firstIndex(of: .xForwardedProto) {
            return headers[i].value.bytes(in: head.source)
        }
        let http: StaticString = "http"
        return UnsafeRawBufferPointer(start: http.utf8Start, count: http.utf8CodeUnitCount)
    }

    /// An answer whose header lines `writeLines` puts in `lines` (replacing those meant for the upstream).
    public mutating func answer(_ status: Int, body: StaticString, close: Bool = false,
                                writeLines: (inout [UInt8]) -> Void) -> MiddlewareVerdict {
        lines.removeAll(keepingCapacity: true)
        writeLines(&lines)
        return .answer(MiddlewareAnswer(status: status, body: body, close: close, withLines: true))
    }
}

extension [UInt8] {
    /// Appends `value` in decimal (no `String` in between).
    public mutating func append(decimal value: UInt64) {
        var divisor: UInt64 = 1
        while value / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}

/// `retry`: a request whose server could not be reached is sent again, up to `attempts` tries in all,
/// waiting `initialInterval`, then twice as long each time.
public struct RetryPolicy: Sendable, Equatable {
    public let attempts: Int
    public let initialInterval: UInt64

    public init(attempts: Int, initialInterval: Duration) {
        self.attempts = attempts
        self.initialInterval = initialInterval.wholeNanoseconds
    }

    /// The wait before try number `attempt` (2 for the first retry).
    public func backoff(beforeAttempt attempt: Int) -> UInt64 {
        initialInterval << UInt64(min(max(attempt - 2, 0), 20))
    }
}

/// A router's middlewares, compiled in order (SPEC §4); they act on heads only.
/// Immutable; a class so that the request path takes it with one retain, not one per field.
public final class MiddlewareChain: Sendable {
    /// Qualified names, in order.
    public let names: [String]
    /// The steps that act per request, in chain order.
    public let steps: [any MiddlewareStep]
    /// `customRequestHeaders` of every `headers` middleware, later ones winning.
    public let requestEdits: HeaderEdits?
    /// `customResponseHeaders`, likewise.
    public let responseEdits: HeaderEdits?
    public let retry: RetryPolicy?
    /// Some step rewrites the path.
    public let rewritesPath: Bool

    public init(names: [String], steps: [any MiddlewareStep], requestEdits: HeaderEdits?,
                responseEdits: HeaderEdits?, retry: RetryPolicy?, rewritesPath: Bool) {
        self.names = names
        self.steps = steps
        self.requestEdits = requestEdits.flatMap { $0.isEmpty ? nil : $0 }
        self.responseEdits = responseEdits.flatMap { $0.isEmpty ? nil : $0 }
        self.retry = retry
        self.rewritesPath = rewritesPath
    }

    /// The key a limiter counts a source under: FNV-1a of its bytes (no allocation).
    public static func sourceKey(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            hash ^= UInt64(b)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
