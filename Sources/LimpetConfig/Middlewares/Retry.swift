import LimpetRouting
import Yams

/// `retry`: a request whose server could not be reached is sent again (`RetryPolicy`). No per-request step: the
/// proxy consults `MiddlewareChain.retry` when a dial or send fails.
struct Retry: Middleware {
    static let typeName = "retry"

    var attempts: Int
    var initialInterval: Duration

    static func decode(_ node: Node, key: Node, path p: String, reader r: NodeReader) -> Retry? {
        guard let f = r.fields(node, path: p, keys: Keys(["attempts", "initialInterval"])) else { return nil }
        let attempts = r.int(f["attempts"], path: "\(p).attempts", range: 1...Int.max)
        if f["attempts"] == nil { r.error("\(p).attempts: required", at: key) }
        let interval = r.duration(f["initialInterval"], path: "\(p).initialInterval") ?? .milliseconds(100)
        return attempts.map { Retry(attempts: $0, initialInterval: interval) }
    }

    func compile(into chain: inout MiddlewareChainBuilder) {
        chain.retry = RetryPolicy(attempts: attempts, initialInterval: initialInterval)
    }
}
