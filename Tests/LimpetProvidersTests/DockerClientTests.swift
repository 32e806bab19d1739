import Foundation
import Testing

@testable import LimpetProviders

@Suite struct DockerClientTests {
    @Test func contentLengthResponseDecodesAsJSON() throws {
        let server = FakeDockerServer { _, client in client.respond(json: Samples.version) }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        let version = try client.negotiate()
        #expect(version.version == "20.10.24+dfsg1")
        #expect(version.apiVersion == "1.41")
        #expect(version.minAPIVersion == "1.12")
        #expect(client.apiVersion == "1.41")
        #expect(server.targets == ["/version"])
        let head = try #require(server.requests.first?.headers)
        #expect(head.contains("Host: docker\r\n"))
        #expect(head.hasPrefix("GET /version HTTP/1.1\r\n"))
    }

    @Test func chunkedResponseSplitAcrossManyReads() throws {
        // The whole response, framing included, arrives 7 bytes at a time: sizes, CRLFs and data all split.
        let body = Samples.containersList
        let server = FakeDockerServer { _, client in
            var text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            var rest = Substring(body)
            var size = 1
            while !rest.isEmpty {
                let piece = rest.prefix(size)
                rest = rest.dropFirst(piece.count)
                text += String(piece.utf8.count, radix: 16) + ";ext=1\r\n" + piece + "\r\n"
                size = size * 3 % 1000 + 1
            }
            text += "0\r\nX-Trailer: yes\r\n\r\n"
            client.writeSlowly(text, size: 7, pause: .microseconds(50))
        }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        let bytes = try client.get("/containers/json")
        #expect(String(decoding: bytes, as: UTF8.self) == body)
        let list = try client.get([ContainerSummary].self, "/containers/json")
        #expect(list.count == 9)
        #expect(server.targets == ["/v1.41/containers/json", "/v1.41/containers/json"])
    }

