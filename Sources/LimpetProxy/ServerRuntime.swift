import LimpetRouting

/// Per-loop state of one backend server, keyed by its URL so it survives configuration swaps.
final class ServerRuntime {
    let url: String
    var definition: ServerDef {
        didSet { address = UpstreamAddress(definition.address) }
    }
    private(set) var address: UpstreamAddress
    /// Idle keep-alive connections, most recently used last.
    var idle: [UpstreamConnection] = []
    /// Requests of this loop in flight to this server (p2c, leasttime).
    var inFlight = 0
    /// Moving average of the time to the response head, in ns (leasttime); 0 until measured.
    var averageTTFB: Double = 0
    /// The server left the configuration: its connections are not pooled any more. (A flag rather than a
    /// lookup of `Worker.serversByURL` by URL: that hashed the URL string on every request.)
    var retired = false

    func recordTTFB(_ nanoseconds: UInt64) {
        let sample = Double(nanoseconds)
        averageTTFB = averageTTFB == 0 ? sample : averageTTFB * 0.8 + sample * 0.2
    }

    init(_ definition: ServerDef) {
        url = definition.url
        self.definition = definition
        address = UpstreamAddress(definition.address)
    }
}
