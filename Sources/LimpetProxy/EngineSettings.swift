import LimpetConfig

/// Settings copied out of the static configuration once, in the units the hot path wants.
struct EngineSettings: Sendable {
    var bufferSize: Int
    var spliceThreshold: Int
    var splice: EngineConfig.Splice
    var pipeSize: Int
    /// Copy buffers for bodies that are not spliced: each is two halves used in turn like the two pipes.
    var copyBufferSize: Int
    var maxCopyBuffers: Int
    var maxIdlePerHost: Int
    var dialTimeout: UInt64
    var responseHeaderTimeout: UInt64
    var idleConnTimeout: UInt64
    var maxConnectionsPerWorker: Int
    /// `engine.upstreamSendBuffer`: 0 leaves upstream sockets' `SO_SNDBUF` to the kernel.
    var upstreamSendBuffer = 0
}


extension EngineSettings {
    init(_ config: StaticConfig, workers: Int, fileLimit: Int) {
        let engine = config.engine
        let transport = config.transport
        // A proxied connection holds two sockets; pipes exist only while a body is spliced and are pooled, so
        // they are not budgeted per connection (an accept that finds no descriptor left is logged and dropped).
        let perWorkerByFiles = max(64, (fileLimit - 64) / max(workers, 1) / 2)
        let configured = engine.maxConnections > 0 ? max(1, engine.maxConnections / max(workers, 1)) : Int.max
        self.init(
            bufferSize: engine.bufferSize,
            spliceThreshold: engine.spliceThreshold,
            splice: engine.splice,
            pipeSize: 1 << 20,
            // 256 KiB (two 128 KiB halves): 64 KiB copied a 100 MiB upload at 1.4x the CPU; 256 KiB at 0.6x
            // HAProxy's. 64 per worker bound them to 16 MiB; past that, bodies splice.
            copyBufferSize: 256 << 10,
            maxCopyBuffers: 64,
            maxIdlePerHost: transport.maxIdleConnsPerHost,
            dialTimeout: transport.dialTimeout.wholeNanoseconds,
            responseHeaderTimeout: transport.responseHeaderTimeout.wholeNanoseconds,
            idleConnTimeout: transport.idleConnTimeout.wholeNanoseconds,
            maxConnectionsPerWorker: min(configured, perWorkerByFiles),
            upstreamSendBuffer: engine.upstreamSendBuffer
        )
    }
}
