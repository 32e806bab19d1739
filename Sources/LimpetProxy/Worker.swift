import Glibc
import LimpetConfig
import LimpetHTTP
import LimpetIO
import LimpetRouting
import Logging

/// Everything one event loop owns: its listeners, pools, the snapshot it routes with, and its connections.
final class Worker: LoopHandler {
    let loop: EventLoop
    let settings: EngineSettings
    let entryPoints: [EntryPointSettings]
    let store: SnapshotStore
    let logger: Logger
    let buffers: BufferPool
    let pipes: PipePool
    let copyBuffers: CopyBufferPool
    let headers = HeaderTable(capacity: 128)
    let hostName: [UInt8]
    let healthRegistry: HealthRegistry
    /// Scratch space for middlewares while a request head is rewritten (one at a time per loop): the new path
    /// (`bufferSize` bytes) and extra header lines.
    let pathScratch: UnsafeMutableRawPointer
    var lineScratch: [UInt8] = []
    /// Per-loop randomness for p2c.
    var random: FastRandom
    /// Active health checks, run by worker 0 only; keyed by service, server and check settings.
    private var probes: [String: HealthProbe] = [:]

    private(set) var snapshot: Snapshot
    private var snapshotGeneration: UInt64
    private(set) var services: [ServiceRuntime] = []
    private var serversByURL: [String: ServerRuntime] = [:]

    private var listenFDs: [Int32]
    /// Per entry point: its listener is closed (shutting down), and when it is due to close.
    private var listenerClosed: [Bool]
    private var listenerDeadlines: [UInt64]
    /// Route tables for this worker's entry points (static configuration order), from the current snapshot.
    private var routeTables: [RouteTable?] = []
    /// Called once, on the loop, when draining has closed every connection.
    var onDrained: (() -> Void)?
    private var registration: EventLoop.Registration!
    var connections = 0
    private(set) var draining = false
    /// Sees every connection and exchange of this worker (metrics, access logs); nil: nobody observes, and the
    /// connections skip every call (`ExchangeObserver`).
    var observer: ExchangeObserver?
    private var exchangeSequence: UInt64 = 0

    func nextExchangeID() -> ExchangeID {
        exchangeSequence &+= 1
        return ExchangeID(worker: loop.index, sequence: exchangeSequence)
    }
    private var nextSweep: UInt64 = 0

    init(loop: EventLoop, settings: EngineSettings, entryPoints: [EntryPointSettings], listenFDs: [Int32],
         store: SnapshotStore, hostName: String, health: HealthRegistry, logger: Logger) {
        self.loop = loop
        healthRegistry = health
        random = FastRandom(seed: UInt64(loop.index + 1) &* 0x9E37_79B9_7F4A_7C15 ^ Monotonic.nanoseconds)
        self.settings = settings
        self.entryPoints = entryPoints
        self.listenFDs = listenFDs
        listenerClosed = Array(repeating: false, count: listenFDs.count)
        listenerDeadlines = Array(repeating: 0, count: listenFDs.count)
        self.store = store
        self.logger = logger
        self.hostName = Array(hostName.utf8)
        buffers = BufferPool(size: settings.bufferSize)
        pathScratch = UnsafeMutableRawPointer.allocate(byteCount: settings.bufferSize, alignment: 16)
        lineScratch.reserveCapacity(512)
        pipes = PipePool(pipeSize: settings.pipeSize)
        copyBuffers = CopyBufferPool(size: settings.copyBufferSize, limit: settings.maxCopyBuffers)
        snapshot = store.current()
        snapshotGeneration = snapshot.generation
        registration = loop.register(self)
        adopt(snapshot)
        for (index, fd) in listenFDs.enumerated() {
            loop.poller.accept(fd: fd, token: registration.token(UInt8(index)))
        }
        loop.tickHook = { [unowned self] in self.tick() }
        loop.drainHook = { [unowned self] in self.beginDraining() }
        nextSweep = loop.now + 1_000_000_000
        loop.arm(registration, at: nextSweep)
    }

    /// Between events: pick up a newly published configuration (one atomic load when nothing changed).
    private func tick() {
        let generation = store.generation
        if generation != snapshotGeneration {
            snapshotGeneration = generation
            snapshot = store.current()
            adopt(snapshot)
        }
    }

    func routeTable(entryPoint: Int) -> RouteTable? { routeTables[entryPoint] }

    /// Builds this loop's balancer state for a snapshot, keeping per-server state (pools) by URL.
    private func adopt(_ snapshot: Snapshot) {
        routeTables = entryPoints.map { entryPoint in
            snapshot.entryPointNames.firstIndex(of: entryPoint.name).map { snapshot.routeTables[$0] }
        }
        var keep: [String: ServerRuntime] = [:]
        let previous = Dictionary(services.map { ($0.service.name, $0) }, uniquingKeysWith: { a, _ in a })
        services = snapshot.services.map { service in
            switch service.kind {
            case .loadBalancer(let lb):
                let runtimes = lb.servers.map { def -> ServerRuntime in
                    let runtime = keep[def.url] ?? serversByURL[def.url] ?? ServerRuntime(def)
                    runtime.definition = def
                    keep[def.url] = runtime
                    return runtime
                }
                let checked = lb.healthCheck != nil || lb.passiveHealthCheck != nil
                let health = checked ? lb.servers.map { healthRegistry.health(service: service.name, url: $0.url) } : nil
                return ServiceRuntime(service, servers: runtimes, keys: lb.servers.map(\.url),
                                      weights: lb.servers.map(\.weight), health: health,
                                      previous: previous[service.name])
            case .weighted(let weighted):
                return ServiceRuntime(service, servers: [], keys: weighted.children.map(\.name),
                                      weights: weighted.children.map(\.weight), health: nil,
                                      previous: previous[service.name])
            }
        }
        if loop.index == 0 { reconcileProbes(snapshot) }
        // Servers that left the configuration: close their idle connections.
        for (url, runtime) in serversByURL where keep[url] == nil {
            runtime.retired = true
            for connection in runtime.idle { connection.close(loop: loop) }
            runtime.idle.removeAll()
        }
        serversByURL = keep
    }

