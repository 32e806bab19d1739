import Foundation
import Glibc
import LimpetConfig
import LimpetIO
import LimpetProviders
import LimpetRouting
import Logging

/// The proxy process: loads the configuration and sets up logging, then starts its services in order —
/// listeners (one SO_REUSEPORT socket per entry point per worker), workers (one pinned event-loop thread each),
/// providers (file watcher, Docker, Swarm) — and turns signals into reloads (SIGHUP), a log reopening (SIGUSR1)
/// and a graceful stop (SIGTERM, SIGINT: the services stop in reverse order, then the process exits 0).
public enum Proxy {
    public static func run(configPath: String) throws -> Never {
        ProcessControl.blockSignals()  // before any thread starts, so only `waitForSignal` sees them
        let staticConfig = loadStatic(configPath)
        let logFile = openLogFile(staticConfig)
        bootstrapLogging(staticConfig.log.level, file: logFile)
        let logger = Logger(label: "limpet")
        // The watcher reads the files before the first load, so an edit made meanwhile is not missed.
        let watcher = staticConfig.fileProvider?.watch == true ? ConfigWatcher(staticConfig, logger: logger) : nil
        let store = SnapshotStore(loadFirstSnapshot(staticConfig, logger: logger))
        let hub = ProviderHub(throttle: staticConfig.providersThrottleDuration)
        let reloader = Reloader(staticConfig, store: store, hub: hub, logger: logger)

        let workerCount = staticConfig.engine.workers > 0 ? staticConfig.engine.workers : ProcessControl.availableCPUs
        let listeners = ListenerService(staticConfig, workers: workerCount)
        let workers = WorkerService(staticConfig, workers: workerCount, fileLimit: ProcessControl.raiseFileLimit(),
                                    listeners: listeners, store: store, logger: logger)
        let providers = ProviderService(staticConfig, watcher: watcher, hub: hub, reloader: reloader, logger: logger)
        let services = ServiceGroup([listeners, workers, providers])
        do {
            try services.start()
        } catch {
            logger.critical("\(error)")
            exit(1)
        }

        while true {
            let signal = ProcessControl.waitForSignal()
            switch signal {
            case SIGHUP:
                reloader.reload()
            case SIGUSR1:
                reopen(logFile, logger: logger)
            default:
                workers.stopReason = "signal \(signal)"
                services.stop()
                exit(0)
            }
        }
    }

    private static func loadStatic(_ path: String) -> StaticConfig {
        do {
            return try ConfigLoader.loadStatic(path: path)
        } catch {
            for diagnostic in error.diagnostics { FileHandle.standardError.write(Data("\(diagnostic)\n".utf8)) }
            exit(1)
        }
    }

    private static func openLogFile(_ staticConfig: StaticConfig) -> LogFile? {
        guard !staticConfig.log.filePath.isEmpty else { return nil }
        do {
            return try LogFile(path: staticConfig.log.filePath)
        } catch {
            FileHandle.standardError.write(Data("log.filePath: \(error)\n".utf8))
            exit(1)
        }
    }

    private static func bootstrapLogging(_ level: Logger.Level, file logFile: LogFile?) {
        LoggingSystem.bootstrap { label in
            if let logFile { return FileLogHandler(label: label, file: logFile, logLevel: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// The first snapshot (generation 1); a configuration that does not load stops the start.
    private static func loadFirstSnapshot(_ staticConfig: StaticConfig, logger: Logger) -> Snapshot {
        var dynamicWarnings: [Diagnostic] = []
        do {
            let snapshot = try ConfigLoader.loadSnapshot(for: staticConfig, generation: 1, warnings: &dynamicWarnings)
            for warning in staticConfig.warnings + dynamicWarnings { logger.warning("\(warning)") }
            return snapshot
        } catch {
            for diagnostic in error.diagnostics { FileHandle.standardError.write(Data("\(diagnostic)\n".utf8)) }
            exit(1)
        }
    }

    /// SIGUSR1: reopens the log file after a rotation.
    private static func reopen(_ logFile: LogFile?, logger: Logger) {
        guard let logFile else {
            logger.info("SIGUSR1: logs go to standard error; nothing to reopen")
            return
        }
        do {
            try logFile.reopen()
            logger.info("SIGUSR1: reopened \(logFile.path)")
        } catch {
            logger.error("SIGUSR1: cannot reopen the log file: \(error); still writing to the old one")
        }
    }
}
