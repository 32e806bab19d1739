import Foundation
import LimpetConfig
import Testing

@testable import LimpetProviders

/// Against the real dockerd on /var/run/docker.sock, with the image `limpet-test:latest` (it holds `/limpet`).
/// Opt in with LIMPET_DOCKER_TESTS=1; everything created is removed again.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LIMPET_DOCKER_TESTS"] == "1"))
struct LiveDockerTests {
    /// Runs the docker CLI; returns its trimmed standard output, or nil when it failed.
    @discardableResult
    static func docker(_ arguments: String...) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["docker"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Calls the Engine API with curl (for what the client under test does not do: POST).
    @discardableResult
    static func curl(_ arguments: String...) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-sf", "--unix-socket", "/var/run/docker.sock"] + arguments
        let output = Pipe()
        process.standardOutput = output
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Sends a GET to 127.0.0.1:port and returns the response's first line.
    static func httpStatusLine(port: Int) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                             "http://127.0.0.1:\(port)/"]
        let output = Pipe()
        process.standardOutput = output
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func dockerProviderFollowsAHostNetworkContainer() throws {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let name = "limpet-provider-test-\(suffix)"
        let port = Int.random(in: 20000...40000)
        defer { Self.docker("rm", "-f", name) }

        var config = DockerProviderConfig()
        config.exposedByDefault = false
        let logs = LogStore()
        let provider = DockerProvider(config, logger: logs.logger())
        let offers = Offers()
        let stop = StopSignal()
        let loop = Background { provider.watch(until: stop) { workloads, _ in offers.append(workloads) } }
        defer {
            stop.stop()
            _ = loop.wait()
        }
        #expect(eventually { offers.count >= 1 })
        #expect(logs.all.contains { $0.hasPrefix("info: providers.docker: connected to Docker ") })

        // Created through the API: the CLI's --health-cmd needs a shell, which the image does not have.
        let create = """
            {"Image":"limpet-test:latest","Cmd":["/limpet","whoami","--listen","127.0.0.1:\(port)"],
             "Labels":{"traefik.enable":"true","traefik.http.routers.\(name).rule":"Host(`\(name).test`)",
                       "traefik.http.services.\(name).loadbalancer.server.port":"\(port)"},
             "Healthcheck":{"Test":["CMD","/limpet","--version"],"Interval":500000000},
             "HostConfig":{"NetworkMode":"host"}}
            """
        try #require(Self.curl("-X", "POST", "-H", "Content-Type: application/json", "--data", create,
                               "http://v1.41/containers/create?name=\(name)") != nil)
        try #require(Self.curl("-X", "POST", "http://v1.41/containers/\(name)/start") != nil)

        // `starting` first (left out), then healthy: it appears, reached at 127.0.0.1.
        #expect(eventually(timeout: .seconds(15)) { offers.last?.contains { $0.name == name } == true })
        #expect(logs.all.contains("debug: providers.docker: event health_status: healthy for container \(name)"))
        let workload = try #require(offers.last?.first { $0.name == name })
        #expect(workload.addresses == ["127.0.0.1"])
        #expect(workload.labels["traefik.http.services.\(name).loadbalancer.server.port"] == "\(port)")
        #expect(Self.httpStatusLine(port: port) == "200")

        // Stopped: gone within a second of the event.
        let stopped = ContinuousClock.now
        Self.docker("stop", "-t", "1", name)
        let stopTook = ContinuousClock.now - stopped
        #expect(eventually(timeout: .seconds(3)) { offers.last?.contains { $0.name == name } == false })
        #expect(ContinuousClock.now - stopped < stopTook + .seconds(1))
    }

    @Test func swarmProviderSeesHostAndOverlayServices() throws {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let hostService = "limpet-swarm-host-\(suffix)"
        let overlayService = "limpet-swarm-overlay-\(suffix)"
        let network = "limpet-swarm-net-\(suffix)"
        let port = Int.random(in: 20000...40000)
        defer {
            Self.docker("service", "rm", hostService, overlayService)
            // The network can be removed once the tasks' containers are gone.
            _ = eventually(timeout: .seconds(30)) { Self.docker("network", "rm", network) != nil }
        }
        try #require(Self.docker("network", "create", "-d", "overlay", network) != nil)
        try #require(Self.docker(
            "service", "create", "-d", "--name", hostService, "--network", "host",
            "--label", "traefik.http.services.h.loadbalancer.server.port=\(port)",
            "limpet-test:latest", "/limpet", "whoami", "--listen", "127.0.0.1:\(port)") != nil)
        try #require(Self.docker(
            "service", "create", "-d", "--name", overlayService, "--network", network, "--replicas", "2",
            "--label", "traefik.swarm.network=\(network)",
            "--label", "traefik.http.services.o.loadbalancer.server.port=9000",
            "limpet-test:latest", "/limpet", "whoami", "--listen", "0.0.0.0:9000") != nil)

        let provider = SwarmProvider(SwarmProviderConfig(), logger: LogStore().logger())
        let client = try DockerClient(endpoint: "unix:///var/run/docker.sock")
        try client.negotiate()
        var workloads: [LabeledWorkload] = []
        #expect(eventually(timeout: .seconds(30)) {
            let offers = Offers()
            try? provider.poll(client) { result, _ in offers.append(result) }
            workloads = offers.last ?? []
            let host = workloads.first { $0.name == hostService }
            let overlay = workloads.first { $0.name == overlayService }
            return host?.addresses.count == 1 && overlay?.addresses.count == 2
        })
        let nodeAddress = try #require(Self.docker("node", "inspect", "self", "--format", "{{.Status.Addr}}"))
        #expect(workloads.first { $0.name == hostService }?.addresses == [nodeAddress])
        let overlay = try #require(workloads.first { $0.name == overlayService })
        let subnet = try #require(Self.docker(
            "network", "inspect", network, "--format", "{{(index .IPAM.Config 0).Subnet}}"))
        let prefix = subnet.split(separator: ".").prefix(3).joined(separator: ".") + "."
        #expect(overlay.addresses.allSatisfy { $0.hasPrefix(prefix) && !$0.contains("/") })
        #expect(eventually(timeout: .seconds(10)) { Self.httpStatusLine(port: port) == "200" })
    }
}
