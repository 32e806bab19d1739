import Foundation
import LimpetRouting
import Yams

extension DynamicConfig {
    /// The Traefik middleware types Limpet does not implement. Using one is an error, not a warning:
    /// silently skipping an authentication or rewriting middleware would change what is served.
    static let unsupportedMiddlewareTypes = [
        "basicAuth", "digestAuth", "forwardAuth", "buffering", "chain", "circuitBreaker", "compress", "contentType",
        "errors", "grpcWeb", "ipWhiteList", "passTLSClientCert", "redirectRegex", "replacePath",
        "replacePathRegex", "stripPrefixRegex", "plugin",
    ]

    /// Decodes one dynamic file of `provider`; problems go to `reader`.
    static func decode(_ root: Node, provider: String, reader r: NodeReader) -> DynamicConfig {
        var config = DynamicConfig(provider: provider)
        guard let f = r.fields(root, path: "", keys: Keys(["http", "tcp", "udp"], unimplemented: ["tls"])) else {
            return config
        }
        for section in ["tcp", "udp"] {
            if let key = f.key(section) {
                r.error("\"\(section)\" routers and services are not supported by Limpet (HTTP only)", at: key)
            }
        }
        guard let http = f["http"],
              let h = r.fields(http, path: "http", keys: Keys(["routers", "services", "middlewares"],
                                                              unimplemented: ["serversTransports"])) else {
            return config
        }
        let context = Context(provider: provider, reader: r)
        if let node = h["routers"], let entries = r.named(node, path: "http.routers") {
            for (key, name, value) in entries {
                guard context.checkDefinedName(name, key: key, kind: "router") else { continue }
                if let router = context.router(value, name: name, key: key) { config.routers.append(router) }
            }
        }
        if let node = h["services"], let entries = r.named(node, path: "http.services") {
            for (key, name, value) in entries {
                guard context.checkDefinedName(name, key: key, kind: "service") else { continue }
                if let service = context.service(value, name: name, key: key) {
                    config.services.append(service)
                } else {
                    config.invalidDefinitions.insert("\(name)@\(provider)")
                }
            }
        }
        if let node = h["middlewares"], let entries = r.named(node, path: "http.middlewares") {
            for (key, name, value) in entries {
                guard context.checkDefinedName(name, key: key, kind: "middleware") else { continue }
                if let middleware = context.middleware(value, name: name, key: key) {
                    config.middlewares.append(middleware)
                } else {
                    config.invalidDefinitions.insert("\(name)@\(provider)")
                }
            }
        }
        return config
    }

    private struct Context {
        let provider: String
        let reader: NodeReader
        var r: NodeReader { reader }

        func checkDefinedName(_ name: String, key: Node, kind: String) -> Bool {
            if name.isEmpty {
                r.error("a \(kind) name must not be empty", at: key)
                return false
            }
            if name.contains("@") {
                r.error("\(kind) \"\(name)\": a name defined here must not contain '@' "
                        + "(it is qualified as \"\(name.split(separator: "@")[0])@\(provider)\" automatically)", at: key)
                return false
            }
            return true
        }

        func reference(_ written: String, node: Node) -> Reference {
            let qualified = written.contains("@") ? written : "\(written)@\(provider)"
            return Reference(name: qualified, written: written, location: r.location(of: node))
        }

        // MARK: Routers

