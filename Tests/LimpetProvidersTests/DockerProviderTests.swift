import Foundation
import LimpetConfig
import Synchronization
import Testing

@testable import LimpetProviders

/// A fake dockerd for the Docker provider: serves `/version`, the containers in `running` (inspect JSON), and an
/// event stream driven by `events`.
final class FakeEngine: Sendable {
    typealias Step = DockerEventStreamTests.Step

    /// Inspect JSON of the running containers.
    final class State: Sendable {
        let running = Mutex<[String]>([])
        let listStatus = Mutex(200)
    }

    let state = State()
    let events = Feed<Step>()
    let server: FakeDockerServer

    init() {
        let state = state
        let events = events
        server = FakeDockerServer { request, client in
            let target = request.target
            if target == "/version" {
                client.respond(json: Samples.version)
            } else if target.hasPrefix("/v1.41/events?") {
                client.startChunked()
                // Several streams may be open (the provider reconnects); only a live one takes the next step.
                while !client.peerClosed {
                    guard let step = events.take(timeout: .milliseconds(20)) else { continue }
                    switch step {
                    case .chunk(let text): client.chunk(text)
                    case .raw(let text): client.write(text)
                    case .end: client.endChunks()
                    case .close:
                        client.close()
                        return
                    }
                }
            } else if target == "/v1.41/containers/json" {
                let status = state.listStatus.withLock { $0 }
                guard status == 200 else {
                    return client.respond(status, json: #"{"message":"listing failed"}"#, reason: "Error")
                }
                let ids = state.running.withLock { $0 }.map { try! decodeSample(ContainerDetails.self, $0).id }
                let list = ids.map { #"{"Id":"\#($0)","State":"running"}"# }.joined(separator: ",")
                client.respond(json: "[" + list + "]")
            } else if target.hasPrefix("/v1.41/containers/") {
                let id = target.dropFirst("/v1.41/containers/".count).split(separator: "/")[0]
                let json = state.running.withLock { $0 }.first { try! decodeSample(ContainerDetails.self, $0).id == id }
                if let json {
                    client.respond(json: json)
                } else {
                    client.respond(404, json: #"{"message":"No such container: \#(id)"}"#, reason: "Not Found")
                }
            } else {
                client.respond(404, json: #"{"message":"page not found"}"#, reason: "Not Found")
            }
        }
    }

    var listings: Int { server.targets.filter { $0 == "/v1.41/containers/json" }.count }

    func event(_ line: Int) { events.push(.chunk(DockerEventStreamTests.lines[line] + "\n")) }
}

@Suite(.serialized) struct DockerProviderTests {
    static let fast = Backoff(initial: .milliseconds(20), maximum: .milliseconds(80))

    @Test func listsThenFollowsEventsAndSurvivesOutages() throws {
        let engine = FakeEngine()
        defer { engine.server.stop() }
        engine.state.running.withLock { $0 = [Samples.inspectHost] }
        var config = DockerProviderConfig()
        config.endpoint = engine.server.endpoint
        let logs = LogStore()
        let provider = DockerProvider(config, logger: logs.logger())
        let offers = Offers()
        let stop = StopSignal()
        let loop = Background {
            provider.watch(until: stop, backoff: Self.fast) { workloads, _ in offers.append(workloads) }
        }

        // The stream is opened before the first listing.
        #expect(eventually { offers.count == 1 })
        #expect(offers.last?.map(\.name) == ["lp-sample-host"])
        #expect(offers.last?.first?.addresses == ["127.0.0.1"])
        let id = "474ab110def729fecad4173b471ceaaeb8c9370443da25e8cfba7288df6bf4d4"
        #expect(engine.server.targets == [
            "/version", "/v1.41/events?filters=" + DockerClient.percentEncode(DockerProvider.eventFilters),
            "/v1.41/containers/json", "/v1.41/containers/\(id)/json",
        ])
        #expect(logs.all.contains {
            $0 == "info: providers.docker: connected to Docker 20.10.24+dfsg1 at \(config.endpoint) (API 1.41)"
        })

        // A container starts, still `starting`: listed again within a second, and left out.
        engine.state.running.withLock { $0.append(Samples.inspectStarting) }
        let start = ContinuousClock.now
        engine.event(0)
        #expect(eventually { offers.count == 2 })
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(offers.last?.map(\.name) == ["lp-sample-host"])

        // It becomes healthy.
        engine.state.running.withLock { $0[1] = Samples.inspectHealthy }
        engine.event(1)
        #expect(eventually { offers.count == 3 })
        #expect(offers.last?.map(\.name) == ["lp-sample-healthy", "lp-sample-host"])

        // A burst of events is one listing.
        let before = engine.listings
        for line in 0..<5 { engine.event(line % 5) }
        #expect(eventually { offers.count == 4 })
        Thread.sleep(forTimeInterval: 0.4)
        #expect(engine.listings == before + 1)
        #expect(offers.count == 4)

        // The daemon fails: the stream drops and the listing errors. Nothing is offered meanwhile (the last
        // configuration stays), each failure is logged with the endpoint, and the provider retries with backoff.
        engine.state.listStatus.withLock { $0 = 500 }
        engine.events.push(.close)
        #expect(eventually {
            logs.all.filter { $0.contains("GET /v1.41/containers/json answered 500: listing failed") }.count >= 3
        })
        #expect(offers.count == 4)
        let errors = logs.all.filter { $0.hasPrefix("error:") }
        let prefix = "error: providers.docker: Docker at \(config.endpoint): "
        #expect(errors[0] == prefix + """
            connection closed by the daemon in the middle of the stream; keeping the last configuration; retrying \
            in 20ms
            """)
        #expect(errors[1] == prefix + """
            GET /v1.41/containers/json answered 500: listing failed; keeping the last configuration; retrying in 40ms
            """)
        #expect(errors[2].hasSuffix("retrying in 80ms"))
        #expect(errors[3].hasSuffix("retrying in 80ms"))

        // It recovers: listed again, and events flow again.
        engine.state.listStatus.withLock { $0 = 200 }
        #expect(eventually { offers.count == 5 })
        #expect(offers.last?.map(\.name) == ["lp-sample-healthy", "lp-sample-host"])
        #expect(logs.all.contains { $0.hasPrefix("info: providers.docker: reconnected to Docker") })
        engine.state.running.withLock { _ = $0.removeFirst() }
        engine.event(3)
        #expect(eventually { offers.count == 6 })
        #expect(offers.last?.map(\.name) == ["lp-sample-healthy"])

        stop.stop()
        engine.events.push(.close)
        #expect(loop.wait())
    }

    @Test func unreachableDaemonIsLoggedAndRetried() throws {
        var config = DockerProviderConfig()
        config.endpoint = "unix:///tmp/limpet-docker-provider-test-\(getpid()).sock"
        config.watch = false
        let logs = LogStore()
        let provider = DockerProvider(config, logger: logs.logger())
        let offers = Offers()
        let stop = StopSignal()
        let loop = Background {
            provider.watch(until: stop, backoff: Self.fast) { workloads, _ in offers.append(workloads) }
        }
        #expect(eventually { logs.all.count >= 2 })
        #expect(offers.count == 0)
        #expect(logs.all[0] == """
            error: providers.docker: Docker at \(config.endpoint): connect: No such file or directory (is dockerd \
            running, and is its socket mounted into this container?); retrying in 20ms
            """)
        stop.stop()
        #expect(loop.wait())
    }

    @Test func withoutWatchTheContainersAreListedOnce() throws {
        let engine = FakeEngine()
        defer { engine.server.stop() }
        engine.state.running.withLock { $0 = [Samples.inspectTwoNetworks] }
        var config = DockerProviderConfig()
        config.endpoint = engine.server.endpoint
        config.watch = false
        let provider = DockerProvider(config, logger: LogStore().logger())
        let offers = Offers()
        let stop = StopSignal()
        let loop = Background {
            provider.watch(until: stop, backoff: Self.fast) { workloads, _ in offers.append(workloads) }
        }
        #expect(eventually { offers.count == 1 })
        #expect(offers.last == [LabeledWorkload(name: "lp-sample-net1",
                                                labels: ["traefik.docker.network": "lp-sample-net"],
                                                addresses: ["172.19.0.2"], exposedPorts: [80, 9000])])
        Thread.sleep(forTimeInterval: 0.2)
        #expect(!engine.server.targets.contains { $0.contains("/events") })
        #expect(offers.count == 1)
        stop.stop()
        #expect(loop.wait())
    }

    @Test func containerGoneBetweenListAndInspectIsSkipped() throws {
        // The listing names a container whose inspection answers 404 (it was removed in between).
        let server = FakeDockerServer { request, client in
            switch request.target {
            case "/version": client.respond(json: Samples.version)
            case "/v1.41/containers/json": client.respond(json: #"[{"Id":"gone"}]"#)
            default: client.respond(404, json: #"{"message":"No such container: gone"}"#, reason: "Not Found")
            }
        }
        defer { server.stop() }
        var config = DockerProviderConfig()
        config.endpoint = server.endpoint
        let provider = DockerProvider(config, logger: LogStore().logger())
        let client = try DockerClient(endpoint: server.endpoint)
        let offers = Offers()
        try provider.list(client) { workloads, _ in offers.append(workloads) }
        #expect(offers.all == [[]])
    }

    @Test func publisherPublishesOnlyChanges() {
        let logs = LogStore()
        let published = Mutex(0)
        let publisher = WorkloadPublisher(options: LabelProviderOptions(provider: "docker"), logger: logs.logger(),
                                          prefix: "providers.docker", publish: { config in
                                              #expect(config.provider == "docker")
                                              published.withLock { $0 += 1 }
                                          })
        let a = LabeledWorkload(name: "a", labels: [:], addresses: ["10.0.0.1"], exposedPorts: [80])
        let b = LabeledWorkload(name: "b", labels: [:], addresses: ["10.0.0.2"])  // no port: the decoder complains
        let note = ProviderNote(.warning, "container x is not on network \"web\"")
        #expect(publisher.offer([], notes: []))  // the first result is published, even empty
        #expect(publisher.offer([a], notes: [note]))
        let lines = logs.all.count
        #expect(!publisher.offer([a], notes: [note]))
        #expect(!publisher.offer([a], notes: [note]))
        #expect(logs.all.count == lines)  // nothing new, nothing logged: not the note, not the decoder's warnings
        #expect(publisher.offer([a, b], notes: []))
        #expect(publisher.offer([a], notes: [note]))
        #expect(published.withLock { $0 } == 4)
        // The note is logged when it appears, not on every poll; again after it went away and came back.
        #expect(logs.all.filter { $0.contains("is not on network") } == [
            "warning: providers.docker: container x is not on network \"web\"",
            "warning: providers.docker: container x is not on network \"web\"",
        ])
        #expect(logs.all.filter { $0.hasPrefix("info:") }.count == 4)
    }
}
