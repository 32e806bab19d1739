import Foundation

extension LabelDecoder {
    /// One workload's labels decoded on their own, before workloads are merged.
    struct WorkloadPart {
        /// `docker container "web-1"`: the `file` of its diagnostics and locations.
        var source: String
        /// nil: the workload is left out (hidden, or its labels are wrong).
        var config: DynamicConfig?
        var diagnostics: [Diagnostic] = []
        /// Qualified names of the services and middlewares its labels define (when it is left out because of an
        /// error, references to them are not reported again as missing).
        var definedNames: Set<String> = []
        /// Left out because of a problem (not because it is hidden).
        var failed = false
    }

    /// Decodes one workload: hides it, or builds YAML from its labels (with the automatic router and service and
    /// its servers) and runs the file decoder on it, mapping every location back to a label.
    struct WorkloadDecoder {
        let workload: LabeledWorkload
        let options: LabelProviderOptions
        /// nil: `defaultRule` is empty or invalid (reported once by the caller).
        let template: LabelRuleTemplate?
        let source: String
        /// Label key → 1-based position among the workload's labels sorted by key.
        private let position: [String: Int]
        private var diagnostics: [Diagnostic] = []

        init(_ workload: LabeledWorkload, options: LabelProviderOptions, template: LabelRuleTemplate?) {
            self.workload = workload
            self.options = options
            self.template = template
            source = LabelDecoder.sourceName(of: workload, provider: options.provider)
            var position: [String: Int] = [:]
            for (i, key) in workload.labels.keys.sorted().enumerated() { position[key] = i + 1 }
            self.position = position
        }

        /// Sorted as Go's `sort.Strings` (bytes), which decides the spelling kept for names that differ in case.
        private var sortedKeys: [String] { workload.labels.keys.sorted() }

        // MARK: Diagnostics

        private mutating func report(_ message: String, label key: String?, column: Int = 1, warning: Bool = false) {
            if let key, let line = position[key] {
                diagnostics.append(Diagnostic(file: source, line: line, column: column, message: "label \(key): \(message)",
                                              isWarning: warning))
            } else {
                diagnostics.append(Diagnostic(file: source, line: 0, column: 0, message: message, isWarning: warning))
            }
        }

        private mutating func report(_ message: String, node: LabelNode, warning: Bool = false) {
            diagnostics.append(Diagnostic(file: source, line: node.line, column: 1, message: "\(node.subject): \(message)",
                                          isWarning: warning))
        }

        private func failed(_ names: Set<String> = []) -> WorkloadPart {
            WorkloadPart(source: source, config: nil, diagnostics: diagnostics, definedNames: names, failed: true)
        }

        // MARK: Decoding

        mutating func decode() -> WorkloadPart {
            let keys = sortedKeys
            // traefik.enable (Go's strconv.ParseBool), else the provider's exposedByDefault.
            var enabled = options.exposedByDefault
            for key in keys where key.lowercased() == "traefik.enable" {
                guard let value = LabelDecoder.parseGoBool(workload.labels[key]!) else {
                    report("expected true or false, found \"\(workload.labels[key]!)\"; the \(noun) is left out", label: key)
                    return failed()
                }
                enabled = value
            }
            guard enabled else { return WorkloadPart(source: source, config: nil) }

            var httpKeys: [String] = []
            var tcpKeys: [String] = []
            var tlsKeys: [String] = []
            var dockerKeys: [String] = []
            var swarmKeys: [String] = []
            for key in keys {
                let lower = key.lowercased()
                guard lower.hasPrefix("traefik.") else { continue }
                let section = lower.dropFirst("traefik.".count).prefix { $0 != "." }
                switch section {
                case "enable": continue
                case "http": httpKeys.append(key)
                case "tcp", "udp": tcpKeys.append(key)
                case "tls": tlsKeys.append(key)
                case "docker": dockerKeys.append(key)
                case "swarm": swarmKeys.append(key)
                case "frontend", "backend", "port", "protocol", "weight":
                    report("a Traefik v1 label, which Traefik v3 ignores (write traefik.http.* labels); it is ignored",
                           label: key, warning: true)
                default:
                    continue  // Traefik reads no other traefik.* label (constraints may match them)
                }
            }
            checkProviderLabels(docker: dockerKeys, swarm: swarmKeys)
            if let first = tcpKeys.first {
                report("TCP and UDP routers and services are not supported by Limpet (HTTP only); "
                       + "\(tcpKeys.count == 1 ? "this label is" : "the \(tcpKeys.count) traefik.tcp/udp labels are") ignored",
                       label: first, warning: true)
            }
            if let first = tlsKeys.first {
                report("TLS options, stores and certificates are not supported by Limpet; "
                       + "\(tlsKeys.count == 1 ? "this label is" : "the \(tlsKeys.count) traefik.tls labels are") ignored",
                       label: first, warning: true)
            }
            guard !diagnostics.contains(where: { !$0.isWarning }) else { return failed() }
            // Like Traefik: TCP or UDP labels alone mean no automatic HTTP router and service.
            if httpKeys.isEmpty && !tcpKeys.isEmpty {
                return WorkloadPart(source: source, config: nil, diagnostics: diagnostics)
            }

            guard let root = buildTree(httpKeys) else { return failed() }
            return decodeTree(root)
        }

