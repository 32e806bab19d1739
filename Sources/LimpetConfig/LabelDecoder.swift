/// Traefik v3's label schema (SPEC §8) → a provider's dynamic configuration.
///
/// The `traefik.http.*` labels of each workload become YAML for the file provider's decoder, so that both schemas
/// accept the same options and report problems alike. Label names are case-insensitive; list options
/// (`entrypoints`, `middlewares`, `prefixes`, `sourcerange`, `excludedips`) are comma-separated;
/// `…loadbalancer.sticky.cookie=true` turns on a cookie with the default options. As in Traefik:
/// - `traefik.enable=false` hides a workload; so does a missing `traefik.enable=true` when `exposedByDefault` is off.
/// - When the labels define no service, one named after the workload is made; when they define no router and at
///   most one service, a router named after the workload is made. A router without a rule gets `defaultRule`'s;
///   without a service, the workload's only service (several: the router is left out).
/// - Every load balancer gets one server per address of the workload, `SCHEME://ADDRESS:PORT` (`http` unless
///   `server.scheme` says otherwise; IPv6 in brackets); the port is `server.port`, else (Docker) the lowest exposed
///   port. `server.url` gives one server with that URL instead.
/// - Workloads that define a service, router or middleware with the same name share it when they define it alike
///   (services: everything but the servers, which are pooled); otherwise it is left out and reported.
/// - `traefik.tcp.*`, `traefik.udp.*` and `traefik.tls.*` are reported and ignored; `traefik.docker.*` and
///   `traefik.swarm.*` are checked here and read by the providers.
/// - A bad rule leaves out its router only; any other bad label the whole workload (Traefik skips a container
///   whose labels do not decode). A container with no port or no address is left out with a warning; a Swarm
///   service without `server.port` with an error. Routers naming a service or middleware of this provider that
///   no workload defines (or that was left out) are left out too, so that `SnapshotBuilder` never fails the whole
///   snapshot because of one workload; the names of what was left out are in `invalidDefinitions`.
///
/// Diagnostics: `file` is the workload (`docker container "web-1"`, `swarm service "web"`), `line` the position
/// (from 1) of the label in the workload's labels sorted by key — the order `docker inspect` prints them in — or 0
/// when no single label is at fault, `column` the character of the label's value when known (else 1; 0 with line
/// 0), and `message` starts with the label: `label traefik.http.routers.web.rule: invalid rule: …`. Print them as
/// `"\(file): \(message)"`. Locations kept in the configuration (for `SnapshotBuilder`'s reports) use the same
/// scheme. Output is sorted by name and never depends on the order of `workloads`, so every Limpet replica builds
/// the same configuration.
public enum LabelDecoder {
    /// Decodes every workload's labels, merges services that several workloads declare with the same options, and
    /// returns the configuration with its problems (a workload whose labels are wrong is left out and reported;
    /// the others still serve). Errors leave something out; warnings only ignore a label. The warnings are also in
    /// the configuration's `warnings`.
    public static func decode(_ workloads: [LabeledWorkload], options: LabelProviderOptions)
        -> (config: DynamicConfig, diagnostics: [Diagnostic])
    {
        var diagnostics: [Diagnostic] = []
        var template: LabelRuleTemplate?
        if !options.defaultRule.isEmpty {
            do {
                template = try LabelRuleTemplate(options.defaultRule)
            } catch {
                diagnostics.append(Diagnostic(
                    file: "\(options.provider) provider", line: 0, column: 0,
                    message: "defaultRule \"\(options.defaultRule)\": \(error.message); routers without a rule label "
                        + "are left out"))
            }
        }
        let keyed = workloads.map { workload in
            let labels = workload.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return (workload, workload.name, workload.addresses.joined(separator: " "), labels.joined(separator: "\n"))
        }
        let sorted = keyed.sorted { ($0.1, $0.2, $0.3) < ($1.1, $1.2, $1.3) }.map(\.0)
        var parts: [WorkloadPart] = []
        for workload in sorted {
            var decoder = WorkloadDecoder(workload, options: options, template: template)
            var part = decoder.decode()
            // In label order, as a compiler lists its diagnostics (problems of no single label first).
            part.diagnostics = part.diagnostics.enumerated()
                .sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
                .map(\.element)
            parts.append(part)
        }
        var (config, merged) = merge(parts, options: options)
        diagnostics += merged
        config.warnings = diagnostics.filter(\.isWarning)
        return (config, diagnostics)
    }

    /// nil when `template` can be a provider's `defaultRule`, else what is wrong with it (for the static
    /// configuration's checks).
    public static func checkDefaultRule(_ template: String) -> String? {
        do {
            _ = try LabelRuleTemplate(template)
            return nil
        } catch {
            return error.message
        }
    }

    // MARK: Helpers shared with Traefik's providers

    /// Traefik's `provider.Normalize`: runs of characters that are neither letters nor digits become one `-`,
    /// and none is left at either end (`my_app.1` → `my-app-1`).
    static func normalize(_ name: String) -> String {
        var parts: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in name.unicodeScalars {
            if isLetterOrNumber(scalar) {
                current.append(scalar)
            } else if !current.isEmpty {
                parts.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { parts.append(String(current)) }
        return parts.joined(separator: "-")
    }

    /// Go's `unicode.IsLetter || unicode.IsNumber`: the general categories L* and N*.
    private static func isLetterOrNumber(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    /// The name Traefik's Docker and Swarm providers give a workload before normalizing it: Compose's
    /// `SERVICE_PROJECT` when both labels are set, else the workload's name.
    static func serviceName(of workload: LabeledWorkload) -> String {
        if let service = workload.labels["com.docker.compose.service"], !service.isEmpty,
           let project = workload.labels["com.docker.compose.project"], !project.isEmpty {
            return "\(service)_\(project)"
        }
        return workload.name
    }

    /// Go's `strconv.ParseBool`.
    static func parseGoBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: return nil
        }
    }

    /// Go's `net.JoinHostPort`: IPv6 addresses in brackets.
    static func joinHostPort(_ host: String, _ port: String) -> String {
        if host.hasPrefix("[") && host.hasSuffix("]") { return "\(host):\(port)" }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `docker container "web-1"`, `swarm service "web"`: the `file` of a workload's diagnostics.
    static func sourceName(of workload: LabeledWorkload, provider: String) -> String {
        switch provider {
        case "docker": return "docker container \"\(workload.name)\""
        case "swarm": return "swarm service \"\(workload.name)\""
        default: return "\(provider) workload \"\(workload.name)\""
        }
    }
}
