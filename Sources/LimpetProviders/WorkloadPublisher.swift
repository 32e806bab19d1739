import LimpetConfig
import Logging

/// Turns a provider's workloads into its `DynamicConfig` and publishes it when, and only when, they changed. Notes
/// are logged the first time they appear (a problem that persists is not repeated every poll), the label
/// decoder's diagnostics each time the configuration changes.
final class WorkloadPublisher {
    private let options: LabelProviderOptions
    private let logger: Logger
    private let publish: @Sendable (DynamicConfig) -> Void
    /// `providers.docker`, `providers.swarm`: the prefix of every log line.
    private let prefix: String
    private var published: [LabeledWorkload]?
    private var notes: [ProviderNote] = []

    init(options: LabelProviderOptions, logger: Logger, prefix: String,
         publish: @escaping @Sendable (DynamicConfig) -> Void)
    {
        self.options = options
        self.logger = logger
        self.prefix = prefix
        self.publish = publish
    }

    /// True when a new configuration was published.
    @discardableResult
    func offer(_ workloads: [LabeledWorkload], notes: [ProviderNote]) -> Bool {
        for note in notes where !self.notes.contains(note) {
            logger.log(level: note.level, "\(prefix): \(note.message)")
        }
        self.notes = notes
        guard workloads != published else { return false }
        published = workloads
        let (config, diagnostics) = LabelDecoder.decode(workloads, options: options)
        for diagnostic in diagnostics {
            // The decoder's diagnostics name the provider and the container or service themselves.
            if diagnostic.isWarning {
                logger.warning("\(diagnostic)")
            } else {
                logger.error("\(diagnostic)")
            }
        }
        logger.info("\(prefix): configuration changed (\(workloads.count) workload(s))")
        publish(config)
        return true
    }
}

extension Duration {
    /// `1.5s`, `250ms`: for log lines.
    var logText: String {
        let ms = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        if ms > 1000 { return "\(Double(ms) / 1000)s" }
        return "\(ms)ms"
    }
}
