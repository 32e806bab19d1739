import Glibc
import LimpetIO
import Synchronization

/// Exponential backoff between attempts to reach the daemon: 0.5 s, 1 s, 2 s … capped at 30 s.
struct Backoff {
    let initial: Duration
    let maximum: Duration
    private var current: Duration

    init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
        self.current = initial
    }

    /// The delay before the next attempt; each call doubles the following one.
    mutating func next() -> Duration {
        let delay = current
        current = min(current * 2, maximum)
        return delay
    }

    /// After a success: the next failure waits `initial` again.
    mutating func reset() { current = initial }
}

/// Ends a provider loop: tests stop theirs; the proxy's run forever (`never`).
final class StopSignal: Sendable {
    private let stopped = Mutex(false)
    /// False for `never`: loops then block without waking up to check.
    let canStop: Bool

    init() { canStop = true }
    private init(canStop: Bool) { self.canStop = canStop }

    static let never = StopSignal(canStop: false)

    func stop() { stopped.withLock { $0 = true } }
    var isStopped: Bool { stopped.withLock { $0 } }

    /// How long a blocking wait may last before looking at the signal again (nil: forever).
    var pollSlice: Duration? { canStop ? .milliseconds(50) : nil }

    /// Sleeps for `duration`, in slices when the loop can be stopped; false when it was.
    func sleep(_ duration: Duration) -> Bool {
        let deadline = DockerConnection.deadline(after: duration)
        while true {
            if isStopped { return false }
            let now = Monotonic.nanoseconds
            guard now < deadline else { return true }
            var left = deadline - now
            if canStop { left = min(left, 50_000_000) }
            var request = timespec(tv_sec: Int(left / 1_000_000_000), tv_nsec: Int(left % 1_000_000_000))
            _ = nanosleep(&request, nil)
        }
    }

    /// Blocks until stopped (forever for `never`).
    func park() {
        while sleep(.seconds(3600)) {}
    }
}