        private var noun: String {
            switch options.provider {
            case "docker": return "container"
            case "swarm": return "service"
            default: return "workload"
            }
        }

        /// `traefik.docker.*` and `traefik.swarm.*`: read by the providers; only checked here, as Traefik does.
        private mutating func checkProviderLabels(docker: [String], swarm: [String]) {
            let isSwarm = options.provider == "swarm"
            let dockerOptions = ["network", "lbswarm", "allownonrunning"]
            let swarmOptions = ["network", "lbswarm"]
            func check(_ key: String, prefix: String, allowed: [String]) {
                let option = String(key.lowercased().dropFirst(prefix.count))
                guard allowed.contains(option) else {
                    var message = "unknown label"
                    let spelled = allowed.map { prefix + $0 }
                    if let suggestion = NodeReader.suggest(key.lowercased(), among: spelled) {
                        message += " (did you mean \"\(suggestion)\"?)"
                    } else {
                        message += "; expected one of: " + spelled.joined(separator: ", ")
                    }
                    report(message + "; the \(noun) is left out", label: key)
                    return
                }
                if option != "network", LabelDecoder.parseGoBool(workload.labels[key]!) == nil {
                    report("expected true or false, found \"\(workload.labels[key]!)\"; the \(noun) is left out", label: key)
                }
            }
            for key in docker { check(key, prefix: "traefik.docker.", allowed: dockerOptions) }
            guard isSwarm else { return }  // the Docker provider ignores traefik.swarm.* labels
            for key in swarm { check(key, prefix: "traefik.swarm.", allowed: swarmOptions) }
            if let first = docker.first {
                if !swarm.isEmpty {
                    report("both traefik.docker.* and traefik.swarm.* labels are set; write traefik.swarm.* only; "
                           + "the service is left out", label: first)
                } else {
                    report("traefik.docker.* labels are deprecated for Swarm services; write traefik.swarm.*",
                           label: first, warning: true)
                }
            }
        }

        /// The `traefik.http.*` labels as a tree rooted at `http`; nil (reported) when a key is malformed.
        private mutating func buildTree(_ keys: [String]) -> LabelNode? {
            let root = LabelNode(name: "http", key: "traefik.http", line: keys.first.flatMap { position[$0] } ?? 0)
            var ok = true
            for key in keys {
                let segments = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                if segments.contains(where: \.isEmpty) {
                    report("invalid label name (an empty part between dots); the \(noun) is left out", label: key)
                    ok = false
                    continue
                }
                guard segments.count > 2 else {
                    report("expected labels such as traefik.http.routers.NAME.rule; the \(noun) is left out", label: key)
                    ok = false
                    continue
                }
                var node = root
                var prefix = segments[0] + "." + segments[1]
                for segment in segments.dropFirst(2) {
                    prefix += "." + segment
                    if let existing = node.child(segment) {
                        node = existing
                    } else {
                        let child = LabelNode(name: segment, key: prefix, line: position[key]!)
                        node.children.append(child)
                        node = child
                    }
                }
                if let previous = node.valueKey {
                    report("repeats label \(previous) (label names are case-insensitive); this value is used",
                           label: key, warning: true)
                }
                node.value = workload.labels[key]!
                node.valueKey = key
            }
            return ok ? root : nil
        }

