import Foundation
import Testing

@testable import LimpetProviders

@Suite struct DockerEventStreamTests {
    /// What the fake /events handler is told to do next.
    enum Step: Sendable {
        case chunk(String)
        case raw(String)
        case end
        case close
    }

    /// A server whose /events streams what `feed` says; everything else answers `[]`.
    static func server(_ feed: Feed<Step>) -> FakeDockerServer {
        FakeDockerServer { request, client in
            guard request.target.hasPrefix("/v1.41/events") else { return client.respond(json: "[]") }
            client.startChunked()
            while let step = feed.take() {
                switch step {
                case .chunk(let text): client.chunk(text)
                case .raw(let text): client.write(text)
                case .end:
                    client.endChunks()
                case .close:
                    client.close()
                    return
                }
            }
        }
    }

    static let lines = Samples.events.split(separator: "\n").map(String.init)

    @Test func objectsArriveAsTheyAreCompleted() throws {
        let feed = Feed<Step>()
        let server = Self.server(feed)
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        let stream = try client.stream("/events", query: [("filters", DockerProvider.eventFilters)])
        #expect(server.targets.first?.hasPrefix("/v1.41/events?filters=%7B%22type%22%3A%5B%22container%22%5D") == true)

        // Nothing yet: a short wait times out.
        #expect(try stream.next(timeout: .milliseconds(30)) == nil)

        // One object per chunk, as dockerd sends them.
        feed.push(.chunk(Self.lines[0] + "\n"))
        let first = try #require(try stream.next(timeout: .seconds(5)))
        #expect(String(decoding: first, as: UTF8.self) == Self.lines[0])
        let event = try JSONDecoder().decode(DockerEvent.self, from: Data(first))
        #expect(event.type == "container")
        #expect(event.action == "start")
        #expect(event.actor?.attributes?["name"] == "lp-sample-healthy")

        // An object split over three chunks, the newline alone in the last.
        let second = Self.lines[1]
        let cut = second.index(second.startIndex, offsetBy: 40)
        feed.push(.chunk(String(second[..<cut])))
        #expect(try stream.next(timeout: .milliseconds(50)) == nil)
        feed.push(.chunk(String(second[cut...])))
        #expect(try stream.next(timeout: .milliseconds(50)) == nil)
        feed.push(.chunk("\n"))
        let split = try #require(try stream.next(timeout: .seconds(5)))
        #expect(String(decoding: split, as: UTF8.self) == second)
        #expect(try JSONDecoder().decode(DockerEvent.self, from: Data(split)).action == "health_status: healthy")

        // Two objects (and a blank line) in one chunk, the chunk itself split mid-size-line across writes.
        let two = Self.lines[2] + "\n\n" + Self.lines[3] + "\n"
        let size = String(two.utf8.count, radix: 16)
        feed.push(.raw(String(size.prefix(1))))
        feed.push(.raw(String(size.dropFirst()) + "\r\n" + two + "\r\n"))
        #expect(String(decoding: try #require(try stream.next(timeout: .seconds(5))), as: UTF8.self) == Self.lines[2])
        #expect(String(decoding: try #require(try stream.next(timeout: .seconds(5))), as: UTF8.self) == Self.lines[3])

        // The daemon ends the stream: an error naming the endpoint.
        feed.push(.end)
        let error = try #require(throws: DockerClientError.self) { try stream.next(timeout: .seconds(5)) }
        #expect(error.description == "Docker at \(server.endpoint): connection closed by the daemon: the stream ended")
    }

    @Test func aDroppedStreamIsAnError() throws {
        let feed = Feed<Step>()
        let server = Self.server(feed)
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        let stream = try client.stream("/events")
        feed.push(.chunk(Self.lines[0].prefix(10) + ""))
        feed.push(.close)
        let error = try #require(throws: DockerClientError.self) { try stream.next(timeout: .seconds(5)) }
        #expect(error.description == """
            Docker at \(server.endpoint): connection closed by the daemon in the middle of the stream
            """)
    }

    @Test func anErrorStatusFailsTheOpening() throws {
        let server = FakeDockerServer { _, client in
            client.respond(500, json: #"{"message":"boom"}"#, reason: "Internal Server Error")
        }
        defer { server.stop() }
        let client = try DockerClient(endpoint: server.endpoint)
        let error = try #require(throws: DockerClientError.self) { try client.stream("/events") }
        #expect(error.status == 500)
        #expect(error.description.hasSuffix("GET /v1.41/events answered 500: boom"))
    }

    @Test func bodyDecoderKeepsWhatFollowsTheBody() throws {
        var decoder = BodyDecoder.chunked()
        var input = Array("5\r\nhello\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n".utf8)
        var output: [UInt8] = []
        #expect(try decoder.decode(&input, into: &output))
        #expect(String(decoding: output, as: UTF8.self) == "hello")
        #expect(String(decoding: input, as: UTF8.self) == "HTTP/1.1 200 OK\r\n")

        decoder = BodyDecoder.length(3)
        input = Array("abcdef".utf8)
        output = []
        #expect(try decoder.decode(&input, into: &output))
        #expect(output == Array("abc".utf8))
        #expect(input == Array("def".utf8))

        decoder = BodyDecoder.chunked()
        input = Array("zz\r\n".utf8)
        #expect(throws: BodyDecoder.Malformed.self) { try decoder.decode(&input, into: &output) }
    }
}
