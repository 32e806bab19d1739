import LimpetHTTP
import LimpetRouting

/// Choosing the server for a request (SPEC §5): a valid sticky cookie pins; a cookie whose server is down,
/// drained or gone moves deterministically (weighted rendezvous hashing of its value over the servers that can
/// take new sessions, so every Limpet replica moves it to the same place); `sticky.header` pins cookie-less
/// clients the same way; everything else goes to the service's strategy. Whenever the balancer chose, the
/// response carries a new `Set-Cookie`.
extension ClientConnection {
    func chooseServer(service index: Int, source: UnsafeRawBufferPointer) -> ServerRuntime? {
        let runtime = worker.services[index]
        switch runtime.service.kind {
        case .loadBalancer(let balancer):
            return choose(in: balancer, runtime: runtime, source: source)
        case .weighted(let weighted):
            guard let child = chooseChild(of: weighted, runtime: runtime, source: source) else { return nil }
            return chooseServer(service: weighted.children[child].serviceIndex, source: source)
        }
    }

    private func choose(in balancer: LoadBalancerService, runtime: ServiceRuntime,
                        source: UnsafeRawBufferPointer) -> ServerRuntime? {
        let now = loop.now
        let servers = balancer.servers
        func takesNew(_ i: Int) -> Bool {
            servers[i].weight > 0 && !servers[i].isDraining && runtime.isUp(i, now: now)
        }
        func keepsSessions(_ i: Int) -> Bool {
            runtime.isUp(i, now: now) && (!servers[i].isDraining || now < servers[i].drainingUntil)
        }
        balancerCookieOffset = setCookie.count
        var chosen: Int?
        if let sticky = balancer.sticky, let (match, header) = findCookie(sticky, in: source) {
            if case .server(let i, let canonical) = match, i < servers.count, keepsSessions(i) {
                if !canonical { addSetCookie(sticky.setCookieLine(server: i)) }
                if servers[i].isDraining, let j = Rendezvous.pick(key: cookieValue(sticky, in: header),
                                                                   seeds: runtime.seeds, weights: runtime.weights,
                                                                   isEligible: takesNew) {
                    failover = runtime.servers[j]
                    failoverCookie = sticky.setCookieLine(server: j)
                }
                return settle(i, in: balancer, runtime: runtime)
            }
            // Unknown value, or its server is down, past its drain deadline or gone: move it deterministically.
            chosen = Rendezvous.pick(key: cookieValue(sticky, in: header), seeds: runtime.seeds,
                                     weights: runtime.weights, isEligible: takesNew)
            guard chosen != nil else { return nil }
        } else if let header = balancer.stickyHeader, let value = headerValue(named: header, in: source) {
            chosen = Rendezvous.pick(key: value, seeds: runtime.seeds, weights: runtime.weights, isEligible: takesNew)
        }
        if chosen == nil {
            switch balancer.strategy {
            case .wrr:
                chosen = runtime.roundRobin.next(isEligible: takesNew)
            case .p2c:
                chosen = PowerOfTwoChoices.pick(count: servers.count, random: &worker.random,
                                                load: { runtime.servers[$0].inFlight }, isEligible: takesNew)
            case .leasttime:
                chosen = LeastTime.pick(count: servers.count, averageTTFB: { runtime.servers[$0].averageTTFB },
                                        inFlight: { runtime.servers[$0].inFlight },
                                        weight: { servers[$0].weight }, isEligible: takesNew)
            case .hrw:
                chosen = clientIP.withUnsafeBytes {
                    Rendezvous.pick(key: $0, seeds: runtime.seeds, weights: runtime.weights, isEligible: takesNew)
                }
            }
        }
        guard let chosen else { return nil }
        if let sticky = balancer.sticky { addSetCookie(sticky.setCookieLine(server: chosen)) }
        return settle(chosen, in: balancer, runtime: runtime)
    }

    private func settle(_ i: Int, in balancer: LoadBalancerService, runtime: ServiceRuntime) -> ServerRuntime {
        if let state = middleware, state.retry.policy != nil {
            state.balancedService = runtime
            state.balancedIndex = i
        }
        passHostHeader = balancer.passHostHeader
        chosenHealth = runtime.health?[i]
        passiveCheck = balancer.passiveHealthCheck
        return runtime.servers[i]
    }

    /// For the `retry` middleware: another server of the balancer that chose the one that could not be reached,
    /// and the `Set-Cookie` line that moves a sticky session to it. Sticky services pick by rendezvous hashing of
    /// the failed server's cookie value (every replica moves the session to the same place), others by their
    /// round robin. Nil when no other server can take the request.
    func alternativeServer() -> (ServerRuntime, [UInt8])? {
        guard let state = middleware, let runtime = state.balancedService,
              case .loadBalancer(let balancer) = runtime.service.kind else { return nil }
        let failed = state.balancedIndex
        let servers = balancer.servers
        let now = loop.now
        func takesNew(_ i: Int) -> Bool {
            i != failed && servers[i].weight > 0 && !servers[i].isDraining && runtime.isUp(i, now: now)
        }
        let next: Int?
        if let sticky = balancer.sticky, failed < sticky.values.count {
            next = sticky.values[failed].withUnsafeBytes {
                Rendezvous.pick(key: $0, seeds: runtime.seeds, weights: runtime.weights, isEligible: takesNew)
            }
        } else {
            next = runtime.roundRobin.next(isEligible: takesNew)
        }
        guard let next else { return nil }
        state.balancedIndex = next
        chosenHealth = runtime.health?[next]
        return (runtime.servers[next], balancer.sticky?.setCookieLine(server: next) ?? [])
    }

