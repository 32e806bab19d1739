import LimpetConfig
import LimpetIO
import LimpetProviders
import LimpetRouting
import Logging
import Synchronization

/// Re-reads every dynamic file and takes every provider's latest configuration into a new snapshot; a
/// configuration that fails validation is logged and the old one keeps serving. Reloads from the signal thread,
/// the file watcher and the providers are serialised.
final class Reloader: Sendable {
    private let staticConfig: StaticConfig
    private let store: SnapshotStore
    private let hub: ProviderHub
    private let logger: Logger
    private let lock = Mutex<Void>(())

    init(_ staticConfig: StaticConfig, store: SnapshotStore, hub: ProviderHub, logger: Logger) {
        self.staticConfig = staticConfig
        self.store = store
        self.hub = hub
        self.logger = logger
    }

    func reload() {
        lock.withLock { _ in
            do throws(ConfigError) {
                var warnings: [Diagnostic] = []
                let loaded = try ConfigLoader.loadSnapshot(for: staticConfig, generation: store.generation + 1,
                                                           providers: hub.configs, warnings: &warnings)
                for warning in warnings { logger.warning("\(warning)") }
                let next = Draining.carryOver(into: loaded, from: store.current(), now: Monotonic.nanoseconds)
                store.publish(next)
                logger.info("configuration reloaded (generation \(next.generation))")
            } catch {
                for diagnostic in error.diagnostics { logger.error("\(diagnostic)") }
                logger.error("configuration rejected; the previous one keeps serving")
            }
        }
    }
}