        func router(_ node: Node, name: String, key: Node) -> RouterConfig? {
            let path = "http.routers.\(name)"
            guard let f = r.fields(node, path: path,
                                   keys: Keys(["rule", "entryPoints", "service", "priority", "middlewares",
                                               "ruleSyntax"],
                                              unimplemented: ["tls", "observability"])) else { return nil }
            var ok = true
            var ruleText = ""
            var rule: Rule?
            if let ruleNode = f["rule"], let text = r.string(ruleNode, path: "\(path).rule") {
                ruleText = text
                do {
                    rule = try RuleParser.parse(text)
                } catch {
                    reportRuleError(error, text: text, node: ruleNode, path: "\(path).rule")
                    ok = false
                }
            } else {
                if f["rule"] == nil { r.error("\(path): rule is required", at: key) }
                ok = false
            }
            if let syntaxNode = f["ruleSyntax"], let syntax = r.string(syntaxNode, path: "\(path).ruleSyntax"),
               syntax.lowercased() != "v3" {
                r.error("\(path).ruleSyntax: only v3 rules are supported (found \"\(syntax)\")", at: syntaxNode)
                ok = false
            }
            var entryPoints: [Reference]?
            if let epNode = f["entryPoints"] {
                guard let list = r.stringList(epNode, path: "\(path).entryPoints") else { return nil }
                entryPoints = list.map { Reference(name: $0.value, written: $0.value, location: r.location(of: $0.node)) }
            }
            var service: Reference?
            if let serviceNode = f["service"], let written = r.string(serviceNode, path: "\(path).service") {
                service = reference(written, node: serviceNode)
            } else if f["service"] == nil {
                r.error("\(path): service is required", at: key)
            }
            let priority = r.int(f["priority"], path: "\(path).priority") ?? 0
            var middlewares: [Reference] = []
            if let mwNode = f["middlewares"] {
                for (written, node) in r.stringList(mwNode, path: "\(path).middlewares") ?? [] {
                    middlewares.append(reference(written, node: node))
                }
            }
            guard ok, let service else { return nil }
            return RouterConfig(name: "\(name)@\(provider)", ruleText: ruleText, rule: rule, entryPoints: entryPoints,
                                service: service, priority: priority, middlewares: middlewares,
                                location: r.location(of: key))
        }

        /// Points at the offending character when the rule is written on one line.
        private func reportRuleError(_ error: RuleError, text: String, node: Node, path: String) {
            var location = r.location(of: node)
            if case .scalar(let scalar) = node, !text.contains("\n") {
                switch scalar.style {
                case .plain, .any:
                    location.column += error.offset
                case .singleQuoted, .doubleQuoted:
                    if !scalar.string.contains("\\") && !scalar.string.contains("'") {
                        location.column += error.offset + 1
                    }
                default:
                    break
                }
            }
            r.append(location.diagnostic("\(path): invalid rule: \(error.message) (character \(error.offset + 1) of the rule)"))
        }

        // MARK: Services

        func service(_ node: Node, name: String, key: Node) -> ServiceConfig? {
            let path = "http.services.\(name)"
            guard let f = r.fields(node, path: path,
                                   keys: Keys(["loadBalancer", "weighted", "mirroring", "failover"])) else { return nil }
            for unsupported in ["mirroring", "failover"] {
                if let k = f.key(unsupported) {
                    r.error("\(path).\(unsupported): \(unsupported) services are not supported by Limpet", at: k)
                    return nil
                }
            }
            let qualified = "\(name)@\(provider)"
            switch (f["loadBalancer"], f["weighted"]) {
            case (let lb?, nil):
                guard let config = loadBalancer(lb, path: "\(path).loadBalancer") else { return nil }
                return ServiceConfig(name: qualified, kind: .loadBalancer(config), location: r.location(of: key))
            case (nil, let w?):
                guard let config = weighted(w, path: "\(path).weighted") else { return nil }
                return ServiceConfig(name: qualified, kind: .weighted(config), location: r.location(of: key))
            case (_?, _?):
                r.error("\(path): a service has either loadBalancer or weighted, not both", at: f.key("weighted") ?? key)
                return nil
            case (nil, nil):
                r.error("\(path): a service needs a loadBalancer or weighted section", at: key)
                return nil
            }
        }

