/// A compiled router: a rule that sends matching requests to one service.
/// Immutable; a class so that the request path takes it with one retain, not one per field.
public final class Router: Sendable {
    /// Qualified name, `app@file`.
    public let name: String
    public let rule: Rule
    /// The rule as written, for the API and logs.
    public let ruleText: String
    /// Higher wins; the configuration's 0 becomes the length of the rule text.
    public let priority: Int
    /// Index into `Snapshot.services`.
    public let serviceIndex: Int
    /// The router's middlewares, compiled; nil when it has none.
    public let chain: MiddlewareChain?

    /// Qualified middleware names, in order.
    public var middlewares: [String] { chain?.names ?? [] }

    public init(name: String, rule: Rule, ruleText: String = "", priority: Int, serviceIndex: Int,
                chain: MiddlewareChain? = nil) {
        self.name = name
        self.rule = rule
        self.ruleText = ruleText
        self.priority = priority
        self.serviceIndex = serviceIndex
        self.chain = chain
    }

    /// Traefik's default priority: the length of the rule in bytes.
    public static func defaultPriority(ruleText: String) -> Int { ruleText.utf8.count }
}

/// The routers of one entry point, in the order they are tried.
public final class RouteTable: Sendable {
    /// Sorted by priority (highest first), then by name.
    public let routers: [Router]
    /// Some rule uses `ClientIP`: the proxy then looks the peer address up for each request.
    public let usesClientIP: Bool

    public init(routers: [Router]) {
        self.routers = routers.sorted { a, b in
            a.priority != b.priority ? a.priority > b.priority : a.name < b.name
        }
        usesClientIP = routers.contains { $0.rule.usesClientIP }
    }

    /// The first router whose rule matches, or nil (the proxy answers 404).
    public func match(_ r: RequestView) -> Router? {
        for router in routers where router.rule.matches(r) {
            return router
        }
        return nil
    }
}

extension Rule {
    /// Whether evaluating the rule may need the client's address.
    var usesClientIP: Bool {
        switch self {
        case .clientIP: return true
        case .and(let a, let b), .or(let a, let b): return a.usesClientIP || b.usesClientIP
        case .not(let inner): return inner.usesClientIP
        default: return false
        }
    }
}
