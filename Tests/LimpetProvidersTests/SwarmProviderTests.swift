import Foundation
import LimpetConfig
import Synchronization
import Testing

@testable import LimpetProviders

@Suite(.serialized) struct SwarmProviderTests {
    @Test func pollsAndSurvivesOutages() throws {
        let failing = Mutex(false)
        let tasks = Mutex(Samples.tasks)
        let server = FakeDockerServer { request, client in
            let target = request.target
            if failing.withLock({ $0 }) && target != "/version" {
                return client.respond(503, json: """
                    {"message":"This node is not a swarm manager. Use \\"docker swarm init\\" or \
                    \\"docker swarm join\\" to connect this node to swarm and try again."}
                    """, reason: "Service Unavailable")
            }
            switch target {
            case "/version": client.respond(json: Samples.version)
            case "/v1.41/services": client.respond(json: Samples.services)
            case "/v1.41/tasks?filters=" + DockerClient.percentEncode(SwarmProvider.taskFilters):
                client.respond(json: tasks.withLock { $0 })
            case "/v1.41/networks": client.respond(json: Samples.networks)
            case "/v1.41/nodes": client.respond(json: Samples.nodes)
            default: client.respond(404, json: #"{"message":"page not found"}"#, reason: "Not Found")
            }
        }
        defer { server.stop() }
        var config = SwarmProviderConfig()
        config.endpoint = server.endpoint
        config.refreshSeconds = .milliseconds(100)
        let logs = LogStore()
        let provider = SwarmProvider(config, logger: logs.logger())
        let offers = Offers()
        let stop = StopSignal()
        let loop = Background {
            provider.watch(until: stop, backoff: Backoff(initial: .milliseconds(20), maximum: .milliseconds(80))) {
                workloads, _ in offers.append(workloads)
            }
        }

        #expect(eventually { offers.count >= 3 })  // polled every 100 ms
        #expect(offers.all[0].map(\.name) == ["lp-sample-dnsrr", "lp-sample-hostsvc", "lp-sample-pub", "lp-sample-svc"])
        #expect(offers.all[0] == offers.all[2])
        // One connection serves every poll; the version was asked once.
        #expect(server.connectionCount == 1)
        #expect(server.targets.filter { $0 == "/version" }.count == 1)
        #expect(Array(server.targets.prefix(5)) == [
            "/version", "/v1.41/services",
            "/v1.41/tasks?filters=%7B%22desired-state%22%3A%5B%22running%22%5D%7D", "/v1.41/networks", "/v1.41/nodes",
        ])

        // Not a manager any more: logged with the daemon's message, nothing offered, retried with backoff.
        failing.withLock { $0 = true }
        #expect(eventually { logs.all.filter { $0.hasPrefix("error:") }.count >= 3 })
        let countWhileFailing = offers.count
        Thread.sleep(forTimeInterval: 0.2)
        #expect(offers.count == countWhileFailing)
        let error = try #require(logs.all.first { $0.hasPrefix("error:") })
        #expect(error == """
            error: providers.swarm: Docker at \(server.endpoint): GET /v1.41/services answered 503: This node is not a \
            swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try \
            again.; keeping the last configuration; retrying in 20ms
            """)

        // Back: polled again, the version negotiated again; services scaled to zero show at the next poll (all but
        // the lbswarm one, whose virtual IP stays).
        tasks.withLock { $0 = "[]" }
        failing.withLock { $0 = false }
        #expect(eventually { offers.last?.map(\.name) == ["lp-sample-svc"] })
        #expect(server.targets.filter { $0 == "/version" }.count >= 2)
        #expect(logs.all.contains { $0.hasPrefix("info: providers.swarm: reconnected to Docker 20.10.24+dfsg1") })

        stop.stop()
        #expect(loop.wait())
    }
}