    @Test func keepAliveConnectionIsReused() throws {
        let server = FakeDockerServer { request, client in
            client.respond(json: #"{"target":"\#(request.target)"}"#)
        }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        for _ in 0..<5 { _ = try client.get("/nodes") }
        #expect(server.connectionCount == 1)
        #expect(server.requests.map(\.connection) == [1, 1, 1, 1, 1])
    }

    @Test func connectionCloseIsHonoured() throws {
        let server = FakeDockerServer { _, client in
            client.respond(json: "[]", extraHeaders: "Connection: close\r\n")
            client.close()
        }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        for _ in 0..<3 { #expect(try client.get("/nodes") == Array("[]".utf8)) }
        #expect(server.connectionCount == 3)
    }

    @Test func anIdleConnectionClosedByTheDaemonIsReplaced() throws {
        let server = FakeDockerServer { request, client in
            client.respond(json: "[]")
            // The first connection is closed after its answer, without saying so: the client finds out when it
            // reuses it (either before sending or when no answer comes) and retries on a new one.
            if request.connection == 1 { client.close() }
        }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        _ = try client.get("/services")
        Thread.sleep(forTimeInterval: 0.05)
        _ = try client.get("/services")
        #expect(server.connectionCount == 2)
    }

    @Test func errorStatusCarriesTheDaemonsMessage() throws {
        let server = FakeDockerServer { _, client in
            client.respond(404, json: #"{"message":"No such container: nope"}"#, reason: "Not Found")
        }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        let error = try #require(throws: DockerClientError.self) { try client.get("/containers/nope/json") }
        #expect(error.status == 404)
        #expect(error.description == """
            Docker at \(server.endpoint): GET /v1.41/containers/nope/json answered 404: No such container: nope
            """)
        // The connection stays usable after an error response.
        _ = try? client.get("/containers/nope/json")
        #expect(server.connectionCount == 1)
    }

    @Test func unreachableSocketNamesTheEndpoint() throws {
        let client = try DockerClient(endpoint: "unix:///tmp/limpet-no-such-docker.sock")
        let error = try #require(throws: DockerClientError.self) { try client.negotiate() }
        #expect(error.status == nil)
        #expect(error.description.hasPrefix("Docker at unix:///tmp/limpet-no-such-docker.sock: connect: "))
        #expect(error.description.contains("No such file or directory"))
        #expect(error.description.contains("is dockerd running"))
    }

    @Test func aSilentDaemonTimesOut() throws {
        let server = FakeDockerServer { _, _ in Thread.sleep(forTimeInterval: 1) }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint, readTimeout: .milliseconds(150))
        let start = ContinuousClock.now
        let error = try #require(throws: DockerClientError.self) { try client.get("/services") }
        #expect(ContinuousClock.now - start < .milliseconds(900))
        #expect(error.description == "Docker at \(server.endpoint): timed out waiting for the response")
    }

    @Test func truncatedBodyIsAnError() throws {
        let server = FakeDockerServer { _, client in
            client.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[1,2,3]")
            client.close()
        }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        let error = try #require(throws: DockerClientError.self) { try client.get("/services") }
        #expect(error.description == "Docker at \(server.endpoint): connection closed mid-body")
    }

    @Test func garbageIsAnInvalidResponse() throws {
        let server = FakeDockerServer { _, client in client.write("SSH-2.0-OpenSSH_9.2\r\n\r\n") }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        let error = try #require(throws: DockerClientError.self) { try client.get("/services") }
        #expect(error.description == "Docker at \(server.endpoint): invalid HTTP response: malformed status line")
    }

    @Test func bodyWithoutLengthEndsAtClose() throws {
        let server = FakeDockerServer { _, client in
            client.write("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n[\"a\",")
            client.write("\"b\"]")
            client.close()
        }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        #expect(try client.get([String].self, "/x") == ["a", "b"])
    }

    @Test func unexpectedJSONNamesTheField() throws {
        let server = FakeDockerServer { _, client in client.respond(json: #"[{"ID":"x","Spec":{"Labels":{}}}]"#) }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        let error = try #require(throws: DockerClientError.self) { try client.get([SwarmService].self, "/services") }
        #expect(error.description.hasPrefix("Docker at \(server.endpoint): GET /services: unexpected JSON: "))
        #expect(error.description.contains("[0].Spec: missing \"Name\""))
    }

    @Test func queryIsPercentEncoded() throws {
        let server = FakeDockerServer { _, client in client.respond(json: "[]") }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        _ = try client.get("/tasks", query: [("filters", #"{"desired-state":["running"]}"#)])
        #expect(server.targets == ["/v1.41/tasks?filters=%7B%22desired-state%22%3A%5B%22running%22%5D%7D"])
    }

    @Test func tcpEndpoint() throws {
        let server = FakeDockerServer(overTCP: true) { _, client in client.respond(json: Samples.version) }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        #expect(try client.negotiate().version == "20.10.24+dfsg1")
        let host = try #require(server.requests.first?.headers)
        #expect(host.contains("Host: 127.0.0.1:"))
    }

    @Test func apiVersionNegotiation() throws {
        #expect(DockerClient.chooseAPIVersion(min: "1.12", max: "1.41") == "1.41")  // Docker 20.10
        #expect(DockerClient.chooseAPIVersion(min: "1.24", max: "1.50") == "1.41")  // Docker 28
        #expect(DockerClient.chooseAPIVersion(min: "1.44", max: "1.52") == "1.44")  // Docker 29 dropped 1.41
        #expect(DockerClient.chooseAPIVersion(min: "1.12", max: "1.40") == "1.40")  // Docker 19.03
        #expect(DockerClient.chooseAPIVersion(min: nil, max: nil) == "1.41")
        #expect(DockerClient.chooseAPIVersion(min: "x", max: "1.9") == "1.9")

        let server = FakeDockerServer { request, client in
            if request.target == "/version" {
                client.respond(json: #"{"Version":"29.0.0","ApiVersion":"1.52","MinAPIVersion":"1.44"}"#)
            } else {
                client.respond(json: "[]")
            }
        }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        try client.negotiate()
        _ = try client.get("/nodes")
        #expect(server.targets == ["/version", "/v1.44/nodes"])
    }

    @Test func endpoints() throws {
        #expect(try DockerEndpoint.parse("unix:///var/run/docker.sock") == .unix(path: "/var/run/docker.sock"))
        #expect(try DockerEndpoint.parse("tcp://10.0.0.5:2375") == .tcp(host: "10.0.0.5", port: 2375))
        #expect(try DockerEndpoint.parse("tcp://docker") == .tcp(host: "docker", port: 2375))
        #expect(try DockerEndpoint.parse("tcp://[::1]:2376/") == .tcp(host: "::1", port: 2376))
        #expect(DockerEndpoint.tcp(host: "::1", port: 2376).hostHeader == "[::1]:2376")
        let ssh = try #require(throws: DockerClientError.self) { try DockerEndpoint.parse("ssh://me@host") }
        #expect(ssh.description == """
            Docker endpoint "ssh://me@host": ssh:// endpoints are not supported; use unix:///path/to/docker.sock \
            or tcp://host:port
            """)
        #expect(throws: DockerClientError.self) { try DockerEndpoint.parse("unix://") }
        #expect(throws: DockerClientError.self) { try DockerEndpoint.parse("tcp://host:99999") }
        #expect(throws: DockerClientError.self) { try DockerEndpoint.parse("/var/run/docker.sock") }
    }
}
