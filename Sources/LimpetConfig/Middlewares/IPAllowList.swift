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
            let allowed = withUnsafeTemporaryAllocation(byteCount: 16, alignment: 8) { out in
                guard let count = clientAddress(request, into: out.baseAddress!) else { return false }
                return allows(UnsafeRawBufferPointer(start: out.baseAddress, count: count))
            }
            return allowed ? .next : .answer(MiddlewareAnswer(status: 403, body: "Forbidden"))
        }

        /// The client's address as `ipStrategy` sees it, written to `out` (16 bytes); its length, or nil when the
        /// strategy finds none (the request is refused). As Traefik's depth and pool strategies do, the
        /// `X-Forwarded-For` list (every such header, in order) is read from the right.
        func clientAddress(_ request: MiddlewareRequest, into out: UnsafeMutableRawPointer) -> Int? {
            guard usesForwardedFor else { return IPRange.parseAddress(request.clientIP, into: out) }
            var found: Int?
            var position = 0
            Self.forEachForwardedFor(request) { text in
                position += 1
                if depth > 0 {
                    guard position == depth else { return true }
                    found = IPRange.parseAddress(text, into: out)
                    return false
                }
                guard let count = IPRange.parseAddress(text, into: out) else { return true }
                let address = UnsafeRawBufferPointer(start: out, count: count)
                guard excludedIPs.contains(where: { $0.contains(address) }) else {
                    found = count
                    return false
                }
                return true
            }
            return found
        }

        /// Calls `body` with each `X-Forwarded-For` address, trimmed, from the right-most on, while it returns true.
        private static func forEachForwardedFor(_ request: MiddlewareRequest,
                                                _ body: (UnsafeRawBufferPointer) -> Bool) {
            guard let headers = request.head.headers else { return }
            var i = headers.count
            while i > 0 {
                i -= 1
                guard headers[i].kind == .xForwardedFor else { continue }
                let value = headers[i].value.bytes(in: request.head.source)
                var end = value.count
                while end > 0 {
                    var start = end
                    while start > 0 && value[start - 1] != UInt8(ascii: ",") { start -= 1 }
                    var first = start
                    var last = end
                    while first < last && (value[first] == UInt8(ascii: " ") || value[first] == UInt8(ascii: "\t")) {
                        first += 1
                    }
                    while last > first && (value[last - 1] == UInt8(ascii: " ") || value[last - 1] == UInt8(ascii: "\t")) {
                        last -= 1
                    }
                    if first < last && !body(UnsafeRawBufferPointer(rebasing: value[first..<last])) { return }
                    end = start - 1
                }
            }
        }

        func allows(_ address: UnsafeRawBufferPointer) -> Bool {
            sourceRange.contains { $0.contains(address) }
        }
    }
}
