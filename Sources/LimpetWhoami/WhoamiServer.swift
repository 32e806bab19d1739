/// Built-in test backend (SPEC §2 `limpet whoami`). Stub: implemented by the whoami work.
public struct WhoamiServer: Sendable {
    public let listen: String
    public let name: String
    public init(listen: String, name: String) {
        self.listen = listen
        self.name = name
    }
    /// Binds `listen` and serves forever; throws if the address cannot be bound.
    public func run() throws -> Never { fatalError("not implemented") }
}
