import Dispatch
import Glibc
import LimpetConfig
import Synchronization

/// The latest configuration of each provider besides the files (Docker, Swarm), and the reloads their changes
/// trigger: the first change opens a `providersThrottleDuration` window, and one reload then takes every
/// provider's latest configuration (SPEC §3, §8).
public final class ProviderHub: Sendable {
    private struct State {
        var configs: [String: DynamicConfig] = [:]
        var pending = false
    }
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let throttle: UInt64

    public init(throttle: Duration) {
        self.throttle = throttle.wholeNanoseconds
    }

    /// A provider's new configuration (called from its own thread).
    public func publish(_ config: DynamicConfig) {
        let first = state.withLock { state -> Bool in
            state.configs[config.provider] = config
            defer { state.pending = true }
            return !state.pending
        }
        if first { wake.signal() }
    }

    /// Every provider that has published, in a stable order.
    public var configs: [DynamicConfig] {
        state.withLock { $0.configs.values.sorted { $0.provider < $1.provider } }
    }

    /// Runs forever on the calling thread: one `reload` per burst of publications.
    public func run(reload: () -> Void) -> Never {
        while true {
            wake.wait()
            if throttle > 0 { usleep(UInt32(min(throttle / 1000, UInt64(UInt32.max)))) }
            state.withLock { $0.pending = false }  // a publication from now on triggers another reload
            reload()
        }
    }
}
