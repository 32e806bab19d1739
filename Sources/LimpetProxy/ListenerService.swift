import Glibc
import LimpetConfig
import LimpetIO
import LimpetRouting

/// Binds one SO_REUSEPORT listener per entry point per worker, all before any worker starts, so that a busy port
/// fails the start with a clear message. The workers own (and close) the descriptors from then on.
final class ListenerService: ProcessService {
    var name: String { "listeners" }
    private let entryPoints: [EntryPointConfig]
    private let workers: Int
    private let deferAcceptSeconds: Int32
    /// Per worker, one listener per entry point (static configuration order); filled by `start`.
    private(set) var descriptors: [[Int32]] = []

    init(_ staticConfig: StaticConfig, workers: Int) {
        entryPoints = staticConfig.entryPoints
        self.workers = workers
        deferAcceptSeconds = staticConfig.engine.deferAcceptSeconds
    }

    struct BindError: Error, CustomStringConvertible {
        var entryPoint: EntryPointConfig
        var underlying: any Error
        var description: String {
            "entry point \(entryPoint.name): cannot listen on \(entryPoint.address): \(underlying)"
        }
    }

    /// The port is held by a socket of another process (a second Limpet, a stale one, another server): refused
    /// rather than sharing the port through `SO_REUSEPORT` and splitting the clients between two configurations.
    struct TakenError: Error, CustomStringConvertible {
        var entryPoint: EntryPointConfig
        var description: String {
            "entry point \(entryPoint.name): cannot listen on \(entryPoint.address): address already in use by another process"
        }
    }

    func start() throws {
        for entryPoint in entryPoints where entryPoint.port != 0 {
            let taken: Bool
            do {
                taken = try Self.isTaken(entryPoint)
            } catch {
                throw BindError(entryPoint: entryPoint, underlying: error)
            }
            if taken { throw TakenError(entryPoint: entryPoint) }
        }
        for _ in 0..<workers {
            var fds: [Int32] = []
            for entryPoint in entryPoints {
                do {
                    fds.append(try Self.listen(entryPoint, deferAcceptSeconds: deferAcceptSeconds))
                } catch {
                    throw BindError(entryPoint: entryPoint, underlying: error)
                }
            }
            descriptors.append(fds)
        }
    }

    /// Nothing to do: each worker closes its listeners once their accept grace has passed.
    func stop() {}

    /// Whether another socket already holds the entry point's address (`Socket.addressIsTaken`).
    static func isTaken(_ entryPoint: EntryPointConfig) throws -> Bool {
        let address = try SocketAddress.resolve(host: entryPoint.host ?? "::", port: entryPoint.port)
        var storage = address.storage
        return try withUnsafePointer(to: &storage) { pointer throws(IOError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw throws(IOError) in
                try Socket.addressIsTaken(raw, length: address.length)
            }
        }
    }

    /// A listener for this worker. No host means every interface, IPv4 and IPv6 (a dual-stack `::` socket).
    /// `deferAcceptSeconds` > 0 sets `TCP_DEFER_ACCEPT` (`engine.deferAccept`).
    static func listen(_ entryPoint: EntryPointConfig, deferAcceptSeconds: Int32) throws -> Int32 {
        let address = try SocketAddress.resolve(host: entryPoint.host ?? "::", port: entryPoint.port)
        var storage = address.storage
        let socket = try withUnsafePointer(to: &storage) { pointer throws(IOError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw throws(IOError) in
                try Socket.listener(address: raw, length: address.length, backlog: 4096,
                                    deferAcceptSeconds: deferAcceptSeconds)
            }
        }
        return socket.release()
    }
}
