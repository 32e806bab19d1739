import Foundation
import Logging
import LimpetRouting
import Yams

extension StaticConfig {
    /// Decodes the root of a static file. Problems go to `reader`; the result holds whatever was valid,
    /// with defaults elsewhere, so that `check` can go on to the dynamic files.
    static func decode(_ root: Node, path: String, reader r: NodeReader) -> StaticConfig {
        var config = StaticConfig(path: path)
        let baseDirectory = (path as NSString).deletingLastPathComponent
        let top = Keys(["entryPoints", "providers", "serversTransport", "api", "ping", "metrics", "accessLog",
                        "log", "engine"],
                       unimplemented: ["tcpServersTransport", "certificatesResolvers", "tracing", "hostResolver",
                                       "experimental", "core", "spiffe", "ocsp"],
                       silent: ["global"])
        guard let f = r.fields(root, path: "", keys: top) else { return config }

        if let node = f["entryPoints"], let entries = r.named(node, path: "entryPoints") {
            for (key, name, value) in entries {
                if let ep = decodeEntryPoint(value, name: name, key: key, reader: r) {
                    if let other = config.entryPoints.first(where: { $0.name.lowercased() == name.lowercased() }) {
                        r.error("entry point \"\(name)\" is already defined as \"\(other.name)\"", at: key)
                    } else {
                        config.entryPoints.append(ep)
                    }
                }
            }
        }
        // Sections whose schema is checked now but whose feature lands with later work: say so rather than
        // accept them silently.
        for key in ["api", "ping", "metrics", "accessLog"] {
            if let node = f[key] { r.warning("\(key): accepted but not served yet by this Limpet version", at: node) }
        }
        if let node = f["providers"] { decodeProviders(node, into: &config, base: baseDirectory, reader: r) }
        if let node = f["serversTransport"] { config.transport = decodeTransport(node, reader: r) }
        if let node = f["engine"] { config.engine = decodeEngine(node, reader: r) }
        if let node = f["log"] { config.log = decodeLog(node, base: baseDirectory, reader: r) }
        if let node = f["accessLog"] { config.accessLog = decodeAccessLog(node, base: baseDirectory, reader: r) }
        if let node = f["api"], let a = r.fields(node, path: "api",
                                                 keys: Keys(["dashboard", "insecure"],
                                                            unimplemented: ["debug", "disableDashboardAd", "basePath"])) {
            var api = APIConfig()
            api.dashboard = r.bool(a["dashboard"], path: "api.dashboard") ?? api.dashboard
            api.insecure = r.bool(a["insecure"], path: "api.insecure") ?? api.insecure
            config.api = api
        }
        var pingEntryPointNode: Node?
        if let node = f["ping"], let p = r.fields(node, path: "ping",
                                                  keys: Keys(["entryPoint", "terminatingStatusCode"],
                                                             unimplemented: ["manualRouting"])) {
            var ping = PingConfig()
            ping.entryPoint = r.string(p["entryPoint"], path: "ping.entryPoint") ?? ping.entryPoint
            pingEntryPointNode = p["entryPoint"]
            ping.terminatingStatusCode = r.int(p["terminatingStatusCode"], path: "ping.terminatingStatusCode",
                                               range: 100...599) ?? ping.terminatingStatusCode
            config.ping = ping
        }
        var metricsEntryPointNode: Node?
        if let node = f["metrics"] {
            let (metrics, epNode) = decodeMetrics(node, reader: r)
            config.metrics = metrics
            metricsEntryPointNode = epNode
        }

        // Traefik's implicit entry points: `http` on :80 when none is defined, `traefik` on :8080 when
        // the insecure API, ping or Prometheus metrics need it.
        if config.entryPoints.isEmpty {
            config.entryPoints.append(EntryPointConfig(name: "http", address: ":80", host: nil, port: 80))
        }
        let needsInternal = (config.api?.insecure ?? false) || config.ping?.entryPoint == "traefik"
            || config.metrics?.prometheusEntryPoint == "traefik"
        if needsInternal, config.entryPoint(named: "traefik") == nil {
            config.entryPoints.append(EntryPointConfig(name: "traefik", address: ":8080", host: nil, port: 8080))
        }
        if let ping = config.ping, config.entryPoint(named: ping.entryPoint) == nil {
            r.error("ping.entryPoint: no entry point named \"\(ping.entryPoint)\"", at: pingEntryPointNode ?? root)
        }
        if let ep = config.metrics?.prometheusEntryPoint, config.entryPoint(named: ep) == nil {
            r.error("metrics.prometheus.entryPoint: no entry point named \"\(ep)\"", at: metricsEntryPointNode ?? root)
        }
        // Two entry points cannot listen on the same address.
        for (i, ep) in config.entryPoints.enumerated() {
            for other in config.entryPoints[..<i] where other.port == ep.port
                && (other.host == nil || ep.host == nil || other.host == ep.host) {
                let loc = ep.location ?? SourceLocation(file: path, line: 1, column: 1)
                r.append(loc.diagnostic("entry point \"\(ep.name)\" listens on \(ep.address), "
                                        + "which overlaps entry point \"\(other.name)\" (\(other.address))"))
            }
        }
        return config
    }

