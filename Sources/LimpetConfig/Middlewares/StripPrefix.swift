import LimpetRouting
import Yams

/// `stripPrefix`: removes the first listed prefix the path starts with and tells the server in
/// `X-Forwarded-Prefix`.
struct StripPrefix: Middleware {
    static let typeName = "stripPrefix"
    static let listOptions = ["prefixes"]

    var prefixes: [String]

    static func decode(_ node: Node, key: Node, path p: String, reader r: NodeReader) -> StripPrefix? {
        guard let f = r.fields(node, path: p, keys: Keys(["prefixes"], unimplemented: ["forceSlash"])) else {
            return nil
        }
        let prefixes = r.stringList(f["prefixes"], path: "\(p).prefixes") ?? []
        if prefixes.isEmpty { r.error("\(p).prefixes: at least one prefix is required", at: f["prefixes"] ?? key) }
        return prefixes.isEmpty ? nil : StripPrefix(prefixes: prefixes.map(\.value))
    }

    func compile(into chain: inout MiddlewareChainBuilder) {
        chain.append(Step(prefixes: prefixes.map { Array($0.utf8) }), rewritesPath: true)
    }

    final class Step: MiddlewareStep {
        let prefixes: [[UInt8]]

        init(prefixes: [[UInt8]]) {
            self.prefixes = prefixes
        }

        func handle(_ request: inout MiddlewareRequest) -> MiddlewareVerdict {
            guard let (index, drop, slash) = StripPrefix.strip(request.path, prefixes: prefixes) else { return .next }
            request.dropPathPrefix(drop, slash: slash)
            // Set, not added: after two stripPrefix the server sees the last prefix stripped, as with Traefik.
            request.lines.removeAll(keepingCapacity: true)
            request.lines += "X-Forwarded-Prefix: ".utf8
            request.lines += prefixes[index]
            request.lines += "\r\n".utf8
            return .next
        }
    }

    /// The first of `prefixes` that `path` starts with: its index, how many bytes of `path` to drop, and whether a
    /// `/` must be put in front of the rest; nil when none matches.
    static func strip(_ path: UnsafeRawBufferPointer, prefixes: [[UInt8]]) -> (prefix: Int, drop: Int, slash: Bool)? {
        for (index, prefix) in prefixes.enumerated() where prefix.count <= path.count {
            var i = 0
            while i < prefix.count && path[i] == prefix[i] { i += 1 }
            guard i == prefix.count else { continue }
            let rest = path.count - prefix.count
            return (index, prefix.count, rest == 0 || path[prefix.count] != UInt8(ascii: "/"))
        }
        return nil
    }
}
