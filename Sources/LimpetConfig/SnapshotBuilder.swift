import LimpetHTTP
import LimpetRouting

/// Links the dynamic configuration of every provider into a `Snapshot`: resolves references, builds
/// balancers and sticky cookies, resolves server addresses and sorts the routers of each entry point.
public enum SnapshotBuilder {
    /// - Parameter dynamic: one configuration per provider that has produced one. A reference to a
    ///   provider that is enabled in `staticConfig` but absent here (Docker not answered yet) is not an
    ///   error: the routers that need it are left out until it arrives.
    public static func build(static staticConfig: StaticConfig, dynamic: [DynamicConfig],
                             generation: UInt64) throws(ConfigError) -> Snapshot {
        var diagnostics: [Diagnostic] = []
        let snapshot = build(staticConfig, dynamic, generation, &diagnostics)
        guard let snapshot, !diagnostics.contains(where: { !$0.isWarning }) else {
            throw ConfigError(diagnostics: diagnostics)
        }
        return snapshot
    }

    static func build(_ staticConfig: StaticConfig, _ dynamic: [DynamicConfig], _ generation: UInt64,
                      _ diagnostics: inout [Diagnostic]) -> Snapshot? {
        func error(_ message: String, at location: SourceLocation?) {
            let loc = location ?? SourceLocation(file: staticConfig.path, line: 1, column: 1)
            diagnostics.append(loc.diagnostic(message))
        }
        var pendingProviders: Set<String> = []
        if staticConfig.docker != nil { pendingProviders.insert("docker") }
        if staticConfig.swarm != nil { pendingProviders.insert("swarm") }
        for config in dynamic { pendingProviders.remove(config.provider) }
        let invalid = dynamic.reduce(into: Set<String>()) { $0.formUnion($1.invalidDefinitions) }
        func isPending(_ qualified: String) -> Bool {
            if invalid.contains(qualified) { return true }  // already reported where it is defined
            guard let at = qualified.lastIndex(of: "@") else { return false }
            return pendingProviders.contains(String(qualified[qualified.index(after: at)...]))
        }
        /// Names of the Docker and Swarm providers come and go with containers: a reference to one that is not
        /// there now leaves its router out (with a warning) rather than rejecting the whole configuration.
        func isTransient(_ qualified: String) -> Bool {
            qualified.hasSuffix("@docker") && staticConfig.docker != nil
                || qualified.hasSuffix("@swarm") && staticConfig.swarm != nil
        }
        func warning(_ message: String, at location: SourceLocation?) {
            let loc = location ?? SourceLocation(file: staticConfig.path, line: 1, column: 1)
            diagnostics.append(loc.diagnostic(message, isWarning: true))
        }

        let serviceConfigs = dynamic.flatMap(\.services)
        var indexByName: [String: Int] = [:]
        for (i, service) in serviceConfigs.enumerated() where indexByName[service.name] == nil {
            indexByName[service.name] = i
        }
        var middlewareByName: [String: MiddlewareConfig] = [:]
        for middleware in dynamic.flatMap(\.middlewares) where middlewareByName[middleware.name] == nil {
            middlewareByName[middleware.name] = middleware
        }
        let middlewareNames = Set(middlewareByName.keys)
        // Routers with the same middlewares share one chain, and so its in-flight and rate-limit state.
        var chains: [[String]: MiddlewareChain] = [:]

        // A weighted service is usable when every child is, without cycles.
        var usable: [Int: Bool] = [:]
        var visiting: Set<Int> = []
        func checkUsable(_ index: Int) -> Bool {
            if let known = usable[index] { return known }
            guard case .weighted(let w) = serviceConfigs[index].kind else {
                usable[index] = true
                return true
            }
            if visiting.contains(index) { return false }
            visiting.insert(index)
            var ok = true
            for child in w.services {
                if let childIndex = indexByName[child.service.name] {
                    if visiting.contains(childIndex) {
                        error("service \"\(serviceConfigs[index].name)\": weighted services form a cycle through "
                              + "\"\(child.service.written)\"", at: child.service.location)
                        ok = false
                    } else if !checkUsable(childIndex) {
                        ok = false
                    }
                } else {
                    if isTransient(child.service.name) {
                        warning("service \"\(serviceConfigs[index].name)\": service \"\(child.service.written)\" does "
                                + "not exist now; the weighted service is left out until it does",
                                at: child.service.location)
                    } else if !isPending(child.service.name) {
                        error("service \"\(child.service.written)\" not found (looked for \"\(child.service.name)\")",
                              at: child.service.location)
                    }
                    ok = false
                }
            }
            visiting.remove(index)
            usable[index] = ok
            return ok
        }
        for i in serviceConfigs.indices { _ = checkUsable(i) }
        // Only usable services make it into the snapshot; `position` maps configuration order to snapshot index.
        var position: [String: Int] = [:]
        for (i, config) in serviceConfigs.enumerated() where usable[i] == true && position[config.name] == nil {
            position[config.name] = position.count
        }

        // Services, with addresses resolved once per host and port.
        var resolved: [String: Result<SocketAddress, SocketAddress.ResolveError>] = [:]
        var services: [Service] = []
        for (i, config) in serviceConfigs.enumerated() where usable[i] == true && position[config.name] == services.count {
            switch config.kind {
            case .loadBalancer(let lb):
                var servers: [ServerDef] = []
                for server in lb.servers {
                    guard case .success(let url) = ServerDef.parseURL(server.url) else {
                        error("invalid server URL \"\(server.url)\"", at: server.location)
                        continue
                    }
                    let key = "\(url.host)|\(url.port)"
                    let result = resolved[key] ?? Result { () throws(SocketAddress.ResolveError) -> SocketAddress in
                        try SocketAddress.resolve(host: url.host, port: url.port)
                    }
                    resolved[key] = result
                    switch result {
                    case .success(let address):
                        servers.append(ServerDef(url: server.url, host: url.host, port: url.port, weight: server.weight,
                                                 address: address, hostHeader: Array(url.authority.utf8)))
                    case .failure(let problem):
                        error("server \"\(server.url)\": \(problem.description)", at: server.location)
                    }
                }
                var cookie: StickyCookie?
                if let c = lb.sticky?.cookie, lb.strategy != .hrw {
                    cookie = stickyCookie(c, service: config.name, keys: servers.map(\.url))
                }
                let balancer = LoadBalancerService(servers: servers, passHostHeader: lb.passHostHeader, sticky: cookie,
                                                   strategy: lb.strategy, stickyHeader: lb.sticky?.headerName,
                                                   drainTimeout: lb.sticky?.drainTimeout ?? .zero,
                                                   healthCheck: lb.healthCheck,
                                                   passiveHealthCheck: lb.passiveHealthCheck)
                services.append(Service(name: config.name, kind: .loadBalancer(balancer)))
            case .weighted(let w):
                let children = w.services.map { child in
                    WeightedChild(serviceIndex: position[child.service.name] ?? -1, weight: child.weight,
                                  name: child.service.written)
                }
                let cookie = w.sticky?.cookie.map {
                    stickyCookie($0, service: config.name, keys: w.services.map(\.service.written))
                }
                services.append(Service(name: config.name, kind: .weighted(WeightedService(children: children,
                                                                                          sticky: cookie))))
            }
        }

        // Routers, per entry point.
        let entryPointNames = staticConfig.entryPoints.map(\.name)
        var tables: [[Router]] = Array(repeating: [], count: entryPointNames.count)
        for router in dynamic.flatMap(\.routers) {
            var ok = router.rule != nil
            var skip = false
            var serviceIndex = -1
            if indexByName[router.service.name] != nil {
                // Present but unusable (a weighted child is missing): the error, if any, is already reported.
                if let snapshotIndex = position[router.service.name] { serviceIndex = snapshotIndex } else { skip = true }
            } else if router.service.name.hasSuffix("@internal") {
                diagnostics.append((router.service.location ?? router.location ?? SourceLocation(
                    file: staticConfig.path, line: 1, column: 1)).diagnostic(
                        "router \"\(router.name)\": internal services (\(router.service.written)) are served on the "
                        + "traefik entry point only; this router is ignored", isWarning: true))
                skip = true
            } else if isPending(router.service.name) {
                skip = true
            } else if isTransient(router.service.name) {
                warning("router \"\(router.name)\": service \"\(router.service.written)\" does not exist now; the "
                        + "router is left out until it does", at: router.service.location)
                skip = true
            } else {
                error("router \"\(router.name)\": service \"\(router.service.written)\" not found "
                      + "(looked for \"\(router.service.name)\")", at: router.service.location)
                ok = false
            }
            for middleware in router.middlewares where !middlewareNames.contains(middleware.name) {
                if isPending(middleware.name) {
                    skip = true
                } else if isTransient(middleware.name) {
                    warning("router \"\(router.name)\": middleware \"\(middleware.written)\" does not exist now; the "
                            + "router is left out until it does", at: middleware.location)
                    skip = true
                } else {
                    error("router \"\(router.name)\": middleware \"\(middleware.written)\" not found "
                          + "(looked for \"\(middleware.name)\")", at: middleware.location)
                    ok = false
                }
            }
            var targets: [Int] = []
            if let entryPoints = router.entryPoints {
                for ep in entryPoints {
                    if let index = entryPointNames.firstIndex(of: ep.name) {
                        if !targets.contains(index) { targets.append(index) }
                    } else {
                        error("router \"\(router.name)\": entry point \"\(ep.name)\" is not defined in "
                              + "\(staticConfig.path) (defined: \(entryPointNames.joined(separator: ", ")))",
                              at: ep.location)
                        ok = false
                    }
                }
            } else {
                targets = entryPointNames.indices.filter { entryPointNames[$0] != "traefik" }
            }
            guard ok, !skip, let rule = router.rule else { continue }
            var chain: MiddlewareChain?
            if !router.middlewares.isEmpty {
                let key = router.middlewares.map(\.name)
                if let built = chains[key] {
                    chain = built
                } else {
                    let built = compileChain(router.middlewares, definitions: middlewareByName,
                                             diagnostics: &diagnostics)
                    chains[key] = built
                    chain = built
                }
            }
            let compiled = Router(name: router.name, rule: rule, ruleText: router.ruleText,
                                  priority: router.effectivePriority, serviceIndex: serviceIndex, chain: chain)
            for target in targets { tables[target].append(compiled) }
        }

        guard !diagnostics.contains(where: { !$0.isWarning }) else { return nil }
        return Snapshot(generation: generation, entryPointNames: entryPointNames,
                        routeTables: tables.map { RouteTable(routers: $0) }, services: services)
    }

    /// Compiles a router's middlewares in order, each adding its steps and chain-level effects.
    static func compileChain(_ references: [Reference], definitions: [String: MiddlewareConfig],
                             diagnostics: inout [Diagnostic]) -> MiddlewareChain {
        var chain = MiddlewareChainBuilder()
        for reference in references {
            guard let definition = definitions[reference.name] else { continue }
            chain.location = definition.location
            definition.middleware.compile(into: &chain)
        }
        return chain.build(names: references.map(\.name), diagnostics: &diagnostics)
    }

    static func stickyCookie(_ c: CookieConfig, service: String, keys: [String]) -> StickyCookie {
        let name = c.name.isEmpty ? CookieNaming.defaultName(qualifiedService: service) : CookieNaming.sanitize(c.name)
        return StickyCookie(name: name, secure: c.secure, httpOnly: c.httpOnly, sameSite: c.sameSite, maxAge: c.maxAge,
                            path: c.path, domain: c.domain, secret: c.secret, keys: keys)
    }
}