    private static func decodeEntryPoint(_ node: Node, name: String, key: Node, reader r: NodeReader) -> EntryPointConfig? {
        let path = "entryPoints.\(name)"
        guard let f = r.fields(node, path: path,
                               keys: Keys(["address", "transport", "forwardedHeaders"],
                                          unimplemented: ["proxyProtocol", "http", "http2", "http3", "udp",
                                                          "observability", "allowACMEByPass", "reusePort",
                                                          "asDefault"])) else { return nil }
        // Decode everything even when the address is wrong, so that every problem is reported.
        var valid = true
        var ep = EntryPointConfig(name: name, address: "", host: nil, port: 0)
        if let addressNode = f["address"], let address = r.string(addressNode, path: "\(path).address") {
            switch ValueParsing.address(address) {
            case .success(let parsed):
                ep = EntryPointConfig(name: name, address: address, host: parsed.host, port: parsed.port)
            case .failure(let problem):
                r.error("\(path).address: \(problem.message)", at: addressNode)
                valid = false
            }
        } else {
            if f["address"] == nil || f["address"].map(NodeReader.isNull) == true {
                r.error("\(path): address is required (for example \":8000\")", at: key)
            }
            valid = false
        }
        ep.location = r.location(of: key)
        if let t = f["transport"], let tf = r.fields(t, path: "\(path).transport",
                                                      keys: Keys(["respondingTimeouts", "lifeCycle"],
                                                                 unimplemented: ["keepAliveMaxRequests",
                                                                                 "keepAliveMaxTime"])) {
            let rtPath = "\(path).transport.respondingTimeouts"
            if let rt = tf["respondingTimeouts"],
               let rf = r.fields(rt, path: rtPath, keys: Keys(["readTimeout", "writeTimeout", "idleTimeout"])) {
                ep.readTimeout = r.duration(rf["readTimeout"], path: "\(rtPath).readTimeout") ?? ep.readTimeout
                ep.writeTimeout = r.duration(rf["writeTimeout"], path: "\(rtPath).writeTimeout") ?? ep.writeTimeout
                ep.idleTimeout = r.duration(rf["idleTimeout"], path: "\(rtPath).idleTimeout") ?? ep.idleTimeout
            }
            let lcPath = "\(path).transport.lifeCycle"
            if let lc = tf["lifeCycle"],
               let lf = r.fields(lc, path: lcPath, keys: Keys(["requestAcceptGraceTimeout", "graceTimeOut"])) {
                ep.requestAcceptGraceTimeout = r.duration(lf["requestAcceptGraceTimeout"],
                                                          path: "\(lcPath).requestAcceptGraceTimeout")
                    ?? ep.requestAcceptGraceTimeout
                ep.graceTimeout = r.duration(lf["graceTimeOut"], path: "\(lcPath).graceTimeOut") ?? ep.graceTimeout
            }
        }
        let fhPath = "\(path).forwardedHeaders"
        if let fh = f["forwardedHeaders"],
           let ff = r.fields(fh, path: fhPath, keys: Keys(["trustedIPs", "insecure"], unimplemented: ["connection"])) {
            ep.insecureForwarded = r.bool(ff["insecure"], path: "\(fhPath).insecure") ?? false
            ep.trustedIPs = ipRanges(ff["trustedIPs"], path: "\(fhPath).trustedIPs", reader: r)
        }
        return valid ? ep : nil
    }

    static func ipRanges(_ node: Node?, path: String, reader r: NodeReader) -> [IPRange] {
        var result: [IPRange] = []
        for (text, node) in r.stringList(node, path: path) ?? [] {
            do {
                result.append(try IPRange(parsing: text))
            } catch {
                r.error("\(path): \(error.description)", at: node)
            }
        }
        return result
    }

