import LimpetHTTP
import LimpetRouting
import Yams

/// `ipAllowList`: the client IP (per `ipStrategy`) must be in one of `sourceRange`, else 403.
struct IPAllowList: Middleware {
    static let typeName = "ipAllowList"
    static let listOptions = ["sourcerange", "ipstrategy.excludedips"]

    var sourceRange: [IPRange]
    /// `ipStrategy.depth`; 0 means the connection's peer address (unless `excludedIPs` are given).
    var depth: Int
    var excludedIPs: [IPRange]

    static func decode(_ node: Node, key: Node, path p: String, reader r: NodeReader) -> IPAllowList? {
        guard let f = r.fields(node, path: p, keys: Keys(["sourceRange", "ipStrategy"],
                                                         unimplemented: ["rejectStatusCode"])) else { return nil }
        let ranges = StaticConfig.ipRanges(f["sourceRange"], path: "\(p).sourceRange", reader: r)
        if f["sourceRange"] == nil { r.error("\(p).sourceRange: required", at: key) }
        var depth = 0
        var excluded: [IPRange] = []
        if let s = f["ipStrategy"],
           let sf = r.fields(s, path: "\(p).ipStrategy", keys: Keys(["depth", "excludedIPs"],
                                                                    unimplemented: ["ipv6Subnet"])) {
            depth = r.int(sf["depth"], path: "\(p).ipStrategy.depth", range: 0...Int.max) ?? 0
            excluded = StaticConfig.ipRanges(sf["excludedIPs"], path: "\(p).ipStrategy.excludedIPs", reader: r)
        }
        return IPAllowList(sourceRange: ranges, depth: depth, excludedIPs: excluded)
    }

    func compile(into chain: inout MiddlewareChainBuilder) {
        chain.append(Step(sourceRange: sourceRange, depth: depth, excludedIPs: excludedIPs))
    }

    final class Step: MiddlewareStep {
        let sourceRange: [IPRange]
        /// > 0: the depth-th `X-Forwarded-For` address from the right is the client.
        let depth: Int
        /// With depth 0: the right-most `X-Forwarded-For` address not in these is the client.
        let excludedIPs: [IPRange]

        init(sourceRange: [IPRange], depth: Int, excludedIPs: [IPRange]) {
            self.sourceRange = sourceRange
            self.depth = depth
            self.excludedIPs = excludedIPs
        }

        /// Whether the strategy reads `X-Forwarded-For` rather than the connection's peer.
        var usesForwardedFor: Bool { depth > 0 || !excludedIPs.isEmpty }

        func handle(_ request: inout MiddlewareRequest) -> MiddlewareVerdict {
            guard let address = clientAddress(request), allows(address) else {
                return .answer(MiddlewareAnswer(status: 403, body: "Forbidden"))
            }
            return .next
        }

        /// The client's address as `ipStrategy` sees it. (Builds a `String` per address it parses: only routers
        /// with this middleware pay it.)
        func clientAddress(_ request: MiddlewareRequest) -> [UInt8]? {
            guard usesForwardedFor else { return IPRange.parseAddress(String(decoding: request.clientIP, as: UTF8.self)) }
            var addresses: [String] = []
            if let headers = request.head.headers {
                for i in 0..<headers.count where headers[i].kind == .xForwardedFor {
                    let value = headers[i].value.bytes(in: request.head.source)
                    for part in value.split(separator: UInt8(ascii: ",")) {
                        let trimmed = part.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
                        let end = trimmed.lastIndex { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
                        guard let end else { continue }
                        addresses.append(String(decoding: trimmed[...end], as: UTF8.self))
                    }
                }
            }
            return clientAddress(forwardedFor: addresses)
        }

        /// Picks the client address out of the `X-Forwarded-For` list (left to right, as received), as Traefik's
        /// depth and pool strategies do; nil when the strategy finds none (the request is refused).
        func clientAddress(forwardedFor list: [String]) -> [UInt8]? {
            if depth > 0 {
                guard depth <= list.count else { return nil }
                return IPRange.parseAddress(list[list.count - depth])
            }
            for text in list.reversed() {
                guard let bytes = IPRange.parseAddress(text) else { continue }
                if !excludedIPs.contains(where: { $0.contains(bytes: bytes) }) { return bytes }
            }
            return nil
        }

        func allows(_ address: [UInt8]) -> Bool {
            sourceRange.contains { $0.contains(bytes: address) }
        }
    }
}
