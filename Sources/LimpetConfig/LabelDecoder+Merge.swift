extension LabelDecoder {
    /// A definition and the workloads that made it.
    private struct Entry<Definition> {
        var definition: Definition
        var sources: [String]
        /// Where a workload first defined it differently; nil while every workload agrees.
        var conflict: SourceLocation?? = nil
    }

    /// Traefik's `provider.Merge`: a service, router or middleware that several workloads define alike is kept
    /// once (a service with the servers of all of them, each URL once); defined differently, it is left out and
    /// reported. Then routers that name a missing service or middleware of this provider are left out (reported)
    /// so that one bad workload never fails the whole snapshot.
    static func merge(_ parts: [WorkloadPart], options: LabelProviderOptions) -> (DynamicConfig, [Diagnostic]) {
        var config = DynamicConfig(provider: options.provider)
        var diagnostics: [Diagnostic] = []
        var services: [String: Entry<ServiceConfig>] = [:]
        var routers: [String: Entry<RouterConfig>] = [:]
        var middlewares: [String: Entry<MiddlewareConfig>] = [:]
        var leftOut: Set<String> = []

        for part in parts {
            diagnostics += part.diagnostics
            guard let partConfig = part.config else {
                if part.failed { leftOut.formUnion(part.definedNames) }
                continue
            }
            for service in partConfig.services {
                guard var entry = services[service.name] else {
                    services[service.name] = Entry(definition: service, sources: [part.source])
                    continue
                }
                entry.sources.append(part.source)
                if entry.conflict == nil, case .loadBalancer(var lb) = entry.definition.kind,
                   case .loadBalancer(let other) = service.kind,
                   fingerprint(lb, skipping: ["servers", "location"]) == fingerprint(other, skipping: ["servers", "location"]) {
                    for server in other.servers where !lb.servers.contains(where: { $0.url == server.url }) {
                        lb.servers.append(server)
                    }
                    entry.definition.kind = .loadBalancer(lb)
                } else if entry.conflict == nil {
                    entry.conflict = .some(service.location)
                }
                services[service.name] = entry
            }
            for router in partConfig.routers {
                guard var entry = routers[router.name] else {
                    routers[router.name] = Entry(definition: router, sources: [part.source])
                    continue
                }
                entry.sources.append(part.source)
                if entry.conflict == nil, fingerprint(entry.definition, skipping: ["location", "rule"])
                    != fingerprint(router, skipping: ["location", "rule"]) {
                    entry.conflict = .some(router.location)
                }
                routers[router.name] = entry
            }
            for middleware in partConfig.middlewares {
                guard var entry = middlewares[middleware.name] else {
                    middlewares[middleware.name] = Entry(definition: middleware, sources: [part.source])
                    continue
                }
                entry.sources.append(part.source)
                if entry.conflict == nil, fingerprint(entry.definition, skipping: ["location"])
                    != fingerprint(middleware, skipping: ["location"]) {
                    entry.conflict = .some(middleware.location)
                }
                middlewares[middleware.name] = entry
            }
        }

        func conflict<D>(_ kind: String, _ name: String, _ entry: Entry<D>) -> Bool {
            guard case .some(let location) = entry.conflict else { return false }
            var sources: [String] = []
            for source in entry.sources where !sources.contains(source) { sources.append(source) }
            let listed = sources.count <= 2 ? sources.joined(separator: " and ")
                : sources.dropLast().joined(separator: ", ") + " and " + sources.last!
            let compared = kind == "service" ? "every option but the servers" : "every option"
            let at = location ?? SourceLocation(file: sources.last!, line: 0, column: 0)
            diagnostics.append(at.diagnostic("\(kind) \"\(name)\" is defined differently by \(listed) (\(compared) "
                                             + "must be the same to share it); the \(kind) is left out"))
            leftOut.insert(name)
            return true
        }
        for name in services.keys.sorted() {
            guard let entry = services[name], !conflict("service", name, entry) else { continue }
            var service = entry.definition
            if case .loadBalancer(var lb) = service.kind {
                // Sorted, so that every replica of Limpet lists them alike whatever order Docker answers in.
                lb.servers.sort { $0.url < $1.url }
                service.kind = .loadBalancer(lb)
            }
            config.services.append(service)
        }
        for name in middlewares.keys.sorted() {
            guard let entry = middlewares[name], !conflict("middleware", name, entry) else { continue }
            config.middlewares.append(entry.definition)
        }
        var candidates: [RouterConfig] = []
        for name in routers.keys.sorted() {
            guard let entry = routers[name], !conflict("router", name, entry) else { continue }
            candidates.append(entry.definition)
        }

        // References inside this provider are checked here; those to other providers by SnapshotBuilder.
        let suffix = "@\(options.provider)"
        let serviceNames = Set(config.services.map(\.name))
        let middlewareNames = Set(config.middlewares.map(\.name))
        func missing(_ kind: String, _ reference: Reference, defined: Set<String>) -> String? {
            guard reference.name.hasSuffix(suffix), !defined.contains(reference.name) else { return nil }
            if leftOut.contains(reference.name) {
                return "\(kind) \"\(reference.written)\" was left out (see above)"
            }
            return "\(kind) \"\(reference.written)\" is not defined (looked for \"\(reference.name)\" in the labels of "
                + "every \(options.provider == "swarm" ? "service" : "container"))"
        }
        for var router in candidates {
            var problems: [(String, SourceLocation?)] = []
            if let problem = missing("service", router.service, defined: serviceNames) {
                problems.append((problem, router.service.location))
            }
            for middleware in router.middlewares {
                if let problem = missing("middleware", middleware, defined: middlewareNames) {
                    problems.append((problem, middleware.location))
                }
            }
            if let known = options.entryPoints, let entryPoints = router.entryPoints {
                let unknown = entryPoints.filter { !known.contains($0.name) }
                if !unknown.isEmpty {
                    let names = unknown.map { "\"\($0.name)\"" }.joined(separator: ", ")
                    let defined = "defined: " + known.joined(separator: ", ")
                    if unknown.count == entryPoints.count {
                        problems.append(("entry point(s) \(names) not defined in the static configuration (\(defined))",
                                         unknown[0].location))
                    } else {
                        let at = unknown[0].location ?? router.location ?? SourceLocation(file: "", line: 0, column: 0)
                        diagnostics.append(at.diagnostic(
                            "router \"\(router.name)\": entry point(s) \(names) not defined in the static configuration "
                            + "(\(defined)); the router serves the others", isWarning: true))
                        router.entryPoints = entryPoints.filter { known.contains($0.name) }
                    }
                }
            }
            if problems.isEmpty {
                config.routers.append(router)
                continue
            }
            for (problem, location) in problems {
                let at = location ?? router.location ?? SourceLocation(file: "", line: 0, column: 0)
                diagnostics.append(at.diagnostic("router \"\(router.name)\": \(problem); the router is left out"))
            }
        }
        config.invalidDefinitions = leftOut
        return (config, diagnostics)
    }

    /// Everything a definition holds, as text, without the properties named in `skipping` (at any depth): two
    /// definitions are alike when their fingerprints are equal. Reflection keeps this right when options are added.
    static func fingerprint(_ value: Any, skipping: Set<String>) -> String {
        let mirror = Mirror(reflecting: value)
        guard !mirror.children.isEmpty else { return String(reflecting: value) }
        var out = "\(mirror.subjectType)("
        for child in mirror.children {
            if let label = child.label, skipping.contains(label) { continue }
            out += "\(child.label ?? "_"): \(fingerprint(child.value, skipping: skipping)), "
        }
        return out + ")"
    }
}
