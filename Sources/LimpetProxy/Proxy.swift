/// Stub: the proxy engine entry point.
public enum Proxy {
    public static func run(configPath: String) throws -> Never { fatalError("not implemented") }
}