    private static func resolve(_ path: String, base: String) -> String {
        if path.isEmpty || path.hasPrefix("/") { return path }
        return base.isEmpty ? path : (base as NSString).appendingPathComponent(path)
    }

    private static func decodeProviders(_ node: Node, into config: inout StaticConfig, base: String, reader r: NodeReader) {
        guard let f = r.fields(node, path: "providers",
                               keys: Keys(["file", "docker", "swarm", "providersThrottleDuration"],
                                          unimplemented: ["kubernetesCRD", "kubernetesIngress", "kubernetesGateway",
                                                          "kubernetesIngressNGINX", "consulCatalog", "nomad", "ecs",
                                                          "consul", "etcd", "zooKeeper", "redis", "http", "rest",
                                                          "plugin"])) else { return }
        config.providersThrottleDuration = r.duration(f["providersThrottleDuration"],
                                                      path: "providers.providersThrottleDuration")
            ?? config.providersThrottleDuration
        if let fileNode = f["file"], let ff = r.fields(fileNode, path: "providers.file",
                                                        keys: Keys(["filename", "directory", "watch"],
                                                                   unimplemented: ["debugLogGeneratedTemplate"])) {
            var file = FileProviderConfig()
            file.location = r.location(of: fileNode)
            let filename = r.string(ff["filename"], path: "providers.file.filename")
            let directory = r.string(ff["directory"], path: "providers.file.directory")
            file.watch = r.bool(ff["watch"], path: "providers.file.watch") ?? true
            if let filename, !filename.isEmpty, let directory, !directory.isEmpty {
                r.error("providers.file: set either filename or directory, not both", at: ff.key("directory") ?? fileNode)
            } else if let filename, !filename.isEmpty {
                file.filename = resolve(filename, base: base)
                config.fileProvider = file
            } else if let directory, !directory.isEmpty {
                file.directory = resolve(directory, base: base)
                config.fileProvider = file
            } else {
                r.error("providers.file: filename or directory is required", at: fileNode)
            }
        }
        let dockerOnly = ["watch", "useBindPortIP"]
        let commonUnimplemented = ["constraints", "tls", "httpClientTimeout", "username", "password"]
        if let dockerNode = f["docker"], let d = r.fields(dockerNode, path: "providers.docker",
                                                           keys: Keys(["endpoint", "exposedByDefault", "defaultRule",
                                                                       "network", "allowEmptyServices"] + dockerOnly,
                                                                      unimplemented: commonUnimplemented)) {
            var docker = DockerProviderConfig()
            let p = "providers.docker"
            docker.endpoint = r.string(d["endpoint"], path: "\(p).endpoint") ?? docker.endpoint
            docker.exposedByDefault = r.bool(d["exposedByDefault"], path: "\(p).exposedByDefault") ?? docker.exposedByDefault
            docker.defaultRule = r.string(d["defaultRule"], path: "\(p).defaultRule") ?? docker.defaultRule
            docker.network = r.string(d["network"], path: "\(p).network") ?? docker.network
            docker.watch = r.bool(d["watch"], path: "\(p).watch") ?? docker.watch
            docker.useBindPortIP = r.bool(d["useBindPortIP"], path: "\(p).useBindPortIP") ?? docker.useBindPortIP
            docker.allowEmptyServices = r.bool(d["allowEmptyServices"], path: "\(p).allowEmptyServices")
                ?? docker.allowEmptyServices
            checkEndpoint(docker.endpoint, node: d["endpoint"], path: "\(p).endpoint", reader: r)
            config.docker = docker
        }
        if let swarmNode = f["swarm"], let s = r.fields(swarmNode, path: "providers.swarm",
                                                         keys: Keys(["endpoint", "exposedByDefault", "defaultRule",
                                                                     "network", "refreshSeconds", "allowEmptyServices"],
                                                                    unimplemented: commonUnimplemented + dockerOnly)) {
            var swarm = SwarmProviderConfig()
            let p = "providers.swarm"
            swarm.endpoint = r.string(s["endpoint"], path: "\(p).endpoint") ?? swarm.endpoint
            swarm.exposedByDefault = r.bool(s["exposedByDefault"], path: "\(p).exposedByDefault") ?? swarm.exposedByDefault
            swarm.defaultRule = r.string(s["defaultRule"], path: "\(p).defaultRule") ?? swarm.defaultRule
            swarm.network = r.string(s["network"], path: "\(p).network") ?? swarm.network
            swarm.refreshSeconds = r.duration(s["refreshSeconds"], path: "\(p).refreshSeconds") ?? swarm.refreshSeconds
            swarm.allowEmptyServices = r.bool(s["allowEmptyServices"], path: "\(p).allowEmptyServices")
                ?? swarm.allowEmptyServices
            checkEndpoint(swarm.endpoint, node: s["endpoint"], path: "\(p).endpoint", reader: r)
            config.swarm = swarm
        }
    }