        // MARK: Tree → YAML → DynamicConfig

        private mutating func decodeTree(_ root: LabelNode) -> WorkloadPart {
            let defaultName = LabelDecoder.normalize(LabelDecoder.serviceName(of: workload))
            let provider = options.provider
            let servicesNode = root.child("services")
            let routersNode = root.child("routers")
            let middlewaresNode = root.child("middlewares")
            for section in [servicesNode, routersNode, middlewaresNode].compactMap({ $0 }) where section.children.isEmpty {
                report("expected labels below it, such as \(section.key).NAME.…; the \(noun) is left out", node: section)
                return failed()
            }
            let serviceNodes = servicesNode?.children ?? []
            let serviceNames = serviceNodes.isEmpty ? [defaultName] : serviceNodes.map(\.name)
            var names = Set(serviceNames.map { "\($0)@\(provider)" })
            for node in middlewaresNode?.children ?? [] { names.insert("\(node.name)@\(provider)") }

            // Servers first: a workload with no port or no address is left out whole, as in Traefik.
            var services: [(node: LabelNode?, name: String, servers: [ServerItem])] = []
            for node in serviceNodes {
                guard let servers = servers(for: node) else { return failed(names) }
                services.append((node, node.name, servers))
            }
            if serviceNodes.isEmpty {
                guard let servers = servers(for: nil) else { return failed(names) }
                services.append((nil, defaultName, servers))
            }

            var yaml = LabelYAML()
            yaml.mapping("http", depth: 0, LabelYAML.Line(label: root.line, subject: root.subject))

            // Routers: the automatic one when the labels define none (and at most one service), the default rule
            // and the only service filled in where the labels leave them out (provider.BuildRouterConfiguration).
            var routerNodes = routersNode?.children ?? []
            var automaticRouter = false
            if routerNodes.isEmpty && serviceNames.count == 1 {
                routerNodes = [LabelNode(name: defaultName, key: "traefik.http.routers.\(defaultName)", line: 0)]
                automaticRouter = true
            }
            var routerLines: [(node: LabelNode, rule: String?, service: String?)] = []
            for node in routerNodes {
                if let value = node.value, !value.isEmpty {
                    report("the value \"\(value)\" is ignored: a router is set by labels below it (\(node.key).rule, …)",
                           label: node.valueKey, warning: true)
                }
                var rule: String?
                if let ruleNode = node.child("rule"), let text = ruleNode.value, !text.isEmpty, ruleNode.children.isEmpty {
                    rule = nil  // written as a label
                } else {
                    guard let made = defaultRule(forRouter: node, automatic: automaticRouter, defaultName: defaultName)
                    else { continue }
                    rule = made
                }
                var service: String?
                if let serviceNode = node.child("service"), let text = serviceNode.value, !text.isEmpty,
                   serviceNode.children.isEmpty {
                    service = nil
                } else if serviceNames.count == 1 {
                    service = serviceNames[0]
                } else {
                    let message = "the router has no service and the labels define several ("
                        + serviceNames.joined(separator: ", ") + "); set \(node.key).service; the router is left out"
                    if let serviceNode = node.child("service") { report(message, node: serviceNode) } else { report(message, node: node) }
                    continue
                }
                routerLines.append((node, rule, service))
            }
            if !routerLines.isEmpty {
                yaml.mapping(routersNode?.name ?? "routers", depth: 1,
                             LabelYAML.Line(label: routersNode?.line ?? 0, subject: routersNode?.subject ?? "automatic router"))
                for (node, rule, service) in routerLines {
                    let router = node.name
                    let subject = automaticRouter ? "automatic router \"\(router)\"" : node.subject
                    yaml.mapping(router, depth: 2, LabelYAML.Line(label: node.line, subject: subject, router: router))
                    if let rule {
                        yaml.scalar("rule", rule, depth: 3,
                                    LabelYAML.Line(label: 0, subject: "defaultRule of router \"\(router)\"", router: router),
                                    fromLabel: false)
                    }
                    if let service {
                        let line = LabelYAML.Line(label: node.line, subject: "\(subject) (automatic service \"\(service)\")",
                                                  router: router)
                        yaml.scalar("service", service, depth: 3, line, fromLabel: false)
                    }
                    for child in node.children {
                        let lower = child.name.lowercased()
                        if (lower == "rule" && rule != nil) || (lower == "service" && service != nil) { continue }
                        // As in Traefik, a bad rule costs only its router; any other bad value the whole workload.
                        emit(child, depth: 3, path: ["routers", "*", lower],
                             router: lower == "rule" || lower == "rulesyntax" ? router : nil, into: &yaml)
                    }
                }
            }

            // Services: load balancers whose servers are the workload's addresses.
            yaml.mapping(servicesNode?.name ?? "services", depth: 1,
                         LabelYAML.Line(label: servicesNode?.line ?? 0, subject: servicesNode?.subject ?? "automatic service"))
            for (node, name, servers) in services {
                if let node {
                    yaml.mapping(name, depth: 2, LabelYAML.Line(label: node.line, subject: node.subject))
                    let lb = node.child("loadbalancer")!
                    yaml.mapping(lb.name, depth: 3, LabelYAML.Line(label: lb.line, subject: lb.subject))
                    for child in lb.children {
                        emit(child, depth: 4, path: ["services", "*", "loadbalancer", child.name.lowercased()], router: nil,
                             into: &yaml)
                    }
                } else {
                    let subject = "automatic service \"\(name)\""
                    yaml.mapping(name, depth: 2, LabelYAML.Line(label: 0, subject: subject))
                    yaml.mapping("loadBalancer", depth: 3, LabelYAML.Line(label: 0, subject: subject))
                }
                emitServers(servers, depth: 4, into: &yaml)
            }

            for section in root.children {
                let lower = section.name.lowercased()
                if lower == "routers" || lower == "services" { continue }
                emit(section, depth: 1, path: [lower], router: nil, into: &yaml)
            }

            return run(yaml, names: names)
        }

