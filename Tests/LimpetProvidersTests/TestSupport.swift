import Foundation
import LimpetConfig
import Logging
import Synchronization

@testable import LimpetProviders

/// Log lines kept for assertions, as `level: message`.
final class LogStore: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }

    /// A logger that records here (and prints nothing).
    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "test") { _ in CapturingLogHandler(store: self) }
        logger.logLevel = level
        return logger
    }
}

struct CapturingLogHandler: LogHandler {
    let store: LogStore
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.append("\(event.level): \(event.message)")
    }
}

/// What a provider loop offered, in order.
final class Offers: Sendable {
    private let items = Mutex<[[LabeledWorkload]]>([])

    func append(_ workloads: [LabeledWorkload]) { items.withLock { $0.append(workloads) } }
    var all: [[LabeledWorkload]] { items.withLock { $0 } }
    var count: Int { all.count }
    var last: [LabeledWorkload]? { all.last }
}

/// Runs `body` on its own thread; `wait` blocks until it has returned.
final class Background: Sendable {
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread { [done] in
            body()
            done.signal()
        }
        thread.start()
    }

    /// True when the body returned within `timeout`.
    func wait(timeout: Double = 5) -> Bool { done.wait(timeout: .now() + timeout) == .success }
}
