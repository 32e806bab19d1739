import Foundation
import Testing

@testable import LimpetProviders

func decodeSample<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
    try JSONDecoder().decode(type, from: Data(json.utf8))
}

@Suite struct ModelDecodingTests {
    @Test func version() throws {
        let version = try decodeSample(DockerVersion.self, Samples.version)
        #expect(version == DockerVersion(version: "20.10.24+dfsg1", apiVersion: "1.41", minAPIVersion: "1.12"))
    }

    @Test func containerList() throws {
        let list = try decodeSample([ContainerSummary].self, Samples.containersList)
        #expect(list.count == 9)
        #expect(list.allSatisfy { $0.state == "running" && $0.id.count == 64 })
        #expect(list.contains { $0.names == ["/lp-sample-host"] })
    }

    @Test func inspectedContainers() throws {
        let host = try decodeSample(ContainerDetails.self, Samples.inspectHost)
        #expect(host.name == "/lp-sample-host")
        #expect(host.hostConfig?.networkMode == "host")
        #expect(host.config?.labels == ["Traefik.Docker.Network": "foo"])
        #expect(host.config?.exposedPorts == nil)
        #expect(host.state?.health == nil)
        #expect(host.networkSettings?.networks?["host"]?.ipAddress == "")

        let two = try decodeSample(ContainerDetails.self, Samples.inspectTwoNetworks)
        #expect(two.hostConfig?.networkMode == "lp-sample-net")
        #expect(two.config?.exposedPorts?.keys.sorted() == ["53/udp", "80/tcp", "9000/tcp"])
        #expect(two.networkSettings?.ports?.count == 3)  // values are null
        #expect(two.networkSettings?.networks?["bridge"]?.ipAddress == "172.17.0.3")
        #expect(two.networkSettings?.networks?["lp-sample-net"]?.ipAddress == "172.19.0.2")

        #expect(try decodeSample(ContainerDetails.self, Samples.inspectUnhealthy).state?.health?.status == "unhealthy")
        #expect(try decodeSample(ContainerDetails.self, Samples.inspectStarting).state?.health?.status == "starting")
        let healthy = try decodeSample(ContainerDetails.self, Samples.inspectHealthy)
        #expect(healthy.state?.health?.status == "healthy")
        #expect(healthy.state?.status == "running")
        #expect(healthy.networkSettings?.ports?.keys.sorted() == ["8080/tcp"])  // with a host binding
    }

    @Test func services() throws {
        let services = try decodeSample([SwarmService].self, Samples.services)
        #expect(services.map(\.spec.name).sorted() == [
            "lp-sample-dnsrr", "lp-sample-hostsvc", "lp-sample-nonet", "lp-sample-pub", "lp-sample-svc",
        ])
        let svc = try #require(services.first { $0.spec.name == "lp-sample-svc" })
        #expect(svc.spec.labels?["traefik.swarm.lbswarm"] == "true")
        #expect(svc.endpoint?.virtualIPs == [.init(networkID: "3a6lw6bsapteb9f20hcjxw8k3", addr: "10.0.1.2/24")])
        #expect(svc.spec.taskTemplate?.networks?.map(\.target) == ["3a6lw6bsapteb9f20hcjxw8k3"])
        let host = try #require(services.first { $0.spec.name == "lp-sample-hostsvc" })
        #expect(host.endpoint?.virtualIPs == [.init(networkID: "fu17kqwalpwuej67zwzlw2e9z", addr: nil)])
        let dnsrr = try #require(services.first { $0.spec.name == "lp-sample-dnsrr" })
        #expect(dnsrr.spec.endpointSpec?.mode == "dnsrr")
        #expect(dnsrr.endpoint?.virtualIPs == nil)
    }

    @Test func tasks() throws {
        let tasks = try decodeSample([SwarmTask].self, Samples.tasks)
        #expect(tasks.count == 6)
        #expect(tasks.allSatisfy { $0.status?.state == "running" })
        let host = try #require(tasks.first { $0.id == "kc65f17l3lo1vrb4enyjvaj8z" })
        let attachment = try #require(host.networksAttachments?.first)
        #expect(attachment.network?.spec?.name == "host")
        #expect(attachment.network?.driverState?.name == "host")
        #expect(attachment.addresses == nil)
        #expect(host.nodeID == "vbn9yjd6xrkpf211dakj2r9bu")
        let overlay = try #require(tasks.first { $0.id == "rm778iv3yiabvumkka522602x" })
        #expect(overlay.slot == 2)
        #expect(overlay.networksAttachments?.first?.addresses == ["10.0.1.4/24"])
        let published = try #require(tasks.first { $0.id == "p12wiefsyuko3ualc1kow04zt" })
        #expect(published.networksAttachments?.first?.network?.spec?.ingress == true)
        let bare = try #require(tasks.first { $0.id == "82ni7rwt9cwrtedfmf70g1tfy" })
        #expect(bare.networksAttachments == nil)
    }

    @Test func networksAndNodes() throws {
        let networks = try decodeSample([DockerNetwork].self, Samples.networks)
        #expect(networks.first { $0.name == "ingress" }?.ingress == true)
        #expect(networks.first { $0.name == "lp-sample-overlay" }?.id == "3a6lw6bsapteb9f20hcjxw8k3")
        // The swarm-scoped `host` network of host-networked services is not listed; only the local one is.
        #expect(!networks.contains { $0.id == "fu17kqwalpwuej67zwzlw2e9z" })

        let nodes = try decodeSample([SwarmNode].self, Samples.nodes)
        #expect(nodes.count == 1)
        #expect(nodes[0].id == "vbn9yjd6xrkpf211dakj2r9bu")
        #expect(nodes[0].status?.addr == "127.0.0.1")
        #expect(nodes[0].managerStatus?.addr == "127.0.0.1:2377")
    }

    @Test func events() throws {
        let events = try Samples.events.split(separator: "\n").map { try decodeSample(DockerEvent.self, String($0)) }
        #expect(events.map(\.action) == ["start", "health_status: healthy", "start", "die", "stop"])
        #expect(events.allSatisfy { $0.type == "container" })
        #expect(events[3].actor?.attributes?["exitCode"] == "137")
    }
}
