import Foundation
import LimpetConfig
import LimpetProviders
import Logging

/// Every provider on a thread of its own (`limpet-<name>`): the file watcher's changes reload at once (it has its
/// own throttle window), Docker's and Swarm's go through the hub, whose thread (`limpet-providers`) reloads once
/// per `providersThrottleDuration` burst.
final class ProviderService: ProcessService {
    var name: String { "providers" }
    private let providers: [any Provider]
    private let hub: ProviderHub
    private let reloader: Reloader

    /// `watcher`: the file watcher, made before the first load (it reads the files then, so that an edit made
    /// while Limpet starts is not missed).
    init(_ staticConfig: StaticConfig, watcher: ConfigWatcher?, hub: ProviderHub, reloader: Reloader,
         logger: Logger) {
        let entryPoints = staticConfig.entryPoints.map(\.name)
        var providers: [any Provider] = []
        if let docker = staticConfig.docker {
            providers.append(DockerProvider(docker, entryPoints: entryPoints, logger: logger))
        }
        if let swarm = staticConfig.swarm {
            providers.append(SwarmProvider(swarm, entryPoints: entryPoints, logger: logger))
        }
        if let watcher { providers.append(watcher) }
        self.providers = providers
        self.hub = hub
        self.reloader = reloader
    }

    func start() throws {
        let (hub, reloader) = (hub, reloader)
        for provider in providers {
            Self.thread("limpet-\(provider.name)") {
                provider.run { update in
                    switch update {
                    case .configuration(let config): hub.publish(config)
                    case .filesChanged: reloader.reload()
                    }
                }
            }
        }
        if providers.contains(where: { !($0 is ConfigWatcher) }) {
            Self.thread("limpet-providers") { hub.run { reloader.reload() } }
        }
    }

    /// Nothing to stop: provider threads only read, and end with the process.
    func stop() {}

    private static func thread(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }
}