    /// Worker 0 runs one probe per (service, server, check settings); probes of servers that left stop.
    private func reconcileProbes(_ snapshot: Snapshot) {
        var wanted: [String: HealthProbe] = [:]
        for service in snapshot.services {
            guard case .loadBalancer(let lb) = service.kind, let check = lb.healthCheck else { continue }
            for server in lb.servers {
                let key = "\(service.name) \(server.url) \(check)"
                if let probe = probes.removeValue(forKey: key) {
                    wanted[key] = probe
                } else if wanted[key] == nil {
                    let probe = HealthProbe(key: key, server: server, check: check,
                                            health: healthRegistry.health(service: service.name, url: server.url),
                                            worker: self)
                    wanted[key] = probe
                    probe.start()
                }
            }
        }
        for probe in probes.values { probe.stop() }
        probes = wanted
    }

    // MARK: accepting

    func complete(op: UInt8, _ completion: Completion) {
        let entryPoint = Int(op)
        let result = completion.result
        let more = completion.more
        if !more && !listenerClosed[entryPoint] {
            loop.poller.accept(fd: listenFDs[entryPoint], token: registration.token(op))  // multishot ended: re-arm
        }
        guard result >= 0 else {
            if result != -ECANCELED {
                logger.warning("accept on entry point \(entryPoints[entryPoint].name) failed: \(IOError("accept", errno: -result))")
            }
            return
        }
        if listenerClosed[entryPoint]
            || (settings.maxConnectionsPerWorker > 0 && connections >= settings.maxConnectionsPerWorker) {
            Posix.close(result)
            return
        }
        connections += 1  // TCP_NODELAY comes from the listener (Socket.listener)
        observer?.connectionOpened(entryPoint: entryPoint)
        let connection = ClientConnection(fd: result, worker: self, entryPoint: entryPoint)
        connection.start()
    }

    /// Once a second: close pooled upstream connections idle longer than `idleConnTimeout`. While shutting
    /// down: close the listeners whose accept grace has passed.
    func timerFired() {
        if draining { closeDueListeners() }
        guard loop.now >= nextSweep else { return }
        let cutoff = loop.now &- settings.idleConnTimeout
        for runtime in serversByURL.values where !runtime.idle.isEmpty {
            while let oldest = runtime.idle.first, oldest.idleSince < cutoff {
                runtime.idle.removeFirst()
                oldest.close(loop: loop)
            }
        }
        nextSweep = loop.now + 1_000_000_000
        loop.arm(registration, at: nextSweep)
    }

    // MARK: upstream pool

    /// A pooled connection to `server` that still looks alive, if any. One idle for a while is checked with a
    /// `MSG_PEEK` first (servers close idle connections after their keep-alive timeout); one just returned is
    /// used as it is, and the idempotent-retry rule covers the rare race.
    func takeIdle(_ server: ServerRuntime) -> UpstreamConnection? {
        while let connection = server.idle.popLast() {
            if loop.now &- connection.idleSince < 200_000_000 || (try? Posix.peek(connection.fd)) == .wouldBlock {
                return connection
            }
            connection.close(loop: loop)
        }
        return nil
    }

    func putIdle(_ connection: UpstreamConnection) {
        let server = connection.server
        guard !draining, !server.retired, server.idle.count < settings.maxIdlePerHost else {
            connection.close(loop: loop)
            return
        }
        connection.owner = nil
        connection.reused = true
        connection.idleSince = loop.now
        server.idle.append(connection)
    }

    /// Graceful stop (SPEC §7.4): idle keep-alive connections close now and busy ones after their exchange
    /// (every response from now on says `Connection: close`); each entry point keeps accepting for its
    /// `requestAcceptGraceTimeout`, and the connections accepted meanwhile get one request each.
    func beginDraining() {
        guard !draining else { return }
        draining = true
        for i in listenFDs.indices {
            listenerDeadlines[i] = loop.now &+ entryPoints[i].acceptGrace
            if entryPoints[i].acceptGrace > 0 { loop.arm(registration, at: listenerDeadlines[i]) }
        }
        for runtime in serversByURL.values {
            for connection in runtime.idle { connection.close(loop: loop) }
            runtime.idle.removeAll()
        }
        closeDueListeners()
        for case let client as ClientConnection in loop.handlers { client.drain() }
        if connections == 0 && !listenerClosed.contains(false) { drained() }
    }

    private func closeDueListeners() {
        var closedAny = false
        for i in listenFDs.indices where !listenerClosed[i] && loop.now >= listenerDeadlines[i] {
            listenerClosed[i] = true
            loop.poller.cancel(fd: listenFDs[i])
            Posix.close(listenFDs[i])
            closedAny = true
            logger.debug("entry point \(entryPoints[i].name): listener closed (worker \(loop.index))")
        }
        guard closedAny else { return }
        // Connections accepted during the grace that never sent a request close now.
        for case let client as ClientConnection in loop.handlers { client.drain() }
        if connections == 0 && !listenerClosed.contains(false) { drained() }
    }

    func connectionClosed(entryPoint: Int) {
        observer?.connectionClosed(entryPoint: entryPoint)
        connections -= 1
        if draining && connections == 0 && !listenerClosed.contains(false) { drained() }
    }

    private func drained() {
        onDrained?()
        onDrained = nil
    }
}