        /// The rule `defaultRule` makes for a router whose labels set none; nil (reported) when there is none.
        private mutating func defaultRule(forRouter node: LabelNode, automatic: Bool, defaultName: String) -> String? {
            let ruleNode = node.child("rule")
            func fail(_ message: String) -> String? {
                if automatic {
                    report("automatic router \"\(node.name)\": \(message)", label: nil)
                } else if let ruleNode {
                    report(message, node: ruleNode)
                } else {
                    report(message, node: node)
                }
                return nil
            }
            if let ruleNode, !ruleNode.children.isEmpty {
                return fail("a rule is a single label; the router is left out")
            }
            guard let template else {
                // No automatic router without a usable defaultRule (an invalid one is reported once, by the caller).
                if automatic { return nil }
                return fail("the router has no rule and the provider's defaultRule "
                            + (options.defaultRule.isEmpty ? "is empty" : "is invalid") + "; the router is left out")
            }
            let model = LabelRuleTemplate.Model(name: defaultName, containerName: workload.name, labels: workload.labels)
            let rule: String
            do {
                rule = try template.render(model)
            } catch {
                return fail("defaultRule: \(error.message); the router is left out")
            }
            if rule.isEmpty { return fail("defaultRule makes an empty rule; the router is left out") }
            return rule
        }

