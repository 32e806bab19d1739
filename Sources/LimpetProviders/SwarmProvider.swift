import LimpetConfig
import Logging

/// The Swarm provider (SPEC §8): polls services, tasks, networks and nodes every `refreshSeconds`.
///
/// Each poll reads `GET /services`, `GET /tasks` (filter `desired-state=running`; tasks whose `Status.State` is not
/// `running` yet are skipped), `GET /networks` and `GET /nodes`, maps them with `ServiceMapping` and publishes the
/// result when it changed (`server.port` is mandatory: there are no exposed ports to fall back on). The API version
/// is negotiated before the first poll and after every failure.
///
/// When the daemon is unreachable or answers an error (a node that is not a Swarm manager answers 503): one log
/// line naming the endpoint and the daemon's message, the last published configuration stays, and the poll is
/// retried after 0.5 s, 1 s, 2 s … 30 s, then every `refreshSeconds` again once it succeeds. `run()` never returns.
public final class SwarmProvider: Provider {
    public var name: String { "swarm" }
    private let config: SwarmProviderConfig
    private let entryPoints: [String]?
    private let logger: Logger

    /// The shortest poll interval honoured.
    static let minimumRefresh: Duration = .milliseconds(100)
    static let taskFilters = #"{"desired-state":["running"]}"#

    /// `entryPoints`: the static configuration's entry point names; a router label naming another one loses it
    /// (with a warning) instead of making the whole configuration invalid.
    public init(_ config: SwarmProviderConfig, entryPoints: [String]? = nil, logger: Logger) {
        self.config = config
        self.entryPoints = entryPoints
        self.logger = logger
    }

    /// Runs forever on the calling thread.
    public func run(update: @escaping @Sendable (ProviderUpdate) -> Void) -> Never {
        let options = LabelProviderOptions(swarm: config, entryPoints: entryPoints)
        let publisher = WorkloadPublisher(options: options, logger: logger, prefix: "providers.swarm",
                                          publish: { update(.configuration($0)) })
        watch(until: .never) { publisher.offer($0, notes: $1) }
        while true { StopSignal.never.park() }
    }

    var mappingOptions: ServiceMapping.Options {
        ServiceMapping.Options(network: config.network, allowEmptyServices: config.allowEmptyServices)
    }

    /// The provider's loop; returns only when `stop` is signalled. `offer` receives every poll's workloads.
    func watch(until stop: StopSignal, backoff initialBackoff: Backoff = Backoff(),
               offer: ([LabeledWorkload], [ProviderNote]) -> Void)
    {
        let refresh = max(config.refreshSeconds, Self.minimumRefresh)
        let loop = DaemonWatchLoop(prefix: "providers.swarm", endpoint: config.endpoint, logger: logger)
        loop.run(until: stop, backoff: initialBackoff) { client, succeeded throws(DockerClientError) in
            try poll(client, offer: offer)
            succeeded()
            _ = stop.sleep(refresh)  // stopped meanwhile: the loop sees it
            return .again
        }
    }

    /// One poll: reads the cluster's state and offers its workloads.
    func poll(_ client: DockerClient, offer: ([LabeledWorkload], [ProviderNote]) -> Void) throws(DockerClientError) {
        let services = try client.get([SwarmService].self, "/services")
        let tasks = try client.get([SwarmTask].self, "/tasks", query: [("filters", Self.taskFilters)])
        let networks = try client.get([DockerNetwork].self, "/networks")
        let nodes = try client.get([SwarmNode].self, "/nodes")
        let (workloads, notes) = ServiceMapping.workloads(services: services, tasks: tasks, networks: networks,
                                                          nodes: nodes, options: mappingOptions)
        offer(workloads, notes)
    }
}
