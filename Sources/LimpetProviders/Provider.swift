import LimpetConfig

/// What a provider reports after a change it saw.
public enum ProviderUpdate: Sendable {
    /// Docker, Swarm: the provider's whole new configuration (see `ProviderHub`).
    case configuration(DynamicConfig)
    /// The file provider: its files changed on disk and must be read again.
    case filesChanged
}

/// A source of dynamic configuration besides the static file: the file watcher, Docker, Swarm. Each runs on a
/// thread of its own, forever, and reports its changes through `update`; a new provider is one more conforming
/// type. (`DaemonWatchLoop` is the reconnect-and-back-off loop the Docker API providers share.)
public protocol Provider: AnyObject, Sendable {
    /// `file`, `docker`, `swarm`: its thread is `limpet-<name>`.
    var name: String { get }
    /// Runs forever on the calling thread.
    func run(update: @escaping @Sendable (ProviderUpdate) -> Void) -> Never
}
