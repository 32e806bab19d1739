import LimpetConfig
import Logging

/// Swarm services and their running tasks → the Swarm provider's workloads (SPEC §8). Pure: the provider fetches,
/// this decides. One workload per service, named after it, with one address per running task:
///
/// - A task on the `host` network (Docker reports it as an attachment to the swarm-scoped network named `host`,
///   driver `host`, with no address) is reached at its node's `Status.Addr`, or, where a manager reports
///   `0.0.0.0` there, the host part of its `ManagerStatus.Addr`.
/// - Any other task: its address (CIDR stripped) on the network named by `traefik.swarm.network` (or the
///   deprecated `traefik.docker.network`; keys in any case) or `providers.swarm.network`; without one, or when the
///   task is not on it (a warning), its first attachment that is not the routing mesh's `ingress`, else `ingress`.
/// - `traefik.swarm.lbswarm=true`: the service's virtual IP on that network instead, once, and Swarm balances. A
///   `dnsrr` service has no virtual IP: a warning, and its tasks are used.
/// - A service with no reachable task is left out, or kept with no address under `allowEmptyServices`.
///
/// Addresses follow task slots, duplicates removed (two host-networked tasks on one node are one server).
enum ServiceMapping {
    struct Options: Sendable {
        /// `providers.swarm.network`.
        var network = ""
        /// `providers.swarm.allowEmptyServices`.
        var allowEmptyServices = false
    }

    static let networkLabel = "traefik.swarm.network"
    static let lbSwarmLabel = "traefik.swarm.lbswarm"
    static let legacyNetworkLabel = "traefik.docker.network"
    static let legacyLBSwarmLabel = "traefik.docker.lbswarm"

    static func workloads(services: [SwarmService], tasks: [SwarmTask], networks: [DockerNetwork],
                          nodes: [SwarmNode], options: Options) -> (workloads: [LabeledWorkload], notes: [ProviderNote])
    {
        var networkNames: [String: String] = [:]
        var ingressIDs = Set<String>()
        for network in networks {
            networkNames[network.id] = network.name
            if network.ingress == true { ingressIDs.insert(network.id) }
        }
        for task in tasks {
            for attachment in task.networksAttachments ?? [] {
                guard let network = attachment.network else { continue }
                if networkNames[network.id] == nil, let name = network.spec?.name { networkNames[network.id] = name }
                if network.spec?.ingress == true { ingressIDs.insert(network.id) }
            }
        }
        let context = Context(networkNames: networkNames, ingressIDs: ingressIDs,
                              nodeAddresses: nodeAddresses(nodes), options: options)
        let tasksByService = Dictionary(grouping: tasks.filter { $0.status?.state == "running" }, by: \.serviceID)

        var notes: [ProviderNote] = []
        var workloads: [LabeledWorkload] = []
        for service in services.sorted(by: { $0.spec.name < $1.spec.name }) {
            let running = (tasksByService[service.id] ?? []).sorted { a, b in
                (a.slot ?? 0, a.id) < (b.slot ?? 0, b.id)
            }
            if let workload = workload(service, tasks: running, context: context, notes: &notes) {
                workloads.append(workload)
            }
        }
        return (workloads, notes)
    }

    struct Context {
        var networkNames: [String: String]
        var ingressIDs: Set<String>
        var nodeAddresses: [String: String]
        var options: Options
    }

    static func workload(_ service: SwarmService, tasks: [SwarmTask], context: Context,
                         notes: inout [ProviderNote]) -> LabeledWorkload?
    {
        let name = service.spec.name
        let labels = service.spec.labels ?? [:]
        let level: Logger.Level = Labels.mentionTraefik(labels) ? .warning : .debug
        var workload = LabeledWorkload(name: name, labels: labels, addresses: [])

        let swarmNetwork = Labels.value(labels, networkLabel)
        let legacyNetwork = Labels.value(labels, legacyNetworkLabel)
        let lbText = Labels.value(labels, lbSwarmLabel) ?? Labels.value(labels, legacyLBSwarmLabel)
        if (swarmNetwork == nil && legacyNetwork != nil)
            || (Labels.value(labels, lbSwarmLabel) == nil && Labels.value(labels, legacyLBSwarmLabel) != nil)
        {
            notes.append(ProviderNote(.warning, """
                service \(name): traefik.docker.* labels are deprecated for Swarm; use traefik.swarm.network and \
                traefik.swarm.lbswarm
                """))
        }
        let network = swarmNetwork ?? legacyNetwork ?? context.options.network
        var lbSwarm = false
        if let lbText {
            if let value = Labels.bool(lbText) {
                lbSwarm = value
            } else {
                notes.append(ProviderNote(.warning, """
                    service \(name): \(lbSwarmLabel)="\(lbText)" is not a boolean; using Limpet's own balancing
                    """))
            }
        }

        if lbSwarm {
            if service.spec.endpointSpec?.mode == "dnsrr" {
                notes.append(ProviderNote(.warning, """
                    service \(name): \(lbSwarmLabel) needs endpoint mode vip (this service uses dnsrr); balancing \
                    over its tasks instead
                    """))
            } else if let vip = virtualIP(service, network: network, context: context, level: level, notes: &notes) {
                workload.addresses = [vip]
                return workload
            } else {
                notes.append(ProviderNote(level, """
                    service \(name): \(lbSwarmLabel) is set but the service has no virtual IP; balancing over its \
                    tasks instead
                    """))
            }
        }

        var missingNetworkNoted = false
        for task in tasks {
            guard let address = taskAddress(task, service: name, network: network, context: context, level: level,
                                            missingNetworkNoted: &missingNetworkNoted, notes: &notes)
            else { continue }
            if !workload.addresses.contains(address) { workload.addresses.append(address) }
        }
        if workload.addresses.isEmpty {
            let why = tasks.isEmpty ? "no running task" : "no running task with a reachable address"
            notes.append(ProviderNote(tasks.isEmpty ? .debug : level, "service \(name): \(why)"))
            return context.options.allowEmptyServices ? workload : nil
        }
        return workload
    }

