import Foundation

/// A blocking client of the Docker Engine API: HTTP/1.1 over the daemon's Unix socket (or plain `tcp://`), on
/// Limpet's own response scanner and chunked framing. Meant for a provider's own thread, never an event loop; one
/// thread uses an instance at a time.
///
/// Requests go to versioned paths (`/v1.41/containers/json`). `negotiate()` asks `GET /version` which versions the
/// daemon accepts and picks `preferredAPIVersion` clamped to them: 1.41 on Docker 20.10 and every later engine
/// that still accepts it (up to 28.x), the daemon's own version on an older engine, and the oldest it accepts on
/// an engine that dropped 1.41 (Docker 29 requires 1.44 or later). The fields read here are the same in all of
/// them. Before `negotiate()`, paths use `preferredAPIVersion`.
///
/// One idle connection is kept between requests and reused; a request that finds it closed by the daemon is sent
/// again once on a fresh connection (every request is a GET).
public final class DockerClient {
    /// The endpoint as configured, named by every error.
    public let endpoint: String
    let target: DockerEndpoint
    /// Limit for connecting.
    public var connectTimeout: Duration
    /// Limit for each wait for bytes of a response (the event stream has none).
    public var readTimeout: Duration
    /// The largest response body accepted.
    public var maxBodyLength = 64 * 1024 * 1024
    /// The version in request paths, e.g. `1.41`.
    public private(set) var apiVersion = DockerClient.preferredAPIVersion

    /// The API version Limpet was written against: Docker 20.10.
    public static let preferredAPIVersion = "1.41"

    private var idle: DockerConnection?

    /// A client of the daemon at `endpoint` (`unix:///var/run/docker.sock` or `tcp://host:port`). Nothing is
    /// connected yet.
    public init(endpoint: String, connectTimeout: Duration = .seconds(5), readTimeout: Duration = .seconds(30))
        throws(DockerClientError)
    {
        self.endpoint = endpoint
        self.target = try DockerEndpoint.parse(endpoint)
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    /// Asks the daemon for its version and picks the API version used from then on (see the type's notes).
    @discardableResult
    public func negotiate() throws(DockerClientError) -> DockerVersion {
        let version = try decode(DockerVersion.self, from: get(rawPath: "/version"), path: "/version")
        apiVersion = Self.chooseAPIVersion(min: version.minAPIVersion, max: version.apiVersion)
        return version
    }

    /// `preferredAPIVersion`, raised to the daemon's minimum and lowered to its maximum (either may be unknown).
    static func chooseAPIVersion(min: String?, max: String?) -> String {
        guard let ours = APIVersion(preferredAPIVersion) else { return preferredAPIVersion }
        var chosen = ours
        if let min = min.flatMap(APIVersion.init), chosen < min { chosen = min }
        if let max = max.flatMap(APIVersion.init), max < chosen { chosen = max }
        return chosen.description
    }

    /// The body of a 2xx answer to `GET /v{apiVersion}{path}?{query}`; the query values are percent-encoded here.
    public func get(_ path: String, query: [(String, String)] = []) throws(DockerClientError) -> [UInt8] {
        try get(rawPath: versioned(path, query: query))
    }

    /// `get` decoded as JSON.
    func get<T: Decodable>(_ type: T.Type, _ path: String, query: [(String, String)] = []) throws(DockerClientError)
        -> T
    {
        try decode(type, from: get(path, query: query), path: path)
    }

    /// Opens `GET /v{apiVersion}{path}?{query}` as a stream of newline-separated JSON objects (`/events`). The
    /// stream owns its own connection.
    public func stream(_ path: String, query: [(String, String)] = []) throws(DockerClientError) -> DockerEventStream {
        let target = versioned(path, query: query)
        let connection = try DockerConnection.open(self.target, endpoint: endpoint, timeout: connectTimeout)
        try connection.send(request(target), timeout: readTimeout)
        let head = try connection.readHead(timeout: readTimeout)
        guard (200..<300).contains(head.status) else {
            let body = (try? connection.readBody(head, limit: 64 * 1024, timeout: readTimeout)) ?? []
            throw statusError(head.status, path: target, body: body)
        }
        return DockerEventStream(connection, head: head)
    }

    /// Closes the idle connection, if any.
    public func close() {
        idle = nil
    }

    // MARK: requests

    private func versioned(_ path: String, query: [(String, String)]) -> String {
        var target = "/v\(apiVersion)\(path)"
        if !query.isEmpty {
            target += "?" + query.map { "\(Self.percentEncode($0.0))=\(Self.percentEncode($0.1))" }
                .joined(separator: "&")
        }
        return target
    }

    private func request(_ target: String) -> [UInt8] {
        Array(
            """
            GET \(target) HTTP/1.1\r
            Host: \(self.target.hostHeader)\r
            User-Agent: limpet\r
            Accept: application/json\r
            \r

            """.utf8)
    }

    func get(rawPath target: String) throws(DockerClientError) -> [UInt8] {
        if let connection = idle {
            idle = nil
            if !connection.isDeadWhileIdle {
                do {
                    return try exchange(target, on: connection)
                } catch {
                    // The daemon may have closed the connection just as it was reused: try once more, fresh.
                    guard !connection.receivedAny, Self.isStale(error) else { throw error }
                }
            }
        }
        let connection = try DockerConnection.open(self.target, endpoint: endpoint, timeout: connectTimeout)
        return try exchange(target, on: connection)
    }

    private static func isStale(_ error: DockerClientError) -> Bool {
        switch error.code {
        case .closed: return true
        case .system(_, let errno): return errno == EPIPE || errno == ECONNRESET
        default: return false
        }
    }

    private func exchange(_ target: String, on connection: DockerConnection) throws(DockerClientError) -> [UInt8] {
        try connection.send(request(target), timeout: readTimeout)
        let head = try connection.readHead(timeout: readTimeout)
        let body = try connection.readBody(head, limit: maxBodyLength, timeout: readTimeout)
        if head.keepAlive && !BodyDecoder(head).endsAtClose && connection.pending.isEmpty { idle = connection }
        guard (200..<300).contains(head.status) else { throw statusError(head.status, path: target, body: body) }
        return body
    }

    private func statusError(_ status: Int, path: String, body: [UInt8]) -> DockerClientError {
        let message = (try? JSONDecoder().decode(DockerErrorBody.self, from: Data(body)).message)
            ?? String(decoding: body.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return DockerClientError(endpoint, .status(status, path: path, message: message))
    }

    func decode<T: Decodable>(_ type: T.Type, from body: [UInt8], path: String) throws(DockerClientError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw DockerClientError(endpoint, .badJSON(path: path, reason: Self.describe(error)))
        }
    }

    /// A decoding error as `Spec.Name: key not found`.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "" : "\(keys.drop(while: { $0 == "." })): "
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context))missing \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context))\(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return out
    }
}

/// `major.minor`, ordered.
struct APIVersion: Comparable, CustomStringConvertible {
    var major: Int
    var minor: Int

    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0 else {
            return nil
        }
        self.major = major
        self.minor = minor
    }

    static func < (a: APIVersion, b: APIVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }

    var description: String { "\(major).\(minor)" }
}
