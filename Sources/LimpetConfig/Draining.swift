import LimpetRouting

/// SPEC §5.5: a server that leaves a load balancer's configuration stays in it, draining, for the service's
/// `sticky.drainTimeout`: requests whose cookie names it still reach it; no new session is sent to it.
public enum Draining {
    /// `next` with every server that was in `previous` (configured or already draining) and is missing from
    /// `next` appended as draining, until `now + drainTimeout` (or its earlier deadline if it was already
    /// draining). Servers whose deadline has passed are dropped. Services without a drain timeout are unchanged.
    public static func carryOver(into next: Snapshot, from previous: Snapshot, now: UInt64) -> Snapshot {
        var changed = false
        let services = next.services.map { service -> Service in
            guard case .loadBalancer(let balancer) = service.kind, balancer.drainTimeout > .zero,
                  let old = previous.services.first(where: { $0.name == service.name }),
                  case .loadBalancer(let oldBalancer) = old.kind else { return service }
            let present = Set(balancer.servers.map(\.url))
            let timeout = balancer.drainTimeout.wholeNanoseconds
            var leaving: [ServerDef] = []
            for server in oldBalancer.servers where !present.contains(server.url) {
                var draining = server
                draining.drainingUntil = server.isDraining ? server.drainingUntil : now + timeout
                if draining.drainingUntil > now { leaving.append(draining) }
            }
            guard !leaving.isEmpty else { return service }
            changed = true
            let servers = balancer.servers + leaving
            let sticky = balancer.sticky.map { cookie in
                StickyCookie(name: cookie.name, secure: cookie.secure, httpOnly: cookie.httpOnly,
                             sameSite: cookie.sameSite, maxAge: cookie.maxAge, path: cookie.path,
                             domain: cookie.domain, secret: cookie.secret, keys: servers.map(\.url))
            }
            return Service(name: service.name, kind: .loadBalancer(LoadBalancerService(
                servers: servers, passHostHeader: balancer.passHostHeader, sticky: sticky,
                strategy: balancer.strategy, stickyHeader: balancer.stickyHeader,
                drainTimeout: balancer.drainTimeout, healthCheck: balancer.healthCheck,
                passiveHealthCheck: balancer.passiveHealthCheck)))
        }
        guard changed else { return next }
        return Snapshot(generation: next.generation, entryPointNames: next.entryPointNames,
                        routeTables: next.routeTables, services: services)
    }
}
