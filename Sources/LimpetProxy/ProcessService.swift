/// One part of the running process (listeners, event loops, providers): started in order after the configuration is
/// loaded, stopped in reverse order on SIGTERM/SIGINT. A new part is one more conforming type in `Proxy.run`'s list.
protocol ProcessService: AnyObject {
    /// For logs: `listeners`, `workers`, `providers`.
    var name: String { get }
    /// Starts the service; a failure stops the start-up (the services already started are stopped again).
    func start() throws
    /// Stops it, returning once it has finished (a graceful stop may wait for in-flight work).
    func stop()
}

/// Services started in order and stopped in reverse order (swift-service-lifecycle's `ServiceGroup`, without the
/// concurrency: each service keeps its own threads).
final class ServiceGroup {
    private let services: [ProcessService]
    private var started = 0

    init(_ services: [ProcessService]) { self.services = services }

    /// Starts every service in order; when one fails, stops those already started (in reverse) and rethrows.
    func start() throws {
        for service in services {
            do {
                try service.start()
                started += 1
            } catch {
                stop()
                throw ServiceStartError(service: service.name, underlying: error)
            }
        }
    }

    /// Stops the started services, last started first.
    func stop() {
        while started > 0 {
            started -= 1
            services[started].stop()
        }
    }
}

/// A service that could not start, and why.
struct ServiceStartError: Error, CustomStringConvertible {
    var service: String
    var underlying: any Error
    var description: String { "\(underlying)" }
}