        /// Labels below a node, as YAML: lists split at commas, `sticky.cookie=true` as an empty mapping.
        private mutating func emit(_ node: LabelNode, depth: Int, path: [String], router: String?,
                                   into yaml: inout LabelYAML) {
            let pattern = path.joined(separator: ".")
            let line = LabelYAML.Line(label: node.line, subject: node.subject, router: router)
            // Options Traefik enables with `=true` (label:"allowEmpty"): any other value disables them.
            if Self.allowEmpty.contains(pattern), let value = node.value, !value.isEmpty, value.lowercased() != "true" {
                if value.lowercased() != "false" {
                    report("expected true or false, found \"\(value)\"; \(node.key) is disabled (as Traefik does)",
                           label: node.valueKey ?? node.key, warning: true)
                }
                return
            }
            if node.children.isEmpty {
                let value = node.value ?? ""
                if Self.allowEmpty.contains(pattern) {
                    yaml.emptyMapping(node.name, depth: depth, line)
                } else if Self.lists.contains(pattern) {
                    // Traefik splits list labels at commas and trims each item; an empty value sets nothing.
                    let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                        .filter { !$0.isEmpty }
                    if !items.isEmpty { yaml.list(node.name, items, depth: depth, line) }
                } else {
                    yaml.scalar(node.name, value, depth: depth, line, fromLabel: true)
                }
                return
            }
            if let value = node.value, !value.isEmpty, value.lowercased() != "true" {
                report("the value \"\(value)\" is ignored: \(node.key) has labels below it",
                       label: node.valueKey ?? node.key, warning: true)
            }
            yaml.mapping(node.name, depth: depth, line)
            for child in node.children {
                let segment = path.count == 1 ? "*" : child.name.lowercased()  // names of routers, middlewares, …
                emit(child, depth: depth + 1, path: path + [segment], router: router, into: &yaml)
            }
        }

        /// Options that are lists (comma-separated in labels), by path below `http` with names as `*`.
        static let lists = Set(["routers.*.entrypoints", "routers.*.middlewares"]
            + Middlewares.types.flatMap { type in
                type.listOptions.map { "middlewares.*.\(type.typeName.lowercased()).\($0)" }
            })

        /// Options Traefik turns on with `=true` alone.
        static let allowEmpty: Set<String> = [
            "services.*.loadbalancer.sticky", "services.*.loadbalancer.sticky.cookie", "services.*.loadbalancer.sticky.header",
            "routers.*.tls",
        ]

        // MARK: Servers

        struct ServerItem {
            var url: String
            /// The label the URL comes from (`server.port` or `server.url`), nil for an automatic port.
            var urlLabel: LabelNode?
            var urlSubject: String
            var weight: LabelNode?
        }

