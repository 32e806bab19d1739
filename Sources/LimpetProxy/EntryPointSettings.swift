import LimpetConfig
import LimpetRouting

/// Per-entry-point settings, in nanoseconds.
struct EntryPointSettings: Sendable {
    var name: String
    var readTimeout: UInt64
    /// 0: none.
    var writeTimeout: UInt64 = 0
    var idleTimeout: UInt64
    var trusted: [IPRange]
    var insecureForwarded: Bool
    var port: UInt16
    /// `lifeCycle.requestAcceptGraceTimeout`: how long the listener stays open after SIGTERM.
    var acceptGrace: UInt64 = 0
}


extension EntryPointSettings {
    init(_ config: EntryPointConfig) {
        self.init(name: config.name, readTimeout: config.readTimeout.wholeNanoseconds,
                  writeTimeout: config.writeTimeout.wholeNanoseconds,
                  idleTimeout: config.idleTimeout.wholeNanoseconds, trusted: config.trustedIPs,
                  insecureForwarded: config.insecureForwarded, port: config.port,
                  acceptGrace: config.requestAcceptGraceTimeout.wholeNanoseconds)
    }
}
