import Foundation
import LimpetRouting
import Yams

/// Reads the static file and the file provider's dynamic files, and builds snapshots from them.
public enum ConfigLoader {
    /// Reads and validates the static configuration. Throws every error found (with the warnings).
    public static func loadStatic(path: String) throws(ConfigError) -> StaticConfig {
        let (config, diagnostics) = parseStatic(path: path)
        guard let config, !diagnostics.contains(where: { !$0.isWarning }) else {
            throw ConfigError(diagnostics: diagnostics)
        }
        return config
    }

    /// Reads the file provider's file or directory. Without a file provider: an empty configuration.
    /// Warnings are in the result's `warnings`.
    public static func loadDynamic(for config: StaticConfig) throws(ConfigError) -> DynamicConfig {
        let (dynamic, diagnostics, _) = parseDynamic(for: config)
        guard !diagnostics.contains(where: { !$0.isWarning }) else { throw ConfigError(diagnostics: diagnostics) }
        return dynamic
    }

    /// Reads the dynamic files and builds the runtime structures. A file that fails keeps nothing.
    public static func loadSnapshot(for config: StaticConfig, generation: UInt64) throws(ConfigError) -> Snapshot {
        var warnings: [Diagnostic] = []
        return try loadSnapshot(for: config, generation: generation, warnings: &warnings)
    }

    /// As `loadSnapshot(for:generation:)`, also returning the warnings (to be logged). `providers` are the latest
    /// configurations of the other providers (Docker, Swarm), built together with the files'.
    public static func loadSnapshot(for config: StaticConfig, generation: UInt64, providers: [DynamicConfig] = [],
                                    warnings: inout [Diagnostic]) throws(ConfigError) -> Snapshot {
        let dynamic = try loadDynamic(for: config)
        var diagnostics = dynamic.warnings
        let snapshot = SnapshotBuilder.build(config, [dynamic] + providers, generation, &diagnostics)
        guard let snapshot, !diagnostics.contains(where: { !$0.isWarning }) else {
            throw ConfigError(diagnostics: diagnostics)
        }
        warnings = diagnostics
        return snapshot
    }

    /// Loads the static file and every dynamic file it names; returns every problem and warning,
    /// in file order.
    public static func check(path: String) -> [Diagnostic] {
        let (config, staticDiagnostics) = parseStatic(path: path)
        guard let config else { return staticDiagnostics }
        let (dynamic, dynamicDiagnostics, complete) = parseDynamic(for: config)
        var all = staticDiagnostics + dynamicDiagnostics
        // References are checked only when every file could be parsed: otherwise a definition in the
        // unreadable file would be reported missing everywhere it is used.
        if complete {
            var buildDiagnostics: [Diagnostic] = []
            _ = SnapshotBuilder.build(config, [dynamic], 0, &buildDiagnostics)
            all += buildDiagnostics
        }
        return sorted(all)
    }

    static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        var order: [String: Int] = [:]
        for d in diagnostics where order[d.file] == nil { order[d.file] = order.count }
        return diagnostics.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            if x.file != y.file { return order[x.file]! < order[y.file]! }
            if x.line != y.line { return x.line < y.line }
            if x.column != y.column { return x.column < y.column }
            return a.offset < b.offset
        }.map(\.element)
    }

    // MARK: - Internals

    /// The best-effort configuration (nil when the file could not be read or parsed) and every diagnostic.
    static func parseStatic(path: String) -> (StaticConfig?, [Diagnostic]) {
        let reader = NodeReader(file: path)
        guard let root = reader.load() else { return (nil, reader.diagnostics) }
        var config = StaticConfig.decode(root, path: path, reader: reader)
        config.warnings = reader.diagnostics.filter(\.isWarning)
        return (config, reader.diagnostics)
    }

    /// One entry per dynamic file of the file provider (path, modification time, size, inode): it changes
    /// whenever a file is written, replaced, added or removed, which is what `providers.file.watch` polls.
    public static func dynamicFingerprint(for config: StaticConfig) -> [String] {
        guard let provider = config.fileProvider else { return [] }
        var files: [String] = []
        if let filename = provider.filename {
            files = [filename]
        } else if let directory = provider.directory {
            var ignored: [Diagnostic] = []
            files = yamlFiles(in: directory, warnings: &ignored)
        }
        return files.map { path in
            var info = stat()
            guard stat(path, &info) == 0 else { return "\(path) missing" }
            return "\(path) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_size) \(info.st_ino)"
        }
    }

    /// The merged configuration, every diagnostic, and whether every file could be read and parsed.
    static func parseDynamic(for config: StaticConfig) -> (DynamicConfig, [Diagnostic], Bool) {
        var merged = DynamicConfig(provider: "file")
        guard let provider = config.fileProvider else { return (merged, [], true) }
        var diagnostics: [Diagnostic] = []
        var files: [String] = []
        if let filename = provider.filename {
            files = [filename]
        } else if let directory = provider.directory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                let loc = provider.location ?? SourceLocation(file: config.path, line: 1, column: 1)
                return (merged, [loc.diagnostic("providers.file.directory: \"\(directory)\" is not a directory")], false)
            }
            files = yamlFiles(in: directory, warnings: &diagnostics)
        }
        var definedAt: [String: SourceLocation] = [:]
        var complete = true
        for file in files {
            let reader = NodeReader(file: file)
            guard let root = reader.load() else {
                diagnostics += reader.diagnostics
                complete = false
                continue
            }
            let part = DynamicConfig.decode(root, provider: "file", reader: reader)
            diagnostics += reader.diagnostics
            func claim(_ kind: String, _ name: String, _ location: SourceLocation?) -> Bool {
                let key = "\(kind) \(name)"
                if let first = definedAt[key] {
                    let here = location ?? SourceLocation(file: file, line: 1, column: 1)
                    diagnostics.append(here.diagnostic("\(kind) \"\(name)\" is defined twice: here and at \(first)"))
                    return false
                }
                definedAt[key] = location ?? SourceLocation(file: file, line: 1, column: 1)
                return true
            }
            merged.routers += part.routers.filter { claim("router", $0.name, $0.location) }
            merged.services += part.services.filter { claim("service", $0.name, $0.location) }
            merged.middlewares += part.middlewares.filter { claim("middleware", $0.name, $0.location) }
            merged.invalidDefinitions.formUnion(part.invalidDefinitions)
        }
        merged.warnings = diagnostics.filter(\.isWarning)
        return (merged, diagnostics, complete)
    }

    /// Every `*.yml` and `*.yaml` file below `directory`, subdirectories included, in name order.
    /// Other configuration formats Traefik reads (`*.toml`) are reported and skipped.
    static func yamlFiles(in directory: String, warnings: inout [Diagnostic]) -> [String] {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: directory) else { return [] }
        var result: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let full = (directory as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: full, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                result += yamlFiles(in: full, warnings: &warnings)
            } else {
                let ext = (name as NSString).pathExtension.lowercased()
                if ext == "yml" || ext == "yaml" {
                    result.append(full)
                } else if ext == "toml" {
                    warnings.append(Diagnostic(file: full, line: 1, column: 1,
                                               message: "TOML files are not supported; this file is ignored",
                                               isWarning: true))
                }
            }
        }
        return result
    }
}