        /// One server per address of the workload (`SCHEME://ADDRESS:PORT`), or the `server.url`; nil (reported) when
        /// the workload must be left out.
        private mutating func servers(for service: LabelNode?) -> [ServerItem]? {
            var port: LabelNode?
            var scheme: LabelNode?
            var weight: LabelNode?
            var url: LabelNode?
            if let service {
                if let value = service.value, !value.isEmpty, !service.children.isEmpty {
                    report("the value \"\(value)\" is ignored: a service is set by labels below it", label: service.valueKey,
                           warning: true)
                }
                var ok = true
                for child in service.children where child.name.lowercased() != "loadbalancer" {
                    report("Limpet reads only load balancer services from labels (\(service.key).loadbalancer.*); "
                           + "the \(noun) is left out", node: child)
                    ok = false
                }
                guard let lb = service.child("loadbalancer") else {
                    if ok { report("expected \(service.key).loadbalancer.* labels; the \(noun) is left out", node: service) }
                    return nil
                }
                if lb.children.isEmpty, let value = lb.value, !value.isEmpty, value.lowercased() != "true" {
                    report("expected labels below it, such as \(lb.key).server.port; the \(noun) is left out", node: lb)
                    return nil
                }
                if let servers = lb.child("servers") {
                    report("write \(lb.key).server.port (or .server.url); the \(noun) is left out", node: servers)
                    return nil
                }
                if let server = lb.removeChild("server") {
                    for option in server.children {
                        switch option.name.lowercased() {
                        case "port": port = option
                        case "scheme": scheme = option
                        case "weight": weight = option
                        case "url": url = option
                        case "preservepath":
                            report("\"preservePath\" is a Traefik option Limpet does not implement; it is ignored",
                                   node: option, warning: true)
                        default:
                            var message = "unknown label"
                            if let s = NodeReader.suggest(option.name, among: ["port", "scheme", "weight", "url"]) {
                                message += " (did you mean \"\(server.key).\(s)\"?)"
                            } else {
                                message += "; expected \(server.key).port, .scheme, .weight or .url"
                            }
                            report(message + "; the \(noun) is left out", node: option)
                            ok = false
                        }
                    }
                    if server.children.isEmpty {
                        report("expected \(server.key).port, .scheme, .weight or .url; the \(noun) is left out", node: server)
                        ok = false
                    }
                }
                guard ok else { return nil }
            }
            for node in [port, scheme, weight, url].compactMap({ $0 }) where !node.children.isEmpty {
                report("expected a value, not labels below it; the \(noun) is left out", node: node)
                return nil
            }
            if let url, let value = url.value, !value.isEmpty {
                if let other = port ?? scheme, !(other.value ?? "").isEmpty {
                    report("defining scheme or port is not allowed when \(url.key) is set (as in Traefik); "
                           + "the \(noun) is left out", node: other)
                    return nil
                }
                return [ServerItem(url: value, urlLabel: url, urlSubject: url.subject, weight: weight)]
            }
            let portText: String
            let portSubject: String
            if let port, let value = port.value, !value.isEmpty {
                guard let number = UInt16(value), number > 0 else {
                    report("invalid port \"\(value)\"; expected 1-65535; the \(noun) is left out", node: port)
                    return nil
                }
                portText = String(number)
                portSubject = port.subject
            } else if options.requirePort {
                let label = "traefik.http.services.\(service?.name ?? "NAME").loadbalancer.server.port"
                report("no port: \(label) is required (Swarm services expose no port to detect); "
                       + "the \(noun) is left out", label: nil)
                return nil
            } else if let lowest = workload.exposedPorts.min() {
                portText = String(lowest)
                portSubject = "\(service?.subject ?? "automatic service") (port \(lowest), the lowest the \(noun) exposes)"
            } else {
                let label = "traefik.http.services.\(service?.name ?? "NAME").loadbalancer.server.port"
                report("no port: the \(noun) exposes none and \(label) is not set; the \(noun) is left out",
                       label: nil, warning: true)
                return nil
            }
            let schemeText = (scheme?.value).flatMap { $0.isEmpty ? nil : $0 } ?? "http"
            var seen: Set<String> = []
            var items: [ServerItem] = []
            for address in workload.addresses where seen.insert(address).inserted {
                items.append(ServerItem(url: "\(schemeText)://\(LabelDecoder.joinHostPort(address, portText))",
                                        urlLabel: (port?.value ?? "").isEmpty ? nil : port, urlSubject: portSubject,
                                        weight: weight))
            }
            if items.isEmpty && !options.allowEmptyServices {
                // A Swarm service scaled to zero has no task to reach: nothing to say. A container always has one.
                if options.provider != "swarm" {
                    report("no address to reach it on (not attached to a network?); the \(noun) is left out",
                           label: nil, warning: true)
                }
                return nil
            }
            return items
        }

        private func emitServers(_ servers: [ServerItem], depth: Int, into yaml: inout LabelYAML) {
            guard !servers.isEmpty else { return }
            yaml.mapping("servers", depth: depth, LabelYAML.Line(label: 0, subject: "servers"))
            for server in servers {
                yaml.listItem("url", server.url, depth: depth + 1,
                              LabelYAML.Line(label: server.urlLabel?.line ?? 0, subject: server.urlSubject))
                if let weight = server.weight {
                    yaml.scalar("weight", weight.value ?? "", depth: depth + 2,
                                LabelYAML.Line(label: weight.line, subject: weight.subject), fromLabel: true)
                }
            }
        }

        // MARK: Running the file decoder

