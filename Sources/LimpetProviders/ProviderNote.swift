import Logging

/// Something a provider noticed while turning containers or services into workloads (a network label naming no
/// network, an unhealthy container left out). Logged when the provider's result changes, not on every poll.
struct ProviderNote: Equatable, Sendable {
    var level: Logger.Level
    var message: String

    init(_ level: Logger.Level, _ message: String) {
        self.level = level
        self.message = message
    }
}

/// Label lookups shared by the Docker and Swarm providers. Keys are case-insensitive, as in Traefik.
enum Labels {
    /// The value of `key` (lower-case), whatever the case of the label's key. When several keys differ only in
    /// case, the first in byte order wins, so the answer does not depend on dictionary order.
    static func value(_ labels: [String: String], _ key: String) -> String? {
        var found: (key: String, value: String)?
        for (k, v) in labels where k.lowercased() == key {
            if found == nil || k < found!.key { found = (k, v) }
        }
        return found?.value
    }

    /// Go's `strconv.ParseBool`, which Traefik's labels use: `1 t T TRUE true True`, `0 f F FALSE false False`.
    static func bool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: return nil
        }
    }

    /// True when some label starts with `traefik.`: the workload is meant for the proxy, so a problem with it is
    /// worth a warning rather than a debug line.
    static func mentionTraefik(_ labels: [String: String]) -> Bool {
        labels.keys.contains { $0.lowercased().hasPrefix("traefik.") }
    }

    /// The IP of a CIDR (`10.0.1.3/24` → `10.0.1.3`).
    static func stripCIDR(_ text: String) -> String {
        guard let slash = text.firstIndex(of: "/") else { return text }
        return String(text[..<slash])
    }
}
