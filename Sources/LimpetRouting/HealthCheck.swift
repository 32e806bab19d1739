/// Active health check of a load balancer (SPEC §5.4), as configured.
public struct HealthCheck: Sendable, Equatable {
    public var path: String
    public var interval: Duration
    public var unhealthyInterval: Duration
    public var timeout: Duration
    public var scheme: String
    public var hostname: String
    public var port: Int
    public var method: String
    /// 0: any 2xx or 3xx is healthy.
    public var status: Int
    public var headers: [HeaderField]
    public var followRedirects: Bool

    public init(path: String = "/", interval: Duration = .seconds(30), unhealthyInterval: Duration? = nil,
                timeout: Duration = .seconds(5), scheme: String = "", hostname: String = "", port: Int = 0,
                method: String = "GET", status: Int = 0, headers: [HeaderField] = [], followRedirects: Bool = true) {
        self.path = path
        self.interval = interval
        self.unhealthyInterval = unhealthyInterval ?? interval
        self.timeout = timeout
        self.scheme = scheme
        self.hostname = hostname
        self.port = port
        self.method = method
        self.status = status
        self.headers = headers
        self.followRedirects = followRedirects
    }
}

/// Passive health check: a server is down for `failureWindow` after `maxFailedAttempts` failures.
public struct PassiveHealthCheck: Sendable, Equatable {
    public var failureWindow: Duration
    public var maxFailedAttempts: Int

    public init(failureWindow: Duration = .seconds(10), maxFailedAttempts: Int = 1) {
        self.failureWindow = failureWindow
        self.maxFailedAttempts = maxFailedAttempts
    }
}

/// A header name and value, in configuration order.
public struct HeaderField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
