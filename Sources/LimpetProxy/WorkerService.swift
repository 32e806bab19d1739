import Foundation
import LimpetConfig
import LimpetIO
import Logging
import Synchronization

/// One pinned event-loop thread per worker, each with its listeners; `stop` is the graceful stop (SPEC §7.4):
/// every loop drains, and `stop` returns once all are drained or the longest grace period has passed.
final class WorkerService: ProcessService {
    var name: String { "workers" }
    private let staticConfig: StaticConfig
    private let settings: EngineSettings
    private let listeners: ListenerService
    private let store: SnapshotStore
    private let logger: Logger
    private let count: Int
    private let table: LoopTable
    /// Why the process stops (`signal 15`), for the first line `stop` logs.
    var stopReason = "stop requested"

    init(_ staticConfig: StaticConfig, workers: Int, fileLimit: Int, listeners: ListenerService,
         store: SnapshotStore, logger: Logger) {
        self.staticConfig = staticConfig
        settings = EngineSettings(staticConfig, workers: workers, fileLimit: fileLimit)
        self.listeners = listeners
        self.store = store
        self.logger = logger
        count = workers
        table = LoopTable(workers)
    }

    /// Starts the threads and returns once every loop runs.
    func start() throws {
        let entryPoints = staticConfig.entryPoints.map(EntryPointSettings.init)
        let hostName = ProcessInfo.processInfo.hostName
        let health = HealthRegistry()
        let started = DispatchSemaphore(value: 0)
        let (staticConfig, settings, store, logger, table) = (staticConfig, settings, store, logger, table)
        for index in 0..<count {
            let fds = listeners.descriptors[index]
            let thread = Thread {
                ProcessControl.pinCurrentThread(index)
                let poller = Self.makePoller(staticConfig.engine, logger: logger, announce: index == 0)
                do {
                    let loop = try EventLoop(index: index, poller: poller)
                    let worker = Worker(loop: loop, settings: settings, entryPoints: entryPoints, listenFDs: fds,
                                        store: store, hostName: hostName, health: health, logger: logger)
                    worker.onDrained = { table.running.subtract(1, ordering: .sequentiallyConsistent) }
                    table.loops.withLock { $0[index] = LoopReference(loop: loop) }
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
        for _ in 0..<count { started.wait() }
        let addresses = staticConfig.entryPoints.map { "\($0.name)=\($0.address)" }.joined(separator: " ")
        logger.info("limpet \(limpetVersion) serving \(addresses) with \(count) worker(s)")
    }

    /// Drains every loop; in-flight requests get `graceTimeOut` once their entry point has stopped accepting.
    func stop() {
        let grace = staticConfig.entryPoints.map {
            seconds($0.requestAcceptGraceTimeout) + seconds($0.graceTimeout)
        }.max() ?? 10
        logger.info("shutting down (\(stopReason)): finishing in-flight requests for up to \(grace)s")
        let all = table.loops.withLock { $0.compactMap { $0 } }
        for reference in all { reference.loop.execute { reference.loop.drainHook?() } }
        let deadline = Date().addingTimeInterval(grace)
        while table.running.load(ordering: .sequentiallyConsistent) > 0 && Date() < deadline {
            usleep(20_000)
        }
        let left = table.running.load(ordering: .sequentiallyConsistent)
        if left > 0 {
            logger.warning("grace period over: closing what \(left) worker(s) still had in flight")
        } else {
            logger.info("all connections finished; exiting")
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
}

func seconds(_ duration: Duration) -> Double { Double(duration.wholeNanoseconds) / 1e9 }

/// The loops, as the signal thread reaches them, and how many have not finished draining.
private final class LoopTable: Sendable {
    let loops: Mutex<[LoopReference?]>
    let running: Atomic<Int>

    init(_ count: Int) {
        loops = Mutex(Array(repeating: nil, count: count))
        running = Atomic(count)
    }
}

/// Hands a loop to the signal thread, which only ever calls its thread-safe `execute`.
struct LoopReference: @unchecked Sendable {
    let loop: EventLoop
}
