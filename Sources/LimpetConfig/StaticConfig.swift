import Logging
import LimpetRouting

/// The static configuration (`limpet.yaml`, SPEC §3), with every default applied.
public struct StaticConfig: Sendable {
    /// The file it was read from.
    public var path: String
    /// In file order; includes the `traefik` entry point Traefik creates when the API, ping or metrics need it.
    public var entryPoints: [EntryPointConfig] = []
    public var fileProvider: FileProviderConfig?
    public var docker: DockerProviderConfig?
    public var swarm: SwarmProviderConfig?
    public var providersThrottleDuration: Duration = .seconds(2)
    public var transport = ServersTransportConfig()
    public var engine = EngineConfig()
    public var log = LogConfig()
    public var accessLog: AccessLogConfig?
    public var api: APIConfig?
    public var ping: PingConfig?
    public var metrics: MetricsConfig?
    /// Warnings (known Traefik keys Limpet ignores, …); errors make loading fail instead.
    public var warnings: [Diagnostic] = []

    public init(path: String) {
        self.path = path
    }

    public func entryPoint(named name: String) -> EntryPointConfig? {
        entryPoints.first { $0.name == name }
    }
}

public struct EntryPointConfig: Sendable {
    public var name: String
    /// As written: `:8000`, `127.0.0.1:8000`, `[::1]:8000`.
    public var address: String
    /// nil: all interfaces.
    public var host: String?
    public var port: UInt16
    public var readTimeout: Duration = .seconds(60)
    public var writeTimeout: Duration = .zero
    public var idleTimeout: Duration = .seconds(180)
    public var requestAcceptGraceTimeout: Duration = .zero
    public var graceTimeout: Duration = .seconds(10)
    /// `forwardedHeaders.trustedIPs`.
    public var trustedIPs: [IPRange] = []
    /// `forwardedHeaders.insecure`: trust X-Forwarded-* from every peer.
    public var insecureForwarded = false
    public var location: SourceLocation?

    public init(name: String, address: String, host: String?, port: UInt16) {
        self.name = name
        self.address = address
        self.host = host
        self.port = port
    }
}

public struct FileProviderConfig: Sendable {
    /// Absolute or relative to the working directory (resolved against the static file's directory).
    public var filename: String?
    /// Every `*.yml` / `*.yaml` below it is loaded (subdirectories included), merged.
    public var directory: String?
    public var watch = true
    public var location: SourceLocation?

    public init(filename: String? = nil, directory: String? = nil, watch: Bool = true) {
        self.filename = filename
        self.directory = directory
        self.watch = watch
    }
}

public struct DockerProviderConfig: Sendable {
    public var endpoint = "unix:///var/run/docker.sock"
    public var exposedByDefault = true
    public var defaultRule = "Host(`{{ normalize .Name }}`)"
    public var network = ""
    public var watch = true
    public var useBindPortIP = false
    public var allowEmptyServices = false
    public init() {}
}

public struct SwarmProviderConfig: Sendable {
    public var endpoint = "unix:///var/run/docker.sock"
    public var exposedByDefault = true
    public var defaultRule = "Host(`{{ normalize .Name }}`)"
    public var network = ""
    public var refreshSeconds: Duration = .seconds(15)
    public var allowEmptyServices = false
    public init() {}
}

/// `serversTransport`: how Limpet talks to backends.
public struct ServersTransportConfig: Sendable {
    public var maxIdleConnsPerHost = 200
    public var dialTimeout: Duration = .seconds(30)
    public var responseHeaderTimeout: Duration = .zero
    public var idleConnTimeout: Duration = .seconds(90)
    public init() {}
}

/// `engine`: Limpet's own tuning (SPEC §3, §7).
public struct EngineConfig: Sendable {
    public enum IO: String, Sendable, CaseIterable {
        case auto
        case ioUring = "io_uring"
        case epoll
    }
    /// 0: one per online core.
    public var workers = 0
    public var io = IO.auto
    /// When a body of at least `spliceThreshold` bytes moves kernel-side (splice) rather than through a copy
    /// buffer.
    public enum Splice: String, Sendable, CaseIterable {
        /// Splice unless the client or the server is on a loopback address: splicing between two sockets of one
        /// host makes the receiver and the sender do more work than the copy saves (see ARCHITECTURE.md).
        case auto
        case always
        case never
    }
    public var spliceThreshold = 64 * 1024
    public var splice = Splice.auto
    public var bufferSize = 16 * 1024
    /// 0: limited by RLIMIT_NOFILE.
    public var maxConnections = 0
    public var ringEntries = 4096
    /// `SO_SNDBUF` of every upstream socket (HAProxy's `tune.sndbuf.server`); 0 leaves it to the kernel's
    /// autotuning. A small one bounds the kernel memory a slow server can make a connection hold.
    public var upstreamSendBuffer = 0
    /// How long the kernel holds a new connection that has sent nothing before Limpet accepts it
    /// (`TCP_DEFER_ACCEPT`); zero accepts every connection as its handshake completes. HTTP clients speak first,
    /// so a connection usually reaches Limpet together with its request: one wake-up instead of two, and a client
    /// that connects and stays silent holds no connection slot.
    public var deferAccept: Duration = .seconds(1)
    /// `deferAccept` in the whole seconds `TCP_DEFER_ACCEPT` takes, a fraction rounded up (0 only for 0).
    public var deferAcceptSeconds: Int32 {
        let (seconds, attoseconds) = deferAccept.components
        return Int32(seconds) + (attoseconds > 0 ? 1 : 0)
    }
    public init() {}
}

public struct LogConfig: Sendable {
    public var level: Logger.Level = .info
    /// Empty: standard error.
    public var filePath = ""
    /// `common` or `json`.
    public var format = "common"
    public init() {}
}

public struct AccessLogConfig: Sendable {
    public enum Format: String, Sendable {
        case common, json
    }
    /// Empty: standard output.
    public var filePath = ""
    public var format = Format.common
    public init() {}
}

public struct APIConfig: Sendable {
    public var dashboard = true
    /// Serve `/api` and `/dashboard/` on the `traefik` entry point.
    public var insecure = false
    public init() {}
}

public struct PingConfig: Sendable {
    public var entryPoint = "traefik"
    /// Answered while shutting down.
    public var terminatingStatusCode = 503
    public init() {}
}

public struct MetricsConfig: Sendable {
    /// Prometheus metrics are served on this entry point; nil: `metrics` without `prometheus`.
    public var prometheusEntryPoint: String?
    public var buckets: [Double] = [0.1, 0.3, 1.2, 5.0]
    public var addEntryPointsLabels = true
    public var addRoutersLabels = false
    public var addServicesLabels = true
    public init() {}
}