    private static func checkEndpoint(_ endpoint: String, node: Node?, path: String, reader r: NodeReader) {
        guard let node, !endpoint.hasPrefix("unix://"), !endpoint.hasPrefix("tcp://") else { return }
        r.error("\(path): expected a unix:///path or tcp://host:port endpoint (got \"\(endpoint)\"; TLS is not "
                + "supported)", at: node)
    }

    private static func decodeTransport(_ node: Node, reader r: NodeReader) -> ServersTransportConfig {
        var t = ServersTransportConfig()
        guard let f = r.fields(node, path: "serversTransport",
                               keys: Keys(["maxIdleConnsPerHost", "forwardingTimeouts"],
                                          unimplemented: ["insecureSkipVerify", "rootCAs", "spiffe"])) else { return t }
        t.maxIdleConnsPerHost = r.int(f["maxIdleConnsPerHost"], path: "serversTransport.maxIdleConnsPerHost",
                                      range: 0...Int.max) ?? t.maxIdleConnsPerHost
        let p = "serversTransport.forwardingTimeouts"
        if let ft = f["forwardingTimeouts"],
           let ff = r.fields(ft, path: p, keys: Keys(["dialTimeout", "responseHeaderTimeout", "idleConnTimeout"],
                                                     unimplemented: ["readIdleTimeout", "pingTimeout"])) {
            t.dialTimeout = r.duration(ff["dialTimeout"], path: "\(p).dialTimeout") ?? t.dialTimeout
            t.responseHeaderTimeout = r.duration(ff["responseHeaderTimeout"], path: "\(p).responseHeaderTimeout")
                ?? t.responseHeaderTimeout
            t.idleConnTimeout = r.duration(ff["idleConnTimeout"], path: "\(p).idleConnTimeout") ?? t.idleConnTimeout
        }
        return t
    }

    private static func decodeEngine(_ node: Node, reader r: NodeReader) -> EngineConfig {
        var e = EngineConfig()
        guard let f = r.fields(node, path: "engine",
                               keys: Keys(["workers", "io", "spliceThreshold", "splice", "bufferSize",
                                           "maxConnections", "ringEntries", "deferAccept",
                                           "upstreamSendBuffer"])) else { return e }
        e.workers = r.int(f["workers"], path: "engine.workers", range: 0...1024) ?? e.workers
        if let node = f["io"], let text = r.string(node, path: "engine.io") {
            if let io = EngineConfig.IO(rawValue: text.lowercased()) {
                e.io = io
            } else {
                r.error("engine.io: expected auto, io_uring or epoll, found \"\(text)\"", at: node)
            }
        }
        if let node = f["splice"], let text = r.string(node, path: "engine.splice") {
            if let splice = EngineConfig.Splice(rawValue: text.lowercased()) {
                e.splice = splice
            } else {
                r.error("engine.splice: expected auto, always or never, found \"\(text)\"", at: node)
            }
        }
        e.spliceThreshold = sizeIn(f["spliceThreshold"], path: "engine.spliceThreshold", range: 0...Int.max, r)
            ?? e.spliceThreshold
        e.bufferSize = sizeIn(f["bufferSize"], path: "engine.bufferSize", range: 1024...(16 * 1024 * 1024), r)
            ?? e.bufferSize
        e.maxConnections = r.int(f["maxConnections"], path: "engine.maxConnections", range: 0...Int.max)
            ?? e.maxConnections
        e.upstreamSendBuffer = sizeIn(f["upstreamSendBuffer"], path: "engine.upstreamSendBuffer",
                                      range: 0...(64 * 1024 * 1024), r) ?? e.upstreamSendBuffer
        e.ringEntries = r.int(f["ringEntries"], path: "engine.ringEntries", range: 1...32768) ?? e.ringEntries
        if let node = f["deferAccept"], let delay = r.duration(node, path: "engine.deferAccept") {
            if delay <= .seconds(600) {
                e.deferAccept = delay
            } else {
                r.error("engine.deferAccept: longer than 10m; expected 0s (off) to 10m", at: node)
            }
        }
        return e
    }

