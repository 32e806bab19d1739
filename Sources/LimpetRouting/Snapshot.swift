/// How a load balancer picks a server for a request without a valid sticky cookie (SPEC §5.3).
public enum LoadBalancingStrategy: String, Sendable, CaseIterable {
    case wrr, p2c, leasttime, hrw
}

/// A load balancer over backend servers.
/// Immutable; a class so that the request path takes it with one retain, not one per field.
public final class LoadBalancerService: Sendable {
    public let servers: [ServerDef]
    public let passHostHeader: Bool
    /// Cookie stickiness; `values` are indexed like `servers`.
    public let sticky: StickyCookie?
    public let strategy: LoadBalancingStrategy
    /// `sticky.header.name` (SPEC §5.2), nil when not configured.
    public let stickyHeader: String?
    /// `sticky.drainTimeout` (SPEC §5.5).
    public let drainTimeout: Duration
    public let healthCheck: HealthCheck?
    public let passiveHealthCheck: PassiveHealthCheck?

    public init(servers: [ServerDef], passHostHeader: Bool = true, sticky: StickyCookie? = nil,
                strategy: LoadBalancingStrategy = .wrr, stickyHeader: String? = nil, drainTimeout: Duration = .zero,
                healthCheck: HealthCheck? = nil, passiveHealthCheck: PassiveHealthCheck? = nil) {
        self.servers = servers
        self.passHostHeader = passHostHeader
        self.sticky = sticky
        self.strategy = strategy
        self.stickyHeader = stickyHeader
        self.drainTimeout = drainTimeout
        self.healthCheck = healthCheck
        self.passiveHealthCheck = passiveHealthCheck
    }
}

/// One child of a weighted service.
public struct WeightedChild: Sendable, Equatable {
    /// Index into `Snapshot.services`.
    public let serviceIndex: Int
    public let weight: Int
    /// The child's name as written in the configuration (the sticky value is computed from it).
    public let name: String

    public init(serviceIndex: Int, weight: Int, name: String) {
        self.serviceIndex = serviceIndex
        self.weight = weight
        self.name = name
    }
}

/// Weighted round robin over other services.
/// Immutable; a class, like `LoadBalancerService`.
public final class WeightedService: Sendable {
    public let children: [WeightedChild]
    /// `values` are indexed like `children`, computed from each child's name as written.
    public let sticky: StickyCookie?

    public init(children: [WeightedChild], sticky: StickyCookie? = nil) {
        self.children = children
        self.sticky = sticky
    }
}

/// A service a router can send requests to.
public struct Service: Sendable {
    /// Qualified name, `app@file`.
    public let name: String
    public enum Kind: Sendable {
        case loadBalancer(LoadBalancerService)
        case weighted(WeightedService)
    }
    public let kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// Everything the event loops need to route a request, built off the loops and never mutated.
///
/// Publish with `SnapshotStore`; a loop keeps its own reference and swaps it between events.
public final class Snapshot: Sendable {
    /// Increases with every published configuration.
    public let generation: UInt64
    public let entryPointNames: [String]
    /// One per entry point, in the order of `entryPointNames`.
    public let routeTables: [RouteTable]
    public let services: [Service]

    public init(generation: UInt64, entryPointNames: [String], routeTables: [RouteTable], services: [Service]) {
        precondition(entryPointNames.count == routeTables.count, "one route table per entry point")
        self.generation = generation
        self.entryPointNames = entryPointNames
        self.routeTables = routeTables
        self.services = services
    }

    /// The index of the service with this qualified name.
    public func serviceIndex(named name: String) -> Int? {
        services.firstIndex { $0.name == name }
    }

    /// The route table of the named entry point.
    public func routeTable(entryPoint: String) -> RouteTable? {
        entryPointNames.firstIndex(of: entryPoint).map { routeTables[$0] }
    }
}
