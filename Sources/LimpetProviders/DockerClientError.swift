import Glibc

/// A failed call to the Docker Engine API. Its description names the endpoint, what went wrong and, where it helps,
/// what to check.
public struct DockerClientError: Error, Sendable, CustomStringConvertible {
    enum Code: Sendable, Equatable {
        /// The endpoint is not `unix:///path` or `tcp://host:port`.
        case badEndpoint(String)
        /// A system call failed (`connect`, `send`, `recv`, `getaddrinfo`…).
        case system(call: String, errno: Int32)
        /// A host name that did not resolve.
        case resolve(host: String, reason: String)
        /// No answer within the time limit.
        case timeout(String)
        /// The daemon closed the connection before the response was complete.
        case closed(String)
        /// Bytes that are not a valid HTTP/1.1 response.
        case badResponse(String)
        /// A well-formed response with an error status; `message` is the daemon's own (`{"message": …}`).
        case status(Int, path: String, message: String)
        /// A 2xx body that is not the JSON expected.
        case badJSON(path: String, reason: String)
    }

    /// The endpoint as configured (`unix:///var/run/docker.sock`).
    public let endpoint: String
    let code: Code

    init(_ endpoint: String, _ code: Code) {
        self.endpoint = endpoint
        self.code = code
    }

    /// The HTTP status of an error response, nil for every other failure.
    public var status: Int? {
        if case .status(let status, _, _) = code { return status }
        return nil
    }

    public var description: String {
        let at = "Docker at \(endpoint)"
        switch code {
        case .badEndpoint(let why):
            return "Docker endpoint \"\(endpoint)\": \(why); use unix:///path/to/docker.sock or tcp://host:port"
        case .system(let call, let errno):
            return "\(at): \(call): \(Self.errnoText(errno))\(Self.hint(call: call, errno: errno))"
        case .resolve(let host, let reason):
            return "\(at): cannot resolve \(host): \(reason)"
        case .timeout(let what):
            return "\(at): timed out \(what)"
        case .closed(let what):
            return "\(at): connection closed \(what)"
        case .badResponse(let why):
            return "\(at): invalid HTTP response: \(why)"
        case .status(let status, let path, let message):
            let detail = message.isEmpty ? "" : ": \(message)"
            return "\(at): GET \(path) answered \(status)\(detail)"
        case .badJSON(let path, let reason):
            return "\(at): GET \(path): unexpected JSON: \(reason)"
        }
    }

    static func errnoText(_ errno: Int32) -> String {
        guard let text = strerror(errno) else { return "errno \(errno)" }
        return String(cString: text)
    }

    private static func hint(call: String, errno: Int32) -> String {
        guard call == "connect" else { return "" }
        switch errno {
        case ENOENT: return " (is dockerd running, and is its socket mounted into this container?)"
        case EACCES: return " (Limpet's user needs read and write access to the socket: the docker group, say)"
        case ECONNREFUSED: return " (is dockerd running?)"
        case EAGAIN: return " (the daemon's accept queue is full)"
        default: return ""
        }
    }
}