    private static func virtualIP(_ service: SwarmService, network: String, context: Context, level: Logger.Level,
                                  notes: inout [ProviderNote]) -> String?
    {
        let vips = (service.endpoint?.virtualIPs ?? []).filter { !($0.addr ?? "").isEmpty }
        if !network.isEmpty {
            if let vip = vips.first(where: { context.networkNames[$0.networkID] == network }) {
                return Labels.stripCIDR(vip.addr!)
            }
            if !vips.isEmpty {
                notes.append(ProviderNote(level, """
                    service \(service.spec.name) has no virtual IP on network "\(network)"; using its first network
                    """))
            }
        }
        let chosen = vips.first { !context.ingressIDs.contains($0.networkID) } ?? vips.first
        return chosen.map { Labels.stripCIDR($0.addr!) }
    }

    private static func taskAddress(_ task: SwarmTask, service: String, network: String, context: Context,
                                    level: Logger.Level, missingNetworkNoted: inout Bool,
                                    notes: inout [ProviderNote]) -> String?
    {
        let attachments = task.networksAttachments ?? []
        if attachments.contains(where: { isHost($0, context: context) }) {
            guard let node = task.nodeID, let address = context.nodeAddresses[node] else {
                notes.append(ProviderNote(level, """
                    service \(service): task \(task.id) uses the host network but its node \(task.nodeID ?? "?") \
                    has no known address
                    """))
                return nil
            }
            return address
        }
        let addressed = attachments.filter { !($0.addresses ?? []).isEmpty }
        guard !addressed.isEmpty else {
            notes.append(ProviderNote(level, """
                service \(service): task \(task.id) is attached to no Swarm network (add one, e.g. an overlay \
                network shared with Limpet)
                """))
            return nil
        }
        func networkName(_ attachment: SwarmTask.NetworkAttachment) -> String? {
            guard let id = attachment.network?.id else { return attachment.network?.spec?.name }
            return context.networkNames[id] ?? attachment.network?.spec?.name
        }
        var chosen: SwarmTask.NetworkAttachment?
        if !network.isEmpty {
            chosen = addressed.first { networkName($0) == network }
            if chosen == nil && !missingNetworkNoted {
                missingNetworkNoted = true
                let names = addressed.compactMap(networkName).joined(separator: ", ")
                notes.append(ProviderNote(level, """
                    service \(service) is not on network "\(network)" (attached to: \(names)); using its first \
                    network. In a stack, network names carry the stack's prefix
                    """))
            }
        }
        if chosen == nil {
            chosen = addressed.first { !isIngress($0, context: context) } ?? addressed.first
        }
        return chosen?.addresses?.first.map(Labels.stripCIDR)
    }

    private static func isHost(_ attachment: SwarmTask.NetworkAttachment, context: Context) -> Bool {
        guard let network = attachment.network else { return false }
        if network.driverState?.name == "host" { return true }
        let name = context.networkNames[network.id] ?? network.spec?.name
        return name == "host"
    }

    private static func isIngress(_ attachment: SwarmTask.NetworkAttachment, context: Context) -> Bool {
        guard let network = attachment.network else { return false }
        return network.spec?.ingress == true || context.ingressIDs.contains(network.id)
    }

    /// Each node's address: `Status.Addr`, or the host of `ManagerStatus.Addr` where that is `0.0.0.0` or missing.
    static func nodeAddresses(_ nodes: [SwarmNode]) -> [String: String] {
        var result: [String: String] = [:]
        for node in nodes {
            if let addr = node.status?.addr, !addr.isEmpty, addr != "0.0.0.0" {
                result[node.id] = addr
            } else if let manager = node.managerStatus?.addr, let host = hostPart(manager), host != "0.0.0.0" {
                result[node.id] = host
            }
        }
        return result
    }

    /// `10.0.0.1:2377` → `10.0.0.1`, `[fd00::1]:2377` → `fd00::1`.
    private static func hostPart(_ hostPort: String) -> String? {
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
            return String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
        }
        guard let colon = hostPort.lastIndex(of: ":") else { return hostPort.isEmpty ? nil : hostPort }
        let host = String(hostPort[..<colon])
        return host.isEmpty ? nil : host
    }
}