        private mutating func run(_ yaml: LabelYAML, names: Set<String>) -> WorkloadPart {
            let reader = NodeReader(file: source)
            guard let node = reader.compose(yaml.text) else {
                // Cannot happen (every value is quoted); report it rather than trap.
                report("internal error: the YAML made from the labels does not parse: "
                       + reader.diagnostics.map(\.message).joined(separator: "; "), label: nil)
                return failed(names)
            }
            var config = DynamicConfig.decode(node, provider: options.provider, reader: reader)
            var badRouters: Set<String> = []
            var workloadError = false
            for d in reader.diagnostics {
                let line = yaml.line(d.line)
                if !d.isWarning {
                    if let router = line?.router { badRouters.insert("\(router)@\(options.provider)") } else { workloadError = true }
                }
                diagnostics.append(relabel(d, line: line, routerDropped: !d.isWarning && line?.router != nil,
                                           workloadDropped: !d.isWarning && line?.router == nil))
            }
            if workloadError { return failed(names) }
            config.routers.removeAll { badRouters.contains($0.name) }
            relocate(&config, yaml)
            return WorkloadPart(source: source, config: config, diagnostics: diagnostics, definedNames: names)
        }

        /// A file decoder diagnostic, told in terms of labels.
        private func relabel(_ d: Diagnostic, line: LabelYAML.Line?, routerDropped: Bool, workloadDropped: Bool)
            -> Diagnostic
        {
            var message = d.message
            // The decoder starts with the YAML path ("http.routers.web.rule: …"); the subject names the label instead.
            if message.hasPrefix("http"), let colon = message.range(of: ": "),
               !message[..<colon.lowerBound].contains(" ") {
                message = String(message[colon.upperBound...])
            }
            message = message.replacingOccurrences(of: "\"http.", with: "\"traefik.http.")
            if routerDropped { message += "; the router is left out" }
            if workloadDropped { message += "; the \(noun) is left out" }
            let subject = line?.subject ?? "labels"
            return Diagnostic(file: source, line: line?.label ?? 0, column: column(d, line), message: "\(subject): \(message)",
                              isWarning: d.isWarning)
        }

        private func column(_ d: Diagnostic, _ line: LabelYAML.Line?) -> Int {
            guard let line, line.label > 0 else { return 0 }
            if let start = line.valueColumn, d.column > start { return d.column - start }
            return 1
        }

        /// Points every location the configuration keeps at the workload's labels.
        private func relocate(_ config: inout DynamicConfig, _ yaml: LabelYAML) {
            func fix(_ location: SourceLocation?) -> SourceLocation? {
                guard let location else { return nil }
                guard let line = yaml.line(location.line), line.label > 0 else {
                    return SourceLocation(file: source, line: 0, column: 0)
                }
                let column = line.valueColumn.map { location.column > $0 ? location.column - $0 : 1 } ?? 1
                return SourceLocation(file: source, line: line.label, column: column)
            }
            for i in config.routers.indices {
                config.routers[i].location = fix(config.routers[i].location)
                config.routers[i].service.location = fix(config.routers[i].service.location)
                for j in config.routers[i].middlewares.indices {
                    config.routers[i].middlewares[j].location = fix(config.routers[i].middlewares[j].location)
                }
                if var entryPoints = config.routers[i].entryPoints {
                    for j in entryPoints.indices { entryPoints[j].location = fix(entryPoints[j].location) }
                    config.routers[i].entryPoints = entryPoints
                }
            }
            for i in config.services.indices {
                config.services[i].location = fix(config.services[i].location)
                switch config.services[i].kind {
                case .loadBalancer(var lb):
                    for j in lb.servers.indices { lb.servers[j].location = fix(lb.servers[j].location) }
                    let cookieLocation = fix(lb.sticky?.cookie?.location)
                    lb.sticky?.cookie?.location = cookieLocation
                    config.services[i].kind = .loadBalancer(lb)
                case .weighted(var w):
                    for j in w.services.indices { w.services[j].service.location = fix(w.services[j].service.location) }
                    let cookieLocation = fix(w.sticky?.cookie?.location)
                    w.sticky?.cookie?.location = cookieLocation
                    config.services[i].kind = .weighted(w)
                }
            }
            for i in config.middlewares.indices {
                config.middlewares[i].location = fix(config.middlewares[i].location)
            }
        }
    }
}