        func loadBalancer(_ node: Node, path: String) -> LoadBalancerConfig? {
            guard let f = r.fields(node, path: path,
                                   keys: Keys(["servers", "passHostHeader", "strategy", "sticky", "healthCheck",
                                               "passiveHealthCheck"],
                                              unimplemented: ["serversTransport", "responseForwarding"])) else {
                return nil
            }
            var lb = LoadBalancerConfig()
            let errorsBefore = r.diagnostics.filter { !$0.isWarning }.count
            if let serversNode = f["servers"], let items = r.list(serversNode, path: "\(path).servers") {
                for (i, item) in items.enumerated() {
                    let p = "\(path).servers[\(i)]"
                    guard let s = r.fields(item, path: p, keys: Keys(["url", "weight"], unimplemented: ["preservePath"]))
                    else { continue }
                    guard let urlNode = s["url"], let url = r.string(urlNode, path: "\(p).url") else {
                        if s["url"] == nil { r.error("\(p): url is required", at: item) }
                        continue
                    }
                    switch ServerDef.parseURL(url) {
                    case .failure(let problem):
                        r.error("\(p).url: \(problem.message)", at: urlNode)
                        continue
                    case .success(let parsed) where !parsed.path.isEmpty && parsed.path != "/":
                        r.error("\(p).url: a path in a server URL (\"\(parsed.path)\") is not supported yet", at: urlNode)
                        continue
                    case .success:
                        break
                    }
                    let weight = r.int(s["weight"], path: "\(p).weight", range: 0...1_000_000) ?? 1
                    lb.servers.append(ServerConfig(url: url, weight: weight, location: r.location(of: urlNode)))
                }
            }
            lb.passHostHeader = r.bool(f["passHostHeader"], path: "\(path).passHostHeader") ?? true
            if let node = f["strategy"], let text = r.string(node, path: "\(path).strategy") {
                if let strategy = LoadBalancingStrategy(rawValue: text.lowercased()) {
                    lb.strategy = strategy
                } else {
                    r.error("\(path).strategy: expected wrr, p2c, leasttime or hrw, found \"\(text)\"", at: node)
                }
            }
            if let node = f["sticky"] {
                lb.sticky = sticky(node, path: "\(path).sticky", allowDrain: true, allowHeader: true)
                if lb.strategy == .hrw, lb.sticky?.cookie != nil, let key = f.key("sticky") {
                    r.warning("\(path): sticky cookies do not combine with strategy hrw; the cookie is ignored", at: key)
                }
            }
            if let node = f["healthCheck"] { lb.healthCheck = healthCheck(node, path: "\(path).healthCheck") }
            if let node = f["passiveHealthCheck"],
               let p = r.fields(node, path: "\(path).passiveHealthCheck",
                                keys: Keys(["failureWindow", "maxFailedAttempts"])) {
                var passive = PassiveHealthCheck()
                passive.failureWindow = r.duration(p["failureWindow"], path: "\(path).passiveHealthCheck.failureWindow")
                    ?? passive.failureWindow
                passive.maxFailedAttempts = r.int(p["maxFailedAttempts"],
                                                  path: "\(path).passiveHealthCheck.maxFailedAttempts",
                                                  range: 1...Int.max) ?? passive.maxFailedAttempts
                lb.passiveHealthCheck = passive
            }
            return r.diagnostics.filter({ !$0.isWarning }).count == errorsBefore ? lb : nil
        }

