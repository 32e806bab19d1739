import LimpetRouting

/// The routers, services and middlewares of one provider (SPEC §4), validated but not yet linked:
/// references are checked, and addresses resolved, by `SnapshotBuilder`.
public struct DynamicConfig: Sendable {
    /// `file`, `docker`, `swarm`: the qualifier of every name defined here.
    public var provider: String
    public var routers: [RouterConfig] = []
    public var services: [ServiceConfig] = []
    public var middlewares: [MiddlewareConfig] = []
    public var warnings: [Diagnostic] = []
    /// Qualified names of services and middlewares that were defined but had errors: references to them
    /// are not reported again as missing.
    var invalidDefinitions: Set<String> = []

    public init(provider: String) {
        self.provider = provider
    }
}

/// A name used to refer to something defined elsewhere, and where it was written.
public struct Reference: Sendable, Equatable {
    /// Qualified: `app@file`.
    public var name: String
    /// As written: `app`.
    public var written: String
    public var location: SourceLocation?

    public init(name: String, written: String, location: SourceLocation? = nil) {
        self.name = name
        self.written = written
        self.location = location
    }
}

public struct RouterConfig: Sendable {
    /// Qualified: `app@file`.
    public var name: String
    public var ruleText: String
    /// nil when the rule did not compile (an error was reported).
    public var rule: Rule?
    /// nil: every entry point but `traefik`.
    public var entryPoints: [Reference]?
    public var service: Reference
    /// As configured; 0 means the length of the rule.
    public var priority: Int
    public var middlewares: [Reference]
    public var location: SourceLocation?

    public init(name: String, ruleText: String, rule: Rule?, entryPoints: [Reference]?, service: Reference,
                priority: Int = 0, middlewares: [Reference] = [], location: SourceLocation? = nil) {
        self.name = name
        self.ruleText = ruleText
        self.rule = rule
        self.entryPoints = entryPoints
        self.service = service
        self.priority = priority
        self.middlewares = middlewares
        self.location = location
    }

    /// The priority the router is sorted by.
    public var effectivePriority: Int { priority == 0 ? Router.defaultPriority(ruleText: ruleText) : priority }
}

public struct ServiceConfig: Sendable {
    /// Qualified: `app@file`.
    public var name: String
    public enum Kind: Sendable {
        case loadBalancer(LoadBalancerConfig)
        case weighted(WeightedConfig)
    }
    public var kind: Kind
    public var location: SourceLocation?

    public init(name: String, kind: Kind, location: SourceLocation? = nil) {
        self.name = name
        self.kind = kind
        self.location = location
    }
}

public struct ServerConfig: Sendable {
    /// Exactly as configured.
    public var url: String
    public var weight: Int
    public var location: SourceLocation?

    public init(url: String, weight: Int = 1, location: SourceLocation? = nil) {
        self.url = url
        self.weight = weight
        self.location = location
    }
}

public struct LoadBalancerConfig: Sendable {
    public var servers: [ServerConfig] = []
    public var passHostHeader = true
    public var strategy = LoadBalancingStrategy.wrr
    public var sticky: StickyConfig?
    public var healthCheck: HealthCheck?
    public var passiveHealthCheck: PassiveHealthCheck?

    public init() {}
}

public struct StickyConfig: Sendable {
    public var cookie: CookieConfig?
    /// `sticky.header.name` (SPEC §5.2).
    public var headerName: String?
    public var drainTimeout: Duration = .zero

    public init() {}
}

public struct CookieConfig: Sendable {
    /// As configured, before sanitising; empty: the Traefik default name.
    public var name = ""
    public var secure = false
    public var httpOnly = false
    public var sameSite = ""
    public var maxAge = 0
    public var path = "/"
    public var domain = ""
    public var secret = ""
    public var location: SourceLocation?

    public init() {}
}

public struct WeightedChildConfig: Sendable {
    public var service: Reference
    public var weight: Int

    public init(service: Reference, weight: Int = 1) {
        self.service = service
        self.weight = weight
    }
}

public struct WeightedConfig: Sendable {
    public var services: [WeightedChildConfig] = []
    public var sticky: StickyConfig?

    public init() {}
}

public struct MiddlewareConfig: Sendable {
    /// Qualified: `strip@file`.
    public var name: String
    /// Its type and options (one of `Middlewares.types`).
    var middleware: any Middleware
    public var location: SourceLocation?

    init(name: String, middleware: any Middleware, location: SourceLocation? = nil) {
        self.name = name
        self.middleware = middleware
        self.location = location
    }
}
