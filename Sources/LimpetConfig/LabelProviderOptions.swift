/// How a provider turns labels into configuration.
public struct LabelProviderOptions: Sendable {
    /// `docker` or `swarm`: names are qualified with it (`app@docker`).
    public var provider: String
    public var exposedByDefault: Bool
    /// A Go template such as ``Host(`{{ normalize .Name }}`)``; empty: no automatic router. See `LabelDecoder`.
    public var defaultRule: String
    /// Swarm: `server.port` is mandatory (there is no exposed port to fall back on).
    public var requirePort: Bool
    /// Traefik's `allowEmptyServices`: a workload with no address keeps its routers, and its services have no
    /// server (503) instead of the workload being left out.
    public var allowEmptyServices: Bool
    /// The static configuration's entry points. When set, a router whose `entrypoints` label names others loses
    /// those (warning), or is left out when none remain (error), instead of failing the whole snapshot in
    /// `SnapshotBuilder`. nil: not checked here.
    public var entryPoints: [String]?

    public init(provider: String, exposedByDefault: Bool = true,
                defaultRule: String = "Host(`{{ normalize .Name }}`)", requirePort: Bool = false,
                allowEmptyServices: Bool = false, entryPoints: [String]? = nil) {
        self.provider = provider
        self.exposedByDefault = exposedByDefault
        self.defaultRule = defaultRule
        self.requirePort = requirePort
        self.allowEmptyServices = allowEmptyServices
        self.entryPoints = entryPoints
    }

    /// The Docker provider's options.
    public init(docker config: DockerProviderConfig, entryPoints: [String]? = nil) {
        self.init(provider: "docker", exposedByDefault: config.exposedByDefault, defaultRule: config.defaultRule,
                  allowEmptyServices: config.allowEmptyServices, entryPoints: entryPoints)
    }

    /// The Swarm provider's options (`server.port` required).
    public init(swarm config: SwarmProviderConfig, entryPoints: [String]? = nil) {
        self.init(provider: "swarm", exposedByDefault: config.exposedByDefault, defaultRule: config.defaultRule,
                  requirePort: true, allowEmptyServices: config.allowEmptyServices, entryPoints: entryPoints)
    }
}
