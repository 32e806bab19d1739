/// One Docker container, or one Swarm service, as the Docker and Swarm providers see it (SPEC §8): its
/// labels and where its replicas can be reached. `LabelDecoder` turns a list of these into a provider's
/// `DynamicConfig`.
public struct LabeledWorkload: Sendable, Equatable {
    /// The container name without its leading `/`, or the Swarm service name (`.ContainerName` in `defaultRule`).
    /// Normalized, it names the router and service made when the labels define none and is `.Name` in `defaultRule`
    /// — unless the labels carry Docker Compose's `com.docker.compose.service` and `com.docker.compose.project`:
    /// then, as in Traefik, that name is `SERVICE_PROJECT` (normalized: `SERVICE-PROJECT`), so the replicas of a
    /// Compose service share one router and one load balancer.
    public var name: String
    /// Labels as Docker returns them (keys are matched case-insensitively).
    public var labels: [String: String]
    /// Where its replicas listen: the container's IP on the chosen network, `127.0.0.1` for a host-networked
    /// container, each task's IP, a host-networked task's node address, or the service VIP (`lbswarm`).
    public var addresses: [String]
    /// Ports the container exposes, ascending (Docker only; used when no `server.port` label is set).
    public var exposedPorts: [UInt16]

    public init(name: String, labels: [String: String], addresses: [String], exposedPorts: [UInt16] = []) {
        self.name = name
        self.labels = labels
        self.addresses = addresses
        self.exposedPorts = exposedPorts
    }
}