        func sticky(_ node: Node, path: String, allowDrain: Bool, allowHeader: Bool) -> StickyConfig? {
            var known = ["cookie"]
            if allowHeader { known.append("header") }
            if allowDrain { known.append("drainTimeout") }
            guard let f = r.fields(node, path: path, keys: Keys(known)) else { return nil }
            var sticky = StickyConfig()
            if let cookieNode = f["cookie"] {
                let p = "\(path).cookie"
                if let c = r.fields(cookieNode, path: p,
                                    keys: Keys(["name", "secure", "httpOnly", "sameSite", "maxAge", "path", "domain",
                                                "secret"],
                                               unimplemented: ["expires", "partitioned"])) {
                    var cookie = CookieConfig()
                    cookie.location = r.location(of: cookieNode)
                    cookie.name = r.string(c["name"], path: "\(p).name") ?? ""
                    cookie.secure = r.bool(c["secure"], path: "\(p).secure") ?? false
                    cookie.httpOnly = r.bool(c["httpOnly"], path: "\(p).httpOnly") ?? false
                    cookie.sameSite = r.string(c["sameSite"], path: "\(p).sameSite") ?? ""
                    if let node = c["sameSite"], !cookie.sameSite.isEmpty,
                       StickyCookie.normalizeSameSite(cookie.sameSite).isEmpty {
                        r.warning("\(p).sameSite: \"\(cookie.sameSite)\" is not None, Lax or Strict; "
                                  + "the attribute is left out", at: node)
                    }
                    cookie.maxAge = r.int(c["maxAge"], path: "\(p).maxAge") ?? 0
                    if let pathNode = c["path"] {
                        // Like Traefik: an explicit empty path means no Path attribute.
                        cookie.path = r.string(pathNode, path: "\(p).path") ?? (NodeReader.isNull(pathNode) ? "/" : "")
                    }
                    cookie.domain = r.string(c["domain"], path: "\(p).domain") ?? ""
                    if let node = c["domain"], !cookie.domain.isEmpty, StickyCookie.domainAttribute(cookie.domain) == nil {
                        r.warning("\(p).domain: \"\(cookie.domain)\" is not a valid cookie domain; "
                                  + "the attribute is left out (as Traefik does)", at: node)
                    }
                    if let node = c["secret"], let raw = r.string(node, path: "\(p).secret") {
                        let expanded = DynamicConfig.expandEnvironment(raw) { name in
                            getenv(name).map { String(cString: $0) }
                        }
                        for problem in expanded.errors { r.error("\(p).secret: \(problem)", at: node) }
                        if expanded.errors.isEmpty, expanded.value.isEmpty, !raw.isEmpty {
                            r.warning("\(p).secret: expands to an empty string; cookie values are not keyed", at: node)
                        }
                        cookie.secret = expanded.value
                    }
                    sticky.cookie = cookie
                }
            }
            if let headerNode = f["header"],
               let h = r.fields(headerNode, path: "\(path).header", keys: Keys(["name"], unimplemented: ["absoluteTimeout"])) {
                let name = r.string(h["name"], path: "\(path).header.name") ?? "X-Sticky-Session"
                sticky.headerName = name.isEmpty ? "X-Sticky-Session" : name
            }
            sticky.drainTimeout = r.duration(f["drainTimeout"], path: "\(path).drainTimeout") ?? .zero
            return sticky
        }

        func healthCheck(_ node: Node, path p: String) -> HealthCheck? {
            guard let f = r.fields(node, path: p,
                                   keys: Keys(["path", "interval", "unhealthyInterval", "timeout", "scheme",
                                               "hostname", "port", "method", "status", "headers", "followRedirects"],
                                              unimplemented: ["mode"])) else { return nil }
            let interval = r.duration(f["interval"], path: "\(p).interval") ?? .seconds(30)
            var check = HealthCheck(interval: interval)
            check.path = r.string(f["path"], path: "\(p).path") ?? check.path
            if let node = f["path"], !check.path.hasPrefix("/") {
                r.error("\(p).path: must start with '/' (found \"\(check.path)\")", at: node)
            }
            check.unhealthyInterval = r.duration(f["unhealthyInterval"], path: "\(p).unhealthyInterval") ?? interval
            check.timeout = r.duration(f["timeout"], path: "\(p).timeout") ?? check.timeout
            if let node = f["scheme"], let scheme = r.string(node, path: "\(p).scheme") {
                if scheme.isEmpty || scheme.lowercased() == "http" {
                    check.scheme = scheme.lowercased()
                } else {
                    r.error("\(p).scheme: only http health checks are supported (found \"\(scheme)\")", at: node)
                }
            }
            check.hostname = r.string(f["hostname"], path: "\(p).hostname") ?? ""
            check.port = r.int(f["port"], path: "\(p).port", range: 0...65535) ?? 0
            check.method = (r.string(f["method"], path: "\(p).method") ?? "GET").uppercased()
            check.status = r.int(f["status"], path: "\(p).status", range: 0...599) ?? 0
            check.headers = (r.stringMap(f["headers"], path: "\(p).headers") ?? []).map {
                HeaderField(name: $0.name, value: $0.value)
            }
            check.followRedirects = r.bool(f["followRedirects"], path: "\(p).followRedirects") ?? true
            return check
        }

