import LimpetConfig
import Testing

@testable import LimpetProviders

func service(_ name: String, labels: [String: String] = [:], mode: String? = "vip",
             vips: [(network: String, addr: String?)] = []) -> SwarmService
{
    SwarmService(
        id: "svc-\(name)",
        spec: .init(name: name, labels: labels, taskTemplate: nil, endpointSpec: .init(mode: mode)),
        endpoint: .init(virtualIPs: vips.map { .init(networkID: $0.network, addr: $0.addr) }))
}

/// A task of `service` attached to `networks` (network ID, address); `host` attaches it to the host network.
func task(_ service: String, slot: Int, state: String = "running", node: String = "node1",
          networks: [(id: String, addr: String)] = [], host: Bool = false) -> SwarmTask
{
    var attachments = networks.map { network in
        SwarmTask.NetworkAttachment(
            network: .init(id: network.id, spec: .init(name: nil, ingress: network.id == "ingress-id"),
                           driverState: .init(name: "overlay")),
            addresses: [network.addr])
    }
    if host {
        attachments.append(.init(network: .init(id: "swarm-host-id", spec: .init(name: "host", ingress: nil),
                                                driverState: .init(name: "host")),
                                 addresses: nil))
    }
    return SwarmTask(id: "\(service)-task\(slot)", serviceID: "svc-\(service)", nodeID: node, slot: slot,
                     status: .init(state: state), networksAttachments: attachments.isEmpty ? nil : attachments)
}

let swarmNetworks = [
    DockerNetwork(id: "ingress-id", name: "ingress", driver: "overlay", ingress: true),
    DockerNetwork(id: "front-id", name: "front", driver: "overlay", ingress: false),
    DockerNetwork(id: "back-id", name: "back", driver: "overlay", ingress: false),
]

let swarmNodes = [
    SwarmNode(id: "node1", status: .init(state: "ready", addr: "192.168.1.11"), managerStatus: nil),
    SwarmNode(id: "node2", status: .init(state: "ready", addr: "0.0.0.0"),
              managerStatus: .init(addr: "192.168.1.12:2377")),
    SwarmNode(id: "node3", status: .init(state: "down", addr: ""), managerStatus: nil),
]

@Suite struct ServiceMappingTests {
    func map(_ services: [SwarmService], _ tasks: [SwarmTask], network: String = "", allowEmpty: Bool = false)
        -> (workloads: [LabeledWorkload], notes: [ProviderNote])
    {
        ServiceMapping.workloads(services: services, tasks: tasks, networks: swarmNetworks, nodes: swarmNodes,
                                 options: .init(network: network, allowEmptyServices: allowEmpty))
    }