    private static func sizeIn(_ node: Node?, path: String, range: ClosedRange<Int>, _ r: NodeReader) -> Int? {
        guard let node, let value = r.size(node, path: path) else { return nil }
        guard range.contains(value) else {
            r.error("\(path): \(value) bytes is out of range; expected \(range.lowerBound) to \(range.upperBound)", at: node)
            return nil
        }
        return value
    }

    private static func decodeLog(_ node: Node, base: String, reader r: NodeReader) -> LogConfig {
        var log = LogConfig()
        guard let f = r.fields(node, path: "log",
                               keys: Keys(["level", "filePath", "format"],
                                          unimplemented: ["noColor", "maxSize", "maxAge", "maxBackups", "compress"]))
        else { return log }
        if let node = f["level"], let text = r.string(node, path: "log.level") {
            switch text.uppercased() {
            case "TRACE": log.level = .trace
            case "DEBUG": log.level = .debug
            case "INFO": log.level = .info
            case "WARN", "WARNING": log.level = .warning
            case "ERROR": log.level = .error
            case "FATAL", "PANIC": log.level = .critical
            default: r.error("log.level: expected DEBUG, INFO, WARN or ERROR, found \"\(text)\"", at: node)
            }
        }
        log.filePath = resolve(r.string(f["filePath"], path: "log.filePath") ?? "", base: base)
        if let node = f["format"], let text = r.string(node, path: "log.format") {
            if ["common", "json"].contains(text.lowercased()) {
                log.format = text.lowercased()
            } else {
                r.error("log.format: expected common or json, found \"\(text)\"", at: node)
            }
        }
        return log
    }

    private static func decodeAccessLog(_ node: Node, base: String, reader r: NodeReader) -> AccessLogConfig {
        var log = AccessLogConfig()
        guard let f = r.fields(node, path: "accessLog",
                               keys: Keys(["filePath", "format"],
                                          unimplemented: ["filters", "fields", "bufferingSize", "addInternals"]))
        else { return log }
        log.filePath = resolve(r.string(f["filePath"], path: "accessLog.filePath") ?? "", base: base)
        if let node = f["format"], let text = r.string(node, path: "accessLog.format") {
            if let format = AccessLogConfig.Format(rawValue: text.lowercased()) {
                log.format = format
            } else {
                r.error("accessLog.format: expected common or json, found \"\(text)\"", at: node)
            }
        }
        return log
    }

    private static func decodeMetrics(_ node: Node, reader r: NodeReader) -> (MetricsConfig, Node?) {
        var metrics = MetricsConfig()
        guard let f = r.fields(node, path: "metrics",
                               keys: Keys(["prometheus"],
                                          unimplemented: ["datadog", "statsD", "influxDB2", "otlp", "addInternals"]))
        else { return (metrics, nil) }
        let p = "metrics.prometheus"
        guard let prom = f["prometheus"],
              let pf = r.fields(prom, path: p,
                                keys: Keys(["entryPoint", "buckets", "addEntryPointsLabels", "addRoutersLabels",
                                            "addServicesLabels"],
                                           unimplemented: ["manualRouting", "headerLabels"])) else {
            return (metrics, nil)
        }
        metrics.prometheusEntryPoint = r.string(pf["entryPoint"], path: "\(p).entryPoint") ?? "traefik"
        if let node = pf["buckets"], let items = r.list(node, path: "\(p).buckets") {
            metrics.buckets = items.enumerated().compactMap { r.double($1, path: "\(p).buckets[\($0)]") }
        }
        metrics.addEntryPointsLabels = r.bool(pf["addEntryPointsLabels"], path: "\(p).addEntryPointsLabels")
            ?? metrics.addEntryPointsLabels
        metrics.addRoutersLabels = r.bool(pf["addRoutersLabels"], path: "\(p).addRoutersLabels")
            ?? metrics.addRoutersLabels
        metrics.addServicesLabels = r.bool(pf["addServicesLabels"], path: "\(p).addServicesLabels")
            ?? metrics.addServicesLabels
        return (metrics, pf["entryPoint"])
    }
}