    /// A child of a weighted service, with its own cookie: a pinned child keeps the session while any of its
    /// servers is up; otherwise the same rendezvous rule moves it among the children that can take sessions.
    private func chooseChild(of weighted: WeightedService, runtime: ServiceRuntime,
                             source: UnsafeRawBufferPointer) -> Int? {
        let children = weighted.children
        let now = loop.now
        func takesNew(_ c: Int) -> Bool { children[c].weight > 0 && canServe(children[c].serviceIndex, now: now) }
        if let sticky = weighted.sticky, let (match, header) = findCookie(sticky, in: source) {
            if case .server(let c, let canonical) = match, c < children.count,
               canServe(children[c].serviceIndex, now: now, sessionsToo: true) {
                if !canonical { addSetCookie(sticky.setCookieLine(server: c)) }
                return c
            }
            guard let c = Rendezvous.pick(key: cookieValue(sticky, in: header), seeds: runtime.seeds,
                                          weights: runtime.weights, isEligible: takesNew) else { return nil }
            addSetCookie(sticky.setCookieLine(server: c))
            return c
        }
        guard let c = runtime.roundRobin.next(isEligible: takesNew) else { return nil }
        if let sticky = weighted.sticky { addSetCookie(sticky.setCookieLine(server: c)) }
        return c
    }

    /// Whether a service has a server that can take a new session (or, with `sessionsToo`, keep one).
    private func canServe(_ index: Int, now: UInt64, sessionsToo: Bool = false) -> Bool {
        let runtime = worker.services[index]
        switch runtime.service.kind {
        case .loadBalancer(let balancer):
            for (i, server) in balancer.servers.enumerated() where runtime.isUp(i, now: now) {
                if sessionsToo ? (!server.isDraining || now < server.drainingUntil)
                    : (server.weight > 0 && !server.isDraining) { return true }
            }
            return false
        case .weighted(let weighted):
            return weighted.children.contains { $0.weight > 0 && canServe($0.serviceIndex, now: now) }
        }
    }

    /// Our cookie in the request's `Cookie` headers: what it names, and the `Cookie` header it is in.
    private func findCookie(_ sticky: StickyCookie,
                            in source: UnsafeRawBufferPointer) -> (StickyCookie.Match, UnsafeRawBufferPointer)? {
        let headers = worker.headers
        for i in 0..<headers.count where headers[i].kind == .cookie {
            let value = UnsafeRawBufferPointer(rebasing: source[Int(headers[i].value.start)..<Int(headers[i].value.end)])
            let match = sticky.find(inCookieHeader: value)
            if case .absent = match { continue }
            return (match, value)
        }
        return nil
    }

    /// The bytes of our cookie's value in a `Cookie` header (the key failover hashes); only needed off the
    /// common path, so not computed by `findCookie`.
    private func cookieValue(_ sticky: StickyCookie, in header: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let range = sticky.value(inCookieHeader: header) ?? 0..<0
        return UnsafeRawBufferPointer(rebasing: header[range])
    }

    /// The value of the first header called `name`, if present and not empty.
    private func headerValue(named name: String, in source: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        let headers = worker.headers
        let found = name.utf8.withContiguousStorageIfAvailable {
            headers.firstIndex(named: UnsafeRawBufferPointer($0), in: source)
        }
        guard let index = found ?? nil else { return nil }
        let span = headers[index].value
        guard !span.isEmpty else { return nil }
        return UnsafeRawBufferPointer(rebasing: source[Int(span.start)..<Int(span.end)])
    }

    func addSetCookie(_ line: [UInt8]) {
        if setCookie.isEmpty { setCookie = line } else { setCookie += line }
    }

    // MARK: accounting

    func countInFlight(_ server: ServerRuntime) {
        releaseInFlight()
        server.inFlight += 1
        countedServer = server
        exchangeStart = loop.now
    }

    func releaseInFlight() {
        countedServer?.inFlight -= 1
        countedServer = nil
    }

    /// SPEC §5.4 passive checks: a failed request (connection failure, reset, timeout or status ≥ 500).
    func recordPassiveFailure() {
        guard let health = chosenHealth, let passive = passiveCheck else { return }
        let window = passive.failureWindow.wholeNanoseconds
        if health.recordFailure(now: loop.now, window: window, maxFailedAttempts: passive.maxFailedAttempts) {
            worker.logger.warning(
                "passive health check: \(health.label) is down for \(passive.failureWindow) after \(passive.maxFailedAttempts) failed request(s)")
        }
    }
}
