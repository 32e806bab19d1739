import Foundation
@testable import LimpetConfig

/// A fresh temporary directory holding the given files (relative path → contents).
struct TempConfig {
    let directory: String

    init(_ files: [String: String]) throws {
        directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("limpet-config-\(UUID().uuidString)")
        for (name, contents) in files {
            let path = (directory as NSString).appendingPathComponent(name)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try contents.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// `check` on `limpet.yaml`, as `FILE:LINE:COLUMN: message` lines with the directory stripped.
    func check(_ name: String = "limpet.yaml") -> [String] {
        ConfigLoader.check(path: path(name)).map {
            $0.description.replacingOccurrences(of: directory + "/", with: "")
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

func errors(_ lines: [String]) -> [String] { lines.filter { !$0.contains(": warning: ") } }
func warnings(_ lines: [String]) -> [String] { lines.filter { $0.contains(": warning: ") } }
