import Foundation
import Glibc
import LimpetConfig
import LimpetIO
import LimpetProviders
import LimpetRouting
import Logging
import Synchronization

/// The proxy process: loads the configuration, binds one SO_REUSEPORT listener per entry point per worker,
/// starts one pinned event-loop thread per worker, then turns signals into reloads and a graceful stop.
public enum Proxy {
    public static func run(configPath: String) throws -> Never {
        ProcessControl.blockSignals()  // before any thread starts, so only `waitForSignal` sees them
        let staticConfig: StaticConfig
        do {
            staticConfig = try ConfigLoader.loadStatic(path: configPath)
        } catch {
            for diagnostic in error.diagnostics { FileHandle.standardError.write(Data("\(diagnostic)\n".utf8)) }
            exit(1)
        }
        let level = staticConfig.log.level
        var logFile: LogFile?
        if !staticConfig.log.filePath.isEmpty {
            do {
                logFile = try LogFile(path: staticConfig.log.filePath)
            } catch {
                FileHandle.standardError.write(Data("log.filePath: \(error)\n".utf8))
                exit(1)
            }
        }
        LoggingSystem.bootstrap { [logFile] label in
            if let logFile { return FileLogHandler(label: label, file: logFile, logLevel: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "limpet")
        // The watcher reads the files before the first load, so an edit made meanwhile is not missed.
        let watcher = staticConfig.fileProvider?.watch == true ? ConfigWatcher(staticConfig, logger: logger) : nil
        let snapshot: Snapshot
        var dynamicWarnings: [Diagnostic] = []
        do {
            snapshot = try ConfigLoader.loadSnapshot(for: staticConfig, generation: 1, warnings: &dynamicWarnings)
        } catch {
            for diagnostic in error.diagnostics { FileHandle.standardError.write(Data("\(diagnostic)\n".utf8)) }
            exit(1)
        }
        for warning in staticConfig.warnings + dynamicWarnings { logger.warning("\(warning)") }

        let workerCount = staticConfig.engine.workers > 0 ? staticConfig.engine.workers : ProcessControl.availableCPUs
        let fileLimit = ProcessControl.raiseFileLimit()
        let settings = EngineSettings(staticConfig, workers: workerCount, fileLimit: Int(fileLimit))
        let entryPoints = staticConfig.entryPoints.map(EntryPointSettings.init)
        let store = SnapshotStore(snapshot)
        let hub = ProviderHub(throttle: staticConfig.providersThrottleDuration)
        let health = HealthRegistry()

        // Bind everything up front so a busy port fails the start with a clear message.
        var listeners: [[Int32]] = []
        for _ in 0..<workerCount {
            var fds: [Int32] = []
            for entryPoint in staticConfig.entryPoints {
                do {
                    fds.append(try listen(entryPoint, deferAcceptSeconds: staticConfig.engine.deferAcceptSeconds))
                } catch {
                    logger.critical("entry point \(entryPoint.name): cannot listen on \(entryPoint.address): \(error)")
                    exit(1)
                }
            }
            listeners.append(fds)
        }

        let hostName = ProcessInfo.processInfo.hostName
        let loops = Mutex<[LoopReference?]>(Array(repeating: nil, count: workerCount))
        let running = Atomic<Int>(workerCount)
        let started = DispatchSemaphore(value: 0)
        for index in 0..<workerCount {
            let fds = listeners[index]
            let thread = Thread {
                ProcessControl.pinCurrentThread(index)
                let poller = makePoller(staticConfig.engine, logger: logger, announce: index == 0)
                do {
                    let loop = try EventLoop(index: index, poller: poller)
                    let worker = Worker(loop: loop, settings: settings, entryPoints: entryPoints, listenFDs: fds,
                                        store: store, hostName: hostName, health: health, logger: logger)
                    worker.onDrained = { running.subtract(1, ordering: .sequentiallyConsistent) }
                    loops.withLock { $0[index] = LoopReference(loop: loop) }
                    started.signal()
                    try loop.run()
                    withExtendedLifetime(worker) {}
                } catch {
                    logger.critical("worker \(index): \(error)")
                    exit(1)
                }
            }
            thread.name = "limpet-\(index)"
            thread.start()
        }
        for _ in 0..<workerCount { started.wait() }
        let addresses = staticConfig.entryPoints.map { "\($0.name)=\($0.address)" }.joined(separator: " ")
        logger.info("limpet \(limpetVersion) serving \(addresses) with \(workerCount) worker(s)")

        // Docker and Swarm: each provider on its own thread; their changes reload through the hub.
        if let docker = staticConfig.docker {
            let provider = DockerProvider(docker, entryPoints: staticConfig.entryPoints.map(\.name), logger: logger,
                                          publish: { hub.publish($0) })
            start("limpet-docker") { provider.run() }
        }
        if let swarm = staticConfig.swarm {
            let provider = SwarmProvider(swarm, entryPoints: staticConfig.entryPoints.map(\.name), logger: logger,
                                         publish: { hub.publish($0) })
            start("limpet-swarm") { provider.run() }
        }
        if staticConfig.docker != nil || staticConfig.swarm != nil {
            start("limpet-providers") { hub.run { reload(staticConfig, store: store, hub: hub, logger: logger) } }
        }
        if let watcher {
            let thread = Thread { [watcher] in
                watcher.run { reload(staticConfig, store: store, hub: hub, logger: logger) }
            }
            thread.name = "limpet-watch"
            thread.start()
        }

        while true {
            let signal = ProcessControl.waitForSignal()
            switch signal {
            case SIGHUP:
                reload(staticConfig, store: store, hub: hub, logger: logger)
            case SIGUSR1:
                if let logFile {
                    do {
                        try logFile.reopen()
                        logger.info("SIGUSR1: reopened \(logFile.path)")
                    } catch {
                        logger.error("SIGUSR1: cannot reopen the log file: \(error); still writing to the old one")
                    }
                } else {
                    logger.info("SIGUSR1: logs go to standard error; nothing to reopen")
                }
            default:
                // In-flight requests get `graceTimeOut` once the entry point has stopped accepting.
                let grace = staticConfig.entryPoints.map {
                    seconds($0.requestAcceptGraceTimeout) + seconds($0.graceTimeout)
                }.max() ?? 10
                logger.info("shutting down (signal \(signal)): finishing in-flight requests for up to \(grace)s")
                let all = loops.withLock { $0.compactMap { $0 } }
                for reference in all { reference.loop.execute { reference.loop.drainHook?() } }
                let deadline = Date().addingTimeInterval(grace)
                while running.load(ordering: .sequentiallyConsistent) > 0 && Date() < deadline {
                    usleep(20_000)
                }
                let left = running.load(ordering: .sequentiallyConsistent)
                if left > 0 {
                    logger.warning("grace period over: closing what \(left) worker(s) still had in flight")
                } else {
                    logger.info("all connections finished; exiting")
                }
                exit(0)
            }
        }
    }

    /// Starts a named thread.
    static func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }

    /// Serialises reloads from the signal thread, the file watcher and the providers.
    static let reloading = Mutex<Void>(())

    /// Re-reads every dynamic file; a configuration that fails validation is logged and the old one keeps serving.
    static func reload(_ staticConfig: StaticConfig, store: SnapshotStore, hub: ProviderHub, logger: Logger) {
        reloading.withLock { _ in reloadLocked(staticConfig, store: store, hub: hub, logger: logger) }
    }

    private static func reloadLocked(_ staticConfig: StaticConfig, store: SnapshotStore, hub: ProviderHub,
                                     logger: Logger) {
        do {
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

    static func makePoller(_ engine: EngineConfig, logger: Logger, announce: Bool) -> Poller {
        if engine.io != .epoll {
            do {
                let poller = try URingPoller(entries: engine.ringEntries, providedBuffers: 256,
                                             providedBufferSize: engine.bufferSize)
                if announce { logger.info("I/O: io_uring (\(engine.ringEntries) entries)") }
                return poller
            } catch {
                if engine.io == .ioUring {
                    logger.critical("engine.io is io_uring but it cannot be set up: \(error)")
                    exit(1)
                }
                if announce { logger.notice("I/O: epoll (io_uring unavailable: \(error))") }
            }
        } else if announce {
            logger.info("I/O: epoll")
        }
        do {
            return try EpollPoller(providedBufferSize: engine.bufferSize)
        } catch {
            logger.critical("epoll: \(error)")
            exit(1)
        }
    }

    /// A listener for this worker. No host means every interface, IPv4 and IPv6 (a dual-stack `::` socket).
    /// `deferAcceptSeconds` > 0 sets `TCP_DEFER_ACCEPT` (`engine.deferAccept`).
    static func listen(_ entryPoint: EntryPointConfig, deferAcceptSeconds: Int32) throws -> Int32 {
        let address = try SocketAddress.resolve(host: entryPoint.host ?? "::", port: entryPoint.port)
        var storage = address.storage
        let socket = try withUnsafePointer(to: &storage) { pointer throws(IOError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddr throws(IOError) in
                try Socket.listener(address: sockaddr, length: address.length, backlog: 4096,
                                    deferAcceptSeconds: deferAcceptSeconds)
            }
        }
        return socket.release()
    }
}

func seconds(_ duration: Duration) -> Double { Double(duration.wholeNanoseconds) / 1e9 }

/// Hands a loop to the signal thread, which only ever calls its thread-safe `execute`.
struct LoopReference: @unchecked Sendable {
    let loop: EventLoop
}
