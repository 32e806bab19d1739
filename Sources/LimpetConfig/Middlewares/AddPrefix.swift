import LimpetRouting
import Yams

/// `addPrefix`: puts `prefix` in front of the path.
struct AddPrefix: Middleware {
    static let typeName = "addPrefix"

    var prefix: String

    static func decode(_ node: Node, key: Node, path p: String, reader r: NodeReader) -> AddPrefix? {
        guard let f = r.fields(node, path: p, keys: Keys(["prefix"])) else { return nil }
        let prefix = r.string(f["prefix"], path: "\(p).prefix") ?? ""
        guard prefix.hasPrefix("/") else {
            r.error("\(p).prefix: must start with '/' (found \"\(prefix)\")", at: f["prefix"] ?? key)
            return nil
        }
        return AddPrefix(prefix: prefix)
    }

    func compile(into chain: inout MiddlewareChainBuilder) {
        chain.append(Step(prefix: Array(prefix.utf8)), rewritesPath: true)
    }

    final class Step: MiddlewareStep {
        let prefix: [UInt8]

        init(prefix: [UInt8]) {
            self.prefix = prefix
        }

        func handle(_ request: inout MiddlewareRequest) -> MiddlewareVerdict {
            let fits = prefix.withUnsafeBytes { request.prependPath($0) }
            return fits ? .next : .answer(MiddlewareAnswer(status: 414, body: "414 URI Too Long", close: true))
        }
    }
}