        func weighted(_ node: Node, path: String) -> WeightedConfig? {
            guard let f = r.fields(node, path: path, keys: Keys(["services", "sticky"], unimplemented: ["healthCheck"]))
            else { return nil }
            var config = WeightedConfig()
            if let servicesNode = f["services"], let items = r.list(servicesNode, path: "\(path).services") {
                for (i, item) in items.enumerated() {
                    let p = "\(path).services[\(i)]"
                    guard let s = r.fields(item, path: p, keys: Keys(["name", "weight"])) else { continue }
                    guard let nameNode = s["name"], let written = r.string(nameNode, path: "\(p).name"), !written.isEmpty else {
                        r.error("\(p): name is required", at: s["name"] ?? item)
                        continue
                    }
                    let weight = r.int(s["weight"], path: "\(p).weight", range: 0...1_000_000) ?? 1
                    config.services.append(WeightedChildConfig(service: reference(written, node: nameNode), weight: weight))
                }
            }
            if config.services.isEmpty {
                r.error("\(path).services: a weighted service needs at least one service", at: f["services"] ?? node)
                return nil
            }
            if let node = f["sticky"] {
                config.sticky = sticky(node, path: "\(path).sticky", allowDrain: false, allowHeader: false)
            }
            return config
        }

        // MARK: Middlewares

        func middleware(_ node: Node, name: String, key: Node) -> MiddlewareConfig? {
            let path = "http.middlewares.\(name)"
            guard let pairs = r.pairs(node, path: path) else { return nil }
            guard pairs.count == 1, let (typeKey, typeName, value) = pairs.first else {
                r.error("\(path): a middleware has exactly one type (found \(pairs.count))", at: pairs.dropFirst().first?.key ?? key)
                return nil
            }
            guard let type = Middlewares.type(named: typeName) else {
                if let known = DynamicConfig.unsupportedMiddlewareTypes.first(where: { $0.lowercased() == typeName.lowercased() }) {
                    r.error("\(path): middleware type \"\(known)\" is not supported by Limpet", at: typeKey)
                } else {
                    var message = "\(path): unknown middleware type \"\(typeName)\""
                    if let suggestion = NodeReader.suggest(typeName, among: Middlewares.types.map { $0.typeName }) {
                        message += " (did you mean \"\(suggestion)\"?)"
                    }
                    r.error(message, at: typeKey)
                }
                return nil
            }
            guard let middleware = type.decode(value, key: typeKey, path: "\(path).\(typeName)", reader: r) else {
                return nil
            }
            return MiddlewareConfig(name: "\(name)@\(provider)", middleware: middleware, location: r.location(of: key))
        }
    }
}

extension DynamicConfig {
    /// Replaces each `${NAME}` in `text` (SPEC §5.2 `cookie.secret`) with `lookup(NAME)`. NAME is
    /// `[A-Za-z_][A-Za-z0-9_]*`; a `$` not followed by `{` is kept as written. An unset variable, an
    /// unterminated `${` or an invalid name is an error (so that a typo never becomes a guessable literal
    /// secret); `value` then holds what could be expanded.
    static func expandEnvironment(_ text: String, lookup: (String) -> String?) -> (value: String, errors: [String]) {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var errors: [String] = []
        var i = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "$"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "{") else {
                out.append(bytes[i])
                i += 1
                continue
            }
            guard let close = bytes[(i + 2)...].firstIndex(of: UInt8(ascii: "}")) else {
                errors.append("unterminated \"${\" (write ${NAME} to use an environment variable)")
                break
            }
            let name = String(decoding: bytes[(i + 2)..<close], as: UTF8.self)
            if !isEnvironmentName(bytes[(i + 2)..<close]) {
                errors.append("\"${\(name)}\" is not a valid environment variable reference")
            } else if let value = lookup(name) {
                out.append(contentsOf: value.utf8)
            } else {
                errors.append("environment variable \(name) is not set")
            }
            i = close + 1
        }
        return (String(decoding: out, as: UTF8.self), errors)
    }

    private static func isEnvironmentName(_ name: ArraySlice<UInt8>) -> Bool {
        guard let first = name.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func isLetter(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
    }
}
