import LimpetConfig
import Testing

@testable import LimpetProviders

/// A running container on the given networks (name → IP).
func container(
    _ name: String, id: String? = nil, labels: [String: String] = [:],
    networks: [String: String] = ["bridge": "172.17.0.2"], mode: String = "default", health: String? = nil,
    exposed: [String] = [], status: String = "running"
) -> ContainerDetails {
    let ports = Dictionary(uniqueKeysWithValues: exposed.map { ($0, IgnoredValue()) })
    let endpoints = networks.mapValues { ContainerDetails.Endpoint(ipAddress: $0, globalIPv6Address: "") }
    return ContainerDetails(
        id: id ?? String(repeating: "\(name.count % 10)", count: 64), name: "/\(name)",
        state: .init(status: status, health: health.map { .init(status: $0) }),
        config: .init(labels: labels, exposedPorts: ports), hostConfig: .init(networkMode: mode),
        networkSettings: .init(ports: nil, networks: endpoints))
}

@Suite struct ContainerMappingTests {
    func map(_ containers: [ContainerDetails], network: String = "", allowEmpty: Bool = false)
        -> (workloads: [LabeledWorkload], notes: [ProviderNote])
    {
        ContainerMapping.workloads(containers, options: .init(network: network, allowEmptyServices: allowEmpty))
    }

    @Test func realContainers() throws {
        let samples = try [Samples.inspectHost, Samples.inspectTwoNetworks, Samples.inspectUnhealthy,
                           Samples.inspectStarting]
            .map { try decodeSample(ContainerDetails.self, $0) }
        let (workloads, notes) = map(samples)
        #expect(workloads == [
            // host mode: 127.0.0.1, and its (odd) network label is not even looked at
            LabeledWorkload(name: "lp-sample-host", labels: ["Traefik.Docker.Network": "foo"],
                            addresses: ["127.0.0.1"]),
            // the labelled network, not the first one (bridge); TCP ports only, ascending
            LabeledWorkload(name: "lp-sample-net1", labels: ["traefik.docker.network": "lp-sample-net"],
                            addresses: ["172.19.0.2"], exposedPorts: [80, 9000]),
        ])
        #expect(notes == [
            ProviderNote(.debug, "container lp-sample-bridge is unhealthy: left out until healthy"),
            ProviderNote(.debug, "container lp-sample-healthy is starting: left out until healthy"),
        ])

        let healthy = try decodeSample(ContainerDetails.self, Samples.inspectHealthy)
        #expect(map([healthy]).workloads == [
            LabeledWorkload(name: "lp-sample-healthy", labels: ["traefik.http.routers.h.rule": "Host(`h`)"],
                            addresses: ["172.17.0.4"], exposedPorts: [8080]),
        ])
    }

    @Test func networkChoice() {
        let networks = ["b-net": "10.0.2.5", "a-net": "10.0.1.5", "c-net": "10.0.3.5"]
        // No label, no option: the first network by name (the daemon's JSON order).
        #expect(map([container("app", networks: networks)]).workloads[0].addresses == ["10.0.1.5"])
        // The provider's option.
        #expect(map([container("app", networks: networks)], network: "c-net").workloads[0].addresses == ["10.0.3.5"])
        // The label beats the option, whatever the case of its key.
        let labelled = container("app", labels: ["TRAEFIK.Docker.NETWORK": "b-net"], networks: networks)
        #expect(map([labelled], network: "c-net").workloads[0].addresses == ["10.0.2.5"])
        // A name the container is not on: the first network, and a warning (it has traefik labels).
        let wrong = container("app", labels: ["traefik.docker.network": "web"], networks: networks)
        let (workloads, notes) = map([wrong])
        #expect(workloads[0].addresses == ["10.0.1.5"])
        #expect(notes.map(\.level) == [.warning])
        #expect(notes[0].message.hasPrefix(
            #"container app is not on network "web" (attached to: a-net, b-net, c-net)"#))
        // The same through the option on a container without traefik labels: only a debug line.
        #expect(map([container("app", networks: networks)], network: "web").notes.map(\.level) == [.debug])
    }

    @Test func hostAndSharedNetworkModes() {
        let host = container("h", labels: ["traefik.docker.network": "x"], networks: ["host": ""], mode: "host")
        #expect(map([host]).workloads[0].addresses == ["127.0.0.1"])
        #expect(map([host]).notes.isEmpty)

        let main = container("main", id: String(repeating: "a", count: 64), networks: ["bridge": "172.17.0.9"])
        let sidecar = container("sidecar", networks: [:], mode: "container:" + String(repeating: "a", count: 64))
        let byName = container("byname", networks: [:], mode: "container:main")
        let byShortID = container("short", networks: [:], mode: "container:aaaaaaaaaaaa")
        let onHost = container("onhost", networks: [:], mode: "container:h")
        let (workloads, notes) = map([main, sidecar, byName, byShortID, host, onHost])
        #expect(notes.isEmpty)
        let addresses = Dictionary(uniqueKeysWithValues: workloads.map { ($0.name, $0.addresses) })
        #expect(addresses == [
            "main": ["172.17.0.9"], "sidecar": ["172.17.0.9"], "byname": ["172.17.0.9"], "short": ["172.17.0.9"],
            "h": ["127.0.0.1"], "onhost": ["127.0.0.1"],
        ])

        let orphan = container("orphan", labels: ["traefik.enable": "true"], networks: [:], mode: "container:gone")
        let result = map([orphan])
        #expect(result.workloads.isEmpty)
        #expect(result.notes.map(\.message) == [
            "container orphan shares the network of container gone, which is not running",
            "container orphan has no IP address to reach it at: left out",
        ])
    }

    @Test func healthAndAllowEmptyServices() {
        let containers = [
            container("a", health: "healthy"), container("b", health: "unhealthy"), container("c", health: "starting"),
            container("d"), container("e", networks: ["none": ""], mode: "none"),
        ]
        #expect(map(containers).workloads.map(\.name) == ["a", "d"])
        // allowEmptyServices keeps them, with no address: their services exist and answer 503.
        let kept = map(containers, allowEmpty: true).workloads
        #expect(kept.map(\.name) == ["a", "b", "c", "d", "e"])
        #expect(kept.map(\.addresses) == [["172.17.0.2"], [], [], ["172.17.0.2"], []])
    }

    @Test func namesAndCompose() {
        let compose = ["com.docker.compose.service": "web", "com.docker.compose.project": "shop"]
        let (workloads, _) = map([
            container("shop-web-2", labels: compose, networks: ["shop_default": "172.20.0.3"]),
            container("shop-web-1", labels: compose, networks: ["shop_default": "172.20.0.2"]),
            container("plain"),
            container("stopped", status: "exited"),
        ])
        // The replicas of a Compose service share a name (and so one router and service), sorted by address.
        #expect(workloads.map(\.name) == ["plain", "web_shop", "web_shop"])
        #expect(workloads.map(\.addresses) == [["172.17.0.2"], ["172.20.0.2"], ["172.20.0.3"]])
    }

    @Test func exposedPortsAndIPv6() {
        var c = container("v6", networks: [:], exposed: ["443/tcp", "80/tcp", "53/udp", "80", "bad/tcp"])
        c.networkSettings?.networks = ["v6net": .init(ipAddress: "", globalIPv6Address: "fd00::5")]
        c.networkSettings?.ports = ["8443/tcp": IgnoredValue(), "80/tcp": IgnoredValue()]
        let workload = map([c]).workloads[0]
        #expect(workload.exposedPorts == [80, 443, 8443])
        #expect(workload.addresses == ["fd00::5"])
    }
}
