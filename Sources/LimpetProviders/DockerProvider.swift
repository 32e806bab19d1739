import Foundation
import LimpetConfig
import LimpetIO
import Logging

/// The Docker provider (SPEC §8): follows containers through the Engine API and publishes their configuration.
///
/// On its thread, `run()`:
/// 1. negotiates the API version (`GET /version`, see `DockerClient`);
/// 2. with `watch` (the default), opens `GET /events` for container `start`, `die`, `stop`, `destroy`,
///    `health_status`, `pause` and `unpause` *before* listing, so that nothing that happens during the listing is
///    missed;
/// 3. lists the running containers (`GET /containers/json`), inspects each (`GET /containers/{id}/json`: health,
///    exposed ports, network mode), maps them with `ContainerMapping` and publishes the result when it changed;
/// 4. waits for events; the first of a burst opens a 100 ms window that collects the rest, then the containers are
///    listed again (step 3): a change is published within about 100 ms plus the listing.
///
/// Without `watch`, the containers are listed once, retried until that succeeds, and never again; the provider
/// thread then only sleeps (as Traefik does: no polling).
///
/// When the daemon is unreachable, answers an error, or the event stream drops: one log line naming the endpoint
/// and the retry delay, the last published configuration stays (nothing empty is published), and everything is
/// retried from step 1 after 0.5 s, 1 s, 2 s … 30 s (reset by a successful listing). `run()` never returns.
///
/// Not implemented: `useBindPortIP` (the address is always the container's own), TLS to a `tcp://` daemon.
public final class DockerProvider: Provider {
    public var name: String { "docker" }
    private let config: DockerProviderConfig
    private let entryPoints: [String]?
    private let logger: Logger

    /// How long the first event of a burst waits for the rest before the containers are listed again.
    static let coalesceWindow: Duration = .milliseconds(100)
    /// `GET /events` filters (the daemon matches `health_status` against `health_status: healthy` too).
    static let eventFilters = """
        {"type":["container"],"event":["start","die","stop","destroy","health_status","pause","unpause"]}
        """

    /// `entryPoints`: the static configuration's entry point names; a router label naming another one loses it
    /// (with a warning) instead of making the whole configuration invalid.
    public init(_ config: DockerProviderConfig, entryPoints: [String]? = nil, logger: Logger) {
        self.config = config
        self.entryPoints = entryPoints
        self.logger = logger
    }

    /// Runs forever on the calling thread.
    public func run(update: @escaping @Sendable (ProviderUpdate) -> Void) -> Never {
        let options = LabelProviderOptions(docker: config, entryPoints: entryPoints)
        let publisher = WorkloadPublisher(options: options, logger: logger, prefix: "providers.docker",
                                          publish: { update(.configuration($0)) })
        watch(until: .never) { publisher.offer($0, notes: $1) }
        while true { StopSignal.never.park() }
    }

    var mappingOptions: ContainerMapping.Options {
        ContainerMapping.Options(network: config.network, allowEmptyServices: config.allowEmptyServices)
    }

    /// The provider's loop; returns only when `stop` is signalled. `offer` receives every listing's workloads.
    func watch(until stop: StopSignal, backoff initialBackoff: Backoff = Backoff(),
               offer: ([LabeledWorkload], [ProviderNote]) -> Void)
    {
        let loop = DaemonWatchLoop(prefix: "providers.docker", endpoint: config.endpoint, logger: logger)
        loop.run(until: stop, backoff: initialBackoff) { client, succeeded throws(DockerClientError) in
            // The event stream opens before the listing, so that nothing that happens meanwhile is missed.
            let events = config.watch
                ? try client.stream("/events", query: [("filters", Self.eventFilters)]) : nil
            try list(client, offer: offer)
            succeeded()
            guard let events else {
                logger.debug("providers.docker: watch is off; the containers will not be listed again")
                return .finished
            }
            try follow(events, client: client, until: stop, offer: offer)
            return .again
        }
    }

    /// Lists and inspects the running containers and offers their workloads.
    func list(_ client: DockerClient, offer: ([LabeledWorkload], [ProviderNote]) -> Void) throws(DockerClientError) {
        let summaries = try client.get([ContainerSummary].self, "/containers/json")
        var containers: [ContainerDetails] = []
        containers.reserveCapacity(summaries.count)
        for summary in summaries {
            do {
                containers.append(try client.get(ContainerDetails.self, "/containers/\(summary.id)/json"))
            } catch where error.status == 404 {
                continue  // removed since the listing; its event follows
            }
        }
        let (workloads, notes) = ContainerMapping.workloads(containers, options: mappingOptions)
        offer(workloads, notes)
    }

    /// Waits for events and lists the containers again after each burst. Returns only when stopped.
    private func follow(_ events: DockerEventStream, client: DockerClient, until stop: StopSignal,
                        offer: ([LabeledWorkload], [ProviderNote]) -> Void) throws(DockerClientError)
    {
        var due: UInt64?
        while !stop.isStopped {
            var timeout = stop.pollSlice
            if let due {
                let now = Monotonic.nanoseconds
                let left = Duration.nanoseconds(due > now ? Int64(due - now) : 0)
                timeout = timeout.map { min($0, left) } ?? left
            }
            if let bytes = try events.next(timeout: timeout) {
                if logger.logLevel <= .debug,
                    let event = try? JSONDecoder().decode(DockerEvent.self, from: Data(bytes))
                {
                    let name = event.actor?.attributes?["name"] ?? event.actor?.id ?? "?"
                    logger.debug("providers.docker: event \(event.action ?? "?") for container \(name)")
                }
                if due == nil { due = DockerConnection.deadline(after: Self.coalesceWindow) }
            }
            if let deadline = due, Monotonic.nanoseconds >= deadline {
                due = nil
                try list(client, offer: offer)
            }
        }
    }
}