    @Test func realServices() throws {
        let (workloads, notes) = ServiceMapping.workloads(
            services: try decodeSample([SwarmService].self, Samples.services),
            tasks: try decodeSample([SwarmTask].self, Samples.tasks),
            networks: try decodeSample([DockerNetwork].self, Samples.networks),
            nodes: try decodeSample([SwarmNode].self, Samples.nodes), options: .init())
        #expect(workloads == [
            LabeledWorkload(name: "lp-sample-dnsrr", labels: [:], addresses: ["10.0.1.5"]),
            // host network: the node's address (this single node advertises 127.0.0.1)
            LabeledWorkload(name: "lp-sample-hostsvc",
                            labels: ["traefik.http.services.h.loadbalancer.server.port": "18766"],
                            addresses: ["127.0.0.1"]),
            // published port, no network of its own: the routing mesh's ingress network is all it has
            LabeledWorkload(name: "lp-sample-pub", labels: [:], addresses: ["10.0.0.4"]),
            // lbswarm: the VIP, once, instead of the two tasks (10.0.1.3, 10.0.1.4)
            LabeledWorkload(name: "lp-sample-svc",
                            labels: ["traefik.http.services.s.loadbalancer.server.port": "9000",
                                     "traefik.swarm.lbswarm": "true"],
                            addresses: ["10.0.1.2"]),
        ])
        // lp-sample-nonet has no network attachment: its containers sit on each node's local bridge.
        #expect(notes == [
            ProviderNote(.debug, """
                service lp-sample-nonet: task 82ni7rwt9cwrtedfmf70g1tfy is attached to no Swarm network (add one, \
                e.g. an overlay network shared with Limpet)
                """),
            ProviderNote(.debug, "service lp-sample-nonet: no running task with a reachable address"),
        ])
    }

    @Test func taskAddressesFollowSlotsAndNetworkChoice() {
        let svc = service("app", labels: ["traefik.http.services.app.loadbalancer.server.port": "80"])
        let tasks = [
            task("app", slot: 2, networks: [("ingress-id", "10.0.0.7/24"), ("front-id", "10.0.1.7/24"),
                                            ("back-id", "10.0.2.7/24")]),
            task("app", slot: 1, networks: [("ingress-id", "10.0.0.6/24"), ("front-id", "10.0.1.6/24"),
                                            ("back-id", "10.0.2.6/24")]),
            task("app", slot: 3, state: "starting", networks: [("front-id", "10.0.1.8/24")]),
        ]
        // No network named: the first attachment that is not ingress; slot order; CIDR stripped; not yet running
        // tasks skipped.
        #expect(map([svc], tasks).workloads[0].addresses == ["10.0.1.6", "10.0.1.7"])
        // The provider's option.
        #expect(map([svc], tasks, network: "back").workloads[0].addresses == ["10.0.2.6", "10.0.2.7"])
        // The label beats it (key in any case); the deprecated traefik.docker.network works too, with a warning.
        var labelled = svc
        labelled.spec.labels?["Traefik.Swarm.Network"] = "ingress"
        #expect(map([labelled], tasks, network: "back").workloads[0].addresses == ["10.0.0.6", "10.0.0.7"])
        var legacy = svc
        legacy.spec.labels?["traefik.docker.network"] = "back"
        let (workloads, notes) = map([legacy], tasks)
        #expect(workloads[0].addresses == ["10.0.2.6", "10.0.2.7"])
        #expect(notes.map(\.level) == [.warning])
        #expect(notes[0].message.contains("deprecated"))
        // A network the tasks are not on: the default choice, and one warning for the service (not per task).
        var wrong = svc
        wrong.spec.labels?["traefik.swarm.network"] = "mystack_front"
        let result = map([wrong], tasks)
        #expect(result.workloads[0].addresses == ["10.0.1.6", "10.0.1.7"])
        #expect(result.notes == [
            ProviderNote(.warning, """
                service app is not on network "mystack_front" (attached to: ingress, front, back); using its first \
                network. In a stack, network names carry the stack's prefix
                """),
        ])
    }

    @Test func hostNetworkedTasksUseTheirNodesAddress() {
        let svc = service("edge", labels: ["traefik.http.services.edge.loadbalancer.server.port": "8080"],
                          vips: [("swarm-host-id", nil)])
        let tasks = [
            task("edge", slot: 1, node: "node1", host: true),
            task("edge", slot: 2, node: "node2", host: true),  // Status.Addr 0.0.0.0: the manager address
            task("edge", slot: 3, node: "node1", host: true),  // same node again: one server
            task("edge", slot: 4, node: "node3", host: true),  // no address known
        ]
        let (workloads, notes) = map([svc], tasks)
        #expect(workloads[0].addresses == ["192.168.1.11", "192.168.1.12"])
        #expect(notes.map(\.message) == [
            "service edge: task edge-task4 uses the host network but its node node3 has no known address",
        ])
        // lbswarm on a host-networked service: there is no VIP, so the tasks are used.
        var lb = svc
        lb.spec.labels?["traefik.swarm.lbswarm"] = "true"
        let lbResult = map([lb], Array(tasks.prefix(2)))
        #expect(lbResult.workloads[0].addresses == ["192.168.1.11", "192.168.1.12"])
        #expect(lbResult.notes.map(\.message) == [
            """
            service edge: traefik.swarm.lbswarm is set but the service has no virtual IP; balancing over its tasks \
            instead
            """,
        ])
    }

    @Test func lbSwarm() {
        let vips: [(network: String, addr: String?)] = [("ingress-id", "10.0.0.2/24"), ("front-id", "10.0.1.2/24"),
                                                        ("back-id", "10.0.2.2/24")]
        let tasks = [task("api", slot: 1, networks: [("front-id", "10.0.1.9/24")])]
        func addresses(_ labels: [String: String], network: String = "") -> [String] {
            map([service("api", labels: labels, vips: vips)], tasks, network: network).workloads[0].addresses
        }
        #expect(addresses([:]) == ["10.0.1.9"])
        #expect(addresses(["traefik.swarm.lbswarm": "true"]) == ["10.0.1.2"])  // first VIP that is not ingress
        #expect(addresses(["traefik.swarm.lbswarm": "TRUE", "traefik.swarm.network": "back"]) == ["10.0.2.2"])
        #expect(addresses(["traefik.swarm.lbswarm": "1"], network: "ingress") == ["10.0.0.2"])
        #expect(addresses(["traefik.docker.lbswarm": "true"]) == ["10.0.1.2"])  // deprecated spelling
        #expect(addresses(["traefik.swarm.lbswarm": "false"]) == ["10.0.1.9"])
        let bad = map([service("api", labels: ["traefik.swarm.lbswarm": "yes"], vips: vips)], tasks)
        #expect(bad.workloads[0].addresses == ["10.0.1.9"])
        #expect(bad.notes.map(\.message) == [
            #"service api: traefik.swarm.lbswarm="yes" is not a boolean; using Limpet's own balancing"#,
        ])
        // dnsrr has no VIP: a warning, and the tasks.
        let dnsrr = map([service("api", labels: ["traefik.swarm.lbswarm": "true"], mode: "dnsrr")], tasks)
        #expect(dnsrr.workloads[0].addresses == ["10.0.1.9"])
        #expect(dnsrr.notes.map(\.level) == [.warning])
    }

    @Test func emptyServices() {
        let services = [service("idle", labels: ["traefik.enable": "true"]), service("up")]
        let tasks = [task("up", slot: 1, networks: [("front-id", "10.0.1.3/24")]),
                     task("idle", slot: 1, state: "failed", networks: [("front-id", "10.0.1.4/24")])]
        #expect(map(services, tasks).workloads.map(\.name) == ["up"])
        let kept = map(services, tasks, allowEmpty: true).workloads
        #expect(kept.map(\.name) == ["idle", "up"])
        #expect(kept[0].addresses.isEmpty)
    }

    @Test func nodeAddresses() {
        #expect(ServiceMapping.nodeAddresses(swarmNodes) == ["node1": "192.168.1.11", "node2": "192.168.1.12"])
        let v6 = SwarmNode(id: "n", status: .init(state: "ready", addr: "0.0.0.0"),
                           managerStatus: .init(addr: "[fd00::2]:2377"))
        #expect(ServiceMapping.nodeAddresses([v6]) == ["n": "fd00::2"])
    }
}
