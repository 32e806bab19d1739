import LimpetHTTP

/// A streaming response of newline-separated JSON objects (`GET /events`): each call to `next` returns one object
/// as soon as its closing newline has arrived, however the daemon's chunks split it. Owns its connection, closed
/// when the stream is released.
public final class DockerEventStream {
    private let connection: DockerConnection
    private var decoder: BodyDecoder
    /// Body bytes (framing removed) not returned yet.
    private var body: [UInt8] = []
    /// Bytes of `body` already searched for a newline.
    private var searched = 0
    private var ended = false

    /// The longest object accepted: a runaway line means the stream is not what we think it is.
    static let maxObjectLength = 1024 * 1024

    init(_ connection: DockerConnection, head: ResponseHead) {
        self.connection = connection
        self.decoder = BodyDecoder(head)
    }

    /// The next object's bytes (without the newline), or nil when `timeout` (nil: none) passes first. Throws when
    /// the daemon ends the stream or the connection fails; the stream is then unusable.
    public func next(timeout: Duration?) throws(DockerClientError) -> [UInt8]? {
        let deadline = timeout.map { DockerConnection.deadline(after: $0) }
        while true {
            if let line = takeLine() { return line }
            if ended { throw DockerClientError(connection.endpoint, .closed("by the daemon: the stream ended")) }
            if !connection.pending.isEmpty {
                do {
                    if try decoder.decode(&connection.pending, into: &body) { end() }
                } catch {
                    throw DockerClientError(connection.endpoint, .badResponse("malformed chunked stream"))
                }
                if body.count > Self.maxObjectLength {
                    throw DockerClientError(connection.endpoint, .badResponse("an event longer than 1 MiB"))
                }
                continue
            }
            switch try connection.receive(deadline: deadline) {
            case .bytes: continue
            case .timedOut: return nil
            case .endOfStream:
                if !decoder.endsAtClose {
                    throw DockerClientError(connection.endpoint, .closed("by the daemon in the middle of the stream"))
                }
                end()
            }
        }
    }

    /// The body is complete: what follows the last newline is the last object.
    private func end() {
        ended = true
        if !body.isEmpty { body.append(UInt8(ascii: "\n")) }
    }

    /// Removes the first complete, non-blank line from `body`.
    private func takeLine() -> [UInt8]? {
        while let newline = body[searched...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(body[0..<newline])
            body.removeFirst(newline + 1)
            searched = 0
            if line.contains(where: { !Self.isBlank($0) }) { return line }
        }
        searched = body.count
        return nil
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }
}
