import LimpetHTTP
import LimpetRouting
import Yams

/// One middleware type of SPEC §4, whole in one file: its options as decoded from YAML (or labels), how they
/// compile into a router's chain, and — in a nested `Step` — what it does per request.
///
/// Adding a middleware: copy the file of one that resembles it (`AddPrefix.swift` rewrites, `RateLimit.swift`
/// answers and keeps state), rename, and add the type to `Middlewares.types`.
protocol Middleware: Sendable {
    /// The key under `http.middlewares.NAME`, as Traefik spells it (matched case-insensitively).
    static var typeName: String { get }
    /// Options that are lists, as lower-cased paths below the type (`prefixes`, `ipstrategy.excludedips`): labels
    /// give them comma-separated.
    static var listOptions: [String] { get }
    /// Decodes the options at `node` (`key` is the type's key, `path` is `http.middlewares.NAME.TYPE`); nil when
    /// an error was reported to `reader`.
    static func decode(_ node: Node, key: Node, path: String, reader: NodeReader) -> Self?
    /// Adds this middleware to a router's chain. Called once per distinct chain: routers with the same middlewares
    /// share the compiled steps, and so a limiter's counts.
    func compile(into chain: inout MiddlewareChainBuilder)
}

extension Middleware {
    static var listOptions: [String] { [] }
}

/// The registry: every middleware type Limpet implements, in SPEC §4 order.
enum Middlewares {
    static let types: [any Middleware.Type] = [
        StripPrefix.self, AddPrefix.self, Headers.self, RedirectScheme.self, Retry.self, IPAllowList.self,
        InFlightReq.self, RateLimit.self,
    ]

    /// The type named `name` (any case).
    static func type(named name: String) -> (any Middleware.Type)? {
        let lower = name.lowercased()
        return types.first { $0.typeName.lowercased() == lower }
    }
}

/// A router's chain while its middlewares compile, in order.
struct MiddlewareChainBuilder {
    /// Where the middleware being compiled is defined.
    var location: SourceLocation?
    private(set) var steps: [any MiddlewareStep] = []
    private(set) var rewritesPath = false
    private var requestFields: [(name: String, value: String)] = []
    private var responseFields: [(name: String, value: String)] = []
    private var headerLocations: [SourceLocation] = []
    /// The `retry` policy; a later `retry` replaces an earlier one.
    var retry: RetryPolicy?

    /// Appends a per-request step; `rewritesPath` when it may change the path.
    mutating func append(_ step: any MiddlewareStep, rewritesPath: Bool = false) {
        steps.append(step)
        self.rewritesPath = self.rewritesPath || rewritesPath
    }

    /// Header fields to set on the request sent upstream and on the response; later ones win.
    mutating func addHeaders(request: [HeaderField], response: [HeaderField]) {
        requestFields += request.map { ($0.name, $0.value) }
        responseFields += response.map { ($0.name, $0.value) }
        if let location { headerLocations.append(location) }
    }

    /// The chain. A header the proxy manages itself is a warning (at the first `headers` middleware) and is not
    /// edited.
    func build(names: [String], diagnostics: inout [Diagnostic]) -> MiddlewareChain {
        let requestEdits = requestFields.isEmpty ? nil : HeaderEdits(requestFields)
        let responseEdits = responseFields.isEmpty ? nil : HeaderEdits(responseFields)
        let refused = (requestEdits?.refused ?? []) + (responseEdits?.refused ?? [])
        if !refused.isEmpty, let location = headerLocations.first {
            diagnostics.append(location.diagnostic(
                "headers middleware: \(refused.joined(separator: ", ")) framing or connection header(s) are managed "
                + "by the proxy and are not edited", isWarning: true))
        }
        return MiddlewareChain(names: names, steps: steps, requestEdits: requestEdits, responseEdits: responseEdits,
                               retry: retry, rewritesPath: rewritesPath)
    }
}
