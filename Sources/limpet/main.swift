import ArgumentParser
import Foundation
import LimpetConfig
import LimpetProxy
import LimpetWhoami

/// The `limpet` command line (SPEC §2). Only argument handling lives here.
struct Limpet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limpet",
        abstract: "A sticky-session HTTP/1.1 edge proxy, drop-in for Traefik's sticky set-ups.",
        version: limpetVersion,
        subcommands: [Run.self, Check.self, Whoami.self],
        defaultSubcommand: Run.self
    )
}

/// The first of SPEC §2's default locations that exists.
func resolveConfigPath(_ given: String?) throws -> String {
    if let given { return given }
    for candidate in ["./limpet.yaml", "./Config/limpet.yaml", "/etc/limpet/limpet.yaml"]
    where FileManager.default.fileExists(atPath: candidate) {
        return candidate
    }
    throw ValidationError("no --config given and none of ./limpet.yaml, ./Config/limpet.yaml, /etc/limpet/limpet.yaml exists")
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the proxy.")
    @Option(name: .long, help: "Static configuration file (limpet.yaml).")
    var config: String?

    func run() throws {
        try Proxy.run(configPath: resolveConfigPath(config))
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the static configuration and every dynamic file it names.")
    @Option(name: .long, help: "Static configuration file (limpet.yaml).")
    var config: String?

    func run() throws {
        let path = try resolveConfigPath(config)
        let diagnostics = ConfigLoader.check(path: path)
        for diagnostic in diagnostics {
            FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8))
        }
        if diagnostics.contains(where: { !$0.isWarning }) { throw ExitCode(1) }
        print("\(path): configuration is valid")
    }
}

struct Whoami: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A tiny backend that describes each request it receives (like traefik/whoami).")
    @Option(name: .long, help: "HOST:PORT to listen on.")
    var listen: String
    @Option(name: .long, help: "Name reported in every answer.")
    var name: String?

    func run() throws {
        let hostName = ProcessInfo.processInfo.hostName
        try WhoamiServer(listen: listen, name: name ?? hostName).run()
    }
}

Limpet.main()
