import LimpetRouting
import Synchronization

/// Health of one server of one service, shared by every worker: the active check writes it from worker 0's loop,
/// passive failures from any loop; the hot path only reads two relaxed atomics.
final class ServerHealth: Sendable {
    let label: String
    private let activeUp = Atomic<Bool>(true)
    private let passiveDownUntil = Atomic<UInt64>(0)
    /// Times of recent failed requests; touched only when a request fails.
    private let failures = Mutex<[UInt64]>([])

    init(label: String) { self.label = label }

    func isUp(now: UInt64) -> Bool {
        activeUp.load(ordering: .relaxed) && passiveDownUntil.load(ordering: .relaxed) <= now
    }

    var activelyUp: Bool { activeUp.load(ordering: .relaxed) }

    /// Records an active check result; returns whether it changed the state.
    func setActive(_ up: Bool) -> Bool {
        activeUp.exchange(up, ordering: .relaxed) != up
    }

    /// Records a failed request (connection failure or status ≥ 500); returns true when this failure marks the
    /// server down (`maxFailedAttempts` within `window`), for `window`.
    func recordFailure(now: UInt64, window: UInt64, maxFailedAttempts: Int) -> Bool {
        failures.withLock { times in
            times.removeAll { $0 + window <= now }
            times.append(now)
            guard times.count >= max(maxFailedAttempts, 1) else { return false }
            times.removeAll()
            passiveDownUntil.store(now + window, ordering: .relaxed)
            return true
        }
    }
}

/// One server's passive check as a load balancer configures it: what the connection keeps of the chosen server
/// (one reference, so an idle connection pays 8 bytes for it, not the check's 32), touched only when a request
/// fails.
final class PassiveFailures: Sendable {
    let health: ServerHealth
    let check: PassiveHealthCheck

    init(health: ServerHealth, check: PassiveHealthCheck) {
        self.health = health
        self.check = check
    }

    /// Records a failed request at `now`; true when it marks the server down.
    func record(now: UInt64) -> Bool {
        health.recordFailure(now: now, window: check.failureWindow.wholeNanoseconds,
                             maxFailedAttempts: check.maxFailedAttempts)
    }
}

/// Process-wide table of `ServerHealth`, keyed by service and server URL so state survives reloads.
final class HealthRegistry: Sendable {
    private let table = Mutex<[String: ServerHealth]>([:])

    func health(service: String, url: String) -> ServerHealth {
        let key = service + " " + url
        return table.withLock { table in
            if let known = table[key] { return known }
            let made = ServerHealth(label: "server \(url) of service \(service)")
            table[key] = made
            return made
        }
    }
}
