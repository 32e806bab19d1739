import LimpetHTTP
import LimpetRouting

/// Choosing the server for a request (SPEC §5): a valid sticky cookie pins; a cookie whose server is down,
/// drained or gone moves deterministically (weighted rendezvous hashing of its value over the servers that can
/// take new sessions, so every Limpet replica moves it to the same place); `sticky.header` pins cookie-less
/// clients the same way; everything else goes to the service's strategy. Whenever the balancer chose, the
/// response carries a new `Set-Cookie`.
/// Choosing the server for a request (SPEC §5): the decision is the service's `Balancer`'s (LimpetRouting, pure and
/// unit-tested); this extension hands it what the loop knows of the servers and the request, and applies its
/// `Choice`: the server, the `Set-Cookie` line when the balancer chose (or a legacy cookie value is refreshed), and,
/// for a session pinned to a draining server, where it fails over to.
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
        balancerCookieOffset = setCookie.count
        let members = ServerMembers(runtime: runtime, servers: balancer.servers, now: loop.now)
        guard let choice = runtime.balancer.choose(members, for: RequestFacts(connection: self, source: source),
                                                   random: &worker.random) else { return nil }
        let i = choice.member
        if let sticky = balancer.sticky, choice.setsCookie { addSetCookie(sticky.setCookieLine(server: i)) }
        if case .draining(_, _, let next?) = choice, let sticky = balancer.sticky {
            failover = runtime.servers[next]
            failoverCookie = sticky.setCookieLine(server: next)
        }
        if let state = middleware, state.retry.policy != nil {
            state.balancedService = runtime
            state.balancedIndex = i
        }
        passHostHeader = balancer.passHostHeader
        chosenPassive = runtime.passive?[i]
        if observed != nil { observeChoice(choice, service: runtime.service, server: balancer.servers[i]) }
        return runtime.servers[i]
    }

    /// For the `retry` middleware: another server of the balancer that chose the one that could not be reached,
    /// and the `Set-Cookie` line that moves a sticky session to it (`Balancer.alternative`). Nil when no other
    /// server can take the request.
    func alternativeServer() -> (ServerRuntime, [UInt8])? {
        guard let state = middleware, let runtime = state.balancedService,
              case .loadBalancer(let balancer) = runtime.service.kind else { return nil }
        let members = ServerMembers(runtime: runtime, servers: balancer.servers, now: loop.now)
        guard let next = runtime.balancer.alternative(to: state.balancedIndex, members) else { return nil }
        state.balancedIndex = next
        chosenPassive = runtime.passive?[next]
        return (runtime.servers[next], balancer.sticky?.setCookieLine(server: next) ?? [])
    }

    /// A child of a weighted service, with its own cookie: a pinned child keeps the session while any of its
    /// servers is up; otherwise the same rendezvous rule moves it among the children that can take sessions.
    private func chooseChild(of weighted: WeightedService, runtime: ServiceRuntime,
                             source: UnsafeRawBufferPointer) -> Int? {
        let members = ChildMembers(worker: worker, children: weighted.children, now: loop.now)
        guard let choice = runtime.balancer.choose(members, for: RequestFacts(connection: self, source: source),
                                                   random: &worker.random) else { return nil }
        if let sticky = weighted.sticky, choice.setsCookie { addSetCookie(sticky.setCookieLine(server: choice.member)) }
        return choice.member
    }

    /// The `Cookie` headers searched for a service's cookie: what it names, and the `Cookie` header it is in.
    fileprivate func findCookie(_ sticky: StickyCookie,
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

    /// The value of the first header called `name`, if present and not empty.
    fileprivate func headerValue(named name: String, in source: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
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
        guard let passive = chosenPassive, passive.record(now: loop.now) else { return }
        worker.logger.warning(
            "passive health check: \(passive.health.label) is down for \(passive.check.failureWindow) after \(passive.check.maxFailedAttempts) failed request(s)")
    }
}

/// A load balancer's servers as its `Balancer` sees them on this loop at `now`.
private struct ServerMembers: BalancerMembers {
    unowned(unsafe) let runtime: ServiceRuntime
    let servers: [ServerDef]
    let now: UInt64

    // Field by field: binding `servers[i]` to a local would copy the struct and retain its strings.
    @inline(__always)
    func takesNewSessions(_ i: Int) -> Bool {
        servers[i].weight > 0 && !servers[i].isDraining && runtime.isUp(i, now: now)
    }

    @inline(__always)
    func keepsSessions(_ i: Int) -> Bool {
        runtime.isUp(i, now: now) && (!servers[i].isDraining || now < servers[i].drainingUntil)
    }

    func isDraining(_ i: Int) -> Bool { servers[i].isDraining }
    func inFlight(_ i: Int) -> Int { runtime.servers[i].inFlight }
    func averageTTFB(_ i: Int) -> Double { runtime.servers[i].averageTTFB }
}

/// A weighted service's children: a child takes a new session when one of its servers does, and keeps one while
/// one of its servers can (recursively through nested weighted services).
private struct ChildMembers: BalancerMembers {
    unowned(unsafe) let worker: Worker
    let children: [WeightedChild]
    let now: UInt64

    func takesNewSessions(_ c: Int) -> Bool {
        children[c].weight > 0 && Self.canServe(children[c].serviceIndex, worker: worker, now: now)
    }

    func keepsSessions(_ c: Int) -> Bool {
        Self.canServe(children[c].serviceIndex, worker: worker, now: now, sessionsToo: true)
    }

    func isDraining(_ c: Int) -> Bool { false }
    func inFlight(_ c: Int) -> Int { 0 }
    func averageTTFB(_ c: Int) -> Double { 0 }

    /// Whether a service has a server that can take a new session (or, with `sessionsToo`, keep one).
    static func canServe(_ index: Int, worker: Worker, now: UInt64, sessionsToo: Bool = false) -> Bool {
        let runtime = worker.services[index]
        switch runtime.service.kind {
        case .loadBalancer(let balancer):
            for (i, server) in balancer.servers.enumerated() where runtime.isUp(i, now: now) {
                if sessionsToo ? (!server.isDraining || now < server.drainingUntil)
                    : (server.weight > 0 && !server.isDraining) { return true }
            }
            return false
        case .weighted(let weighted):
            return weighted.children.contains { $0.weight > 0 && canServe($0.serviceIndex, worker: worker, now: now) }
        }
    }
}

/// The request head a `Balancer` reads: cookies, `sticky.header` and the client IP, looked up only when asked.
private struct RequestFacts: BalancedRequest {
    unowned(unsafe) let connection: ClientConnection
    let source: UnsafeRawBufferPointer

    func cookie(_ sticky: StickyCookie) -> (StickyCookie.Match, UnsafeRawBufferPointer)? {
        connection.findCookie(sticky, in: source)
    }

    func header(named name: String) -> UnsafeRawBufferPointer? { connection.headerValue(named: name, in: source) }

    func withClientIP<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { connection.clientIP.withUnsafeBytes(body) }
}
