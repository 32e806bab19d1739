import LimpetConfig
import Logging

/// Running containers → the Docker provider's workloads (SPEC §8). Pure: the provider fetches, this decides.
///
/// - Name: the container's name without its leading `/`; for a Compose container (`com.docker.compose.service`
///   and `com.docker.compose.project` both set) `service_project`, as Traefik does, so that the replicas of a
///   scaled Compose service share one router and one service.
/// - Address: `127.0.0.1` in host network mode; for `container:<other>` the other container's address (its own
///   network label first); otherwise the IP on the network named by `traefik.docker.network` (key in any case) or
///   `providers.docker.network`, falling back, with a warning, to the first network in name order (the daemon's
///   JSON order). IPv6-only endpoints give their global IPv6 address.
/// - Exposed ports: the TCP ports of `Config.ExposedPorts` and `NetworkSettings.Ports`, ascending.
/// - Health: a container whose health check says `starting` or `unhealthy` is left out; with
///   `allowEmptyServices` it stays with no address, so its service exists and answers 503.
enum ContainerMapping {
    struct Options: Sendable {
        /// `providers.docker.network`.
        var network = ""
        /// `providers.docker.allowEmptyServices`.
        var allowEmptyServices = false
    }

    static let composeService = "com.docker.compose.service"
    static let composeProject = "com.docker.compose.project"
    static let networkLabel = "traefik.docker.network"
    /// How many `container:` hops are followed (a chain is legal; a loop is not, but do not trust that).
    private static let maxHops = 4

    static func workloads(_ containers: [ContainerDetails], options: Options)
        -> (workloads: [LabeledWorkload], notes: [ProviderNote])
    {
        var notes: [ProviderNote] = []
        var workloads: [LabeledWorkload] = []
        for container in containers {
            if let workload = workload(container, among: containers, options: options, notes: &notes) {
                workloads.append(workload)
            }
        }
        workloads.sort { a, b in
            a.name != b.name ? a.name < b.name : a.addresses.lexicographicallyPrecedes(b.addresses)
        }
        return (workloads, notes)
    }

    static func workload(_ container: ContainerDetails, among all: [ContainerDetails], options: Options,
                         notes: inout [ProviderNote]) -> LabeledWorkload?
    {
        let containerName = displayName(container)
        guard container.state?.status ?? "running" == "running" else { return nil }
        let labels = container.config?.labels ?? [:]
        let level: Logger.Level = Labels.mentionTraefik(labels) ? .warning : .debug
        var workload = LabeledWorkload(name: name(container), labels: labels, addresses: [],
                                       exposedPorts: exposedPorts(container))

        if let health = container.state?.health?.status, health == "starting" || health == "unhealthy" {
            notes.append(ProviderNote(.debug, "container \(containerName) is \(health): left out until healthy"))
            return options.allowEmptyServices ? workload : nil
        }
        let network = Labels.value(labels, networkLabel) ?? options.network
        guard let address = address(container, network: network, among: all, level: level, notes: &notes) else {
            notes.append(ProviderNote(level, "container \(containerName) has no IP address to reach it at: left out"))
            return options.allowEmptyServices ? workload : nil
        }
        workload.addresses = [address]
        return workload
    }

    /// The name without the leading `/`.
    static func displayName(_ container: ContainerDetails) -> String {
        container.name.hasPrefix("/") ? String(container.name.dropFirst()) : container.name
    }

    static func name(_ container: ContainerDetails) -> String {
        let labels = container.config?.labels ?? [:]
        if let service = labels[composeService], let project = labels[composeProject], !service.isEmpty,
            !project.isEmpty
        {
            return "\(service)_\(project)"
        }
        return displayName(container)
    }

    static func exposedPorts(_ container: ContainerDetails) -> [UInt16] {
        let keys = Array((container.config?.exposedPorts ?? [:]).keys)
            + Array((container.networkSettings?.ports ?? [:]).keys)
        var ports = Set<UInt16>()
        for key in keys {
            let parts = key.split(separator: "/", maxSplits: 1)
            guard let first = parts.first, let port = UInt16(first), port > 0 else { continue }
            if parts.count == 2 && parts[1].lowercased() != "tcp" { continue }
            ports.insert(port)
        }
        return ports.sorted()
    }

    /// Where the container is reached; nil when it has no address.
    static func address(_ container: ContainerDetails, network: String, among all: [ContainerDetails],
                        hops: Int = 0, level: Logger.Level, notes: inout [ProviderNote]) -> String?
    {
        let mode = container.hostConfig?.networkMode ?? ""
        if mode == "host" { return "127.0.0.1" }
        if mode.hasPrefix("container:") {
            let reference = String(mode.dropFirst("container:".count))
            guard hops < maxHops, let other = all.first(where: { matches($0, reference) }) else {
                notes.append(ProviderNote(level, """
                    container \(displayName(container)) shares the network of container \(reference), which is not \
                    running
                    """))
                return nil
            }
            let otherNetwork = Labels.value(other.config?.labels ?? [:], networkLabel) ?? network
            return address(other, network: otherNetwork, among: all, hops: hops + 1, level: level, notes: &notes)
        }
        let networks = container.networkSettings?.networks ?? [:]
        if !network.isEmpty {
            if let endpoint = networks[network], let ip = ip(endpoint) { return ip }
            notes.append(ProviderNote(level, """
                container \(displayName(container)) is not on network "\(network)" (attached to: \
                \(networks.keys.sorted().joined(separator: ", "))); using its first network. With Compose, network \
                names carry the project's prefix
                """))
        }
        for name in networks.keys.sorted() {
            if let ip = ip(networks[name]!) { return ip }
        }
        return nil
    }

    private static func ip(_ endpoint: ContainerDetails.Endpoint) -> String? {
        if let ip = endpoint.ipAddress, !ip.isEmpty { return ip }
        if let ip = endpoint.globalIPv6Address, !ip.isEmpty { return ip }
        return nil
    }

    /// `container:<ref>` names a container by full or abbreviated ID, or by name.
    private static func matches(_ container: ContainerDetails, _ reference: String) -> Bool {
        guard !reference.isEmpty else { return false }
        return container.id.hasPrefix(reference) || displayName(container) == reference
    }
}
