import Foundation
@testable import LimpetConfig
import LimpetRouting
import Testing

@Suite struct DynamicConfigTests {
    static let staticFile = """
        entryPoints:
          web: {address: ":8000"}
          other: {address: ":8001"}
          traefik: {address: ":8080"}
        providers:
          file: {filename: dynamic.yaml}
        """

    static let dynamicFile = """
        http:
          routers:
            app:
              rule: "Host(`app.localhost`) && PathPrefix(`/`)"
              service: app
              middlewares: [strip]
            split:
              rule: Host(`split.localhost`)
              entryPoints: [other]
              service: split@file
              priority: 100
          services:
            app:
              loadBalancer:
                strategy: wrr
                passHostHeader: false
                servers:
                  - url: "http://127.0.0.1:9001"
                  - url: "http://localhost:9002"
                    weight: 3
                sticky:
                  cookie: {name: "", secure: true, httpOnly: true, sameSite: LAX,
                           maxAge: -1, path: "/", domain: ".example.com", secret: ""}
                  drainTimeout: 30s
                healthCheck: {path: /health, interval: 10s, timeout: 2s, headers: {X-Check: "1"}}
                passiveHealthCheck: {failureWindow: 5s, maxFailedAttempts: 3}
            canary:
              loadBalancer:
                servers: [{url: "http://[::1]:9003"}]
                sticky: {cookie: {name: "my cookie"}}
            split:
              weighted:
                services: [{name: app, weight: 3}, {name: canary, weight: 1}]
                sticky: {cookie: {name: lvl1}}
          middlewares:
            strip: {stripPrefix: {prefixes: ["/api"]}}
            limit: {rateLimit: {average: 100, burst: 50}}
        """

    @Test func validFilesBuildASnapshot() throws {
        let dir = try TempConfig(["limpet.yaml": Self.staticFile, "dynamic.yaml": Self.dynamicFile])
        defer { dir.remove() }
        #expect(dir.check() == [])
        let config = try ConfigLoader.loadStatic(path: dir.path("limpet.yaml"))
        let snapshot = try ConfigLoader.loadSnapshot(for: config, generation: 7)
        #expect(snapshot.generation == 7)
        #expect(snapshot.entryPointNames == ["web", "other", "traefik"])
        #expect(snapshot.services.map(\.name) == ["app@file", "canary@file", "split@file"])

        // Default entry points: all but `traefik`.
        #expect(snapshot.routeTables[0].routers.map(\.name) == ["app@file"])
        #expect(snapshot.routeTables[1].routers.map(\.name) == ["split@file", "app@file"])
        #expect(snapshot.routeTables[2].routers.isEmpty)
        let app = snapshot.routeTables[0].routers[0]
        #expect(app.priority == "Host(`app.localhost`) && PathPrefix(`/`)".count)
        #expect(app.middlewares == ["strip@file"])
        let chain = try #require(app.chain)
        #expect(chain.rewritesPath && chain.requestEdits == nil && chain.retry == nil)
        guard let strip = try #require(chain.steps.first) as? StripPrefix.Step else {
            Issue.record("strip did not compile to a stripPrefix step")
            return
        }
        #expect(strip.prefixes == [Array("/api".utf8)])
        #expect(snapshot.routeTables[1].routers[0].priority == 100)
        #expect(withRequest(host: "APP.localhost:8000") { snapshot.routeTables[0].match($0)?.name } == "app@file")

        guard case .loadBalancer(let lb) = snapshot.services[0].kind else {
            Issue.record("app is not a load balancer")
            return
        }
        #expect(lb.passHostHeader == false && lb.strategy == .wrr)
        #expect(lb.servers.map(\.url) == ["http://127.0.0.1:9001", "http://localhost:9002"])
        #expect(lb.servers.map(\.weight) == [1, 3])
        #expect(lb.servers[0].address.description == "127.0.0.1:9001")
        #expect(String(decoding: lb.servers[1].hostHeader, as: UTF8.self) == "localhost:9002")
        #expect(lb.drainTimeout == .seconds(30))
        #expect(lb.healthCheck?.path == "/health" && lb.healthCheck?.interval == .seconds(10))
        #expect(lb.healthCheck?.unhealthyInterval == .seconds(10) && lb.healthCheck?.timeout == .seconds(2))
        #expect(lb.healthCheck?.headers == [HeaderField(name: "X-Check", value: "1")])
        #expect(lb.passiveHealthCheck == PassiveHealthCheck(failureWindow: .seconds(5), maxFailedAttempts: 3))
        let sticky = try #require(lb.sticky)
        #expect(sticky.name == "_fb0b0")
        #expect(String(decoding: sticky.setCookieLine(server: 0), as: UTF8.self)
                == "Set-Cookie: _fb0b0=b52e7b55edbbb02e; Path=/; Domain=example.com; Max-Age=0; HttpOnly; Secure; SameSite=Lax\r\n")

        guard case .loadBalancer(let canary) = snapshot.services[1].kind else { return }
        #expect(canary.sticky?.name == "my_cookie")
        #expect(canary.servers[0].address.description == "[::1]:9003")
        #expect(String(decoding: canary.servers[0].hostHeader, as: UTF8.self) == "[::1]:9003")

        guard case .weighted(let split) = snapshot.services[2].kind else {
            Issue.record("split is not weighted")
            return
        }
        #expect(split.children == [WeightedChild(serviceIndex: 0, weight: 3, name: "app"),
                                   WeightedChild(serviceIndex: 1, weight: 1, name: "canary")])
        #expect(split.sticky?.name == "lvl1")
        #expect(split.sticky?.values.map { String(decoding: $0, as: UTF8.self) }
                == ["a172cedcae47474b", "e100fbce008c04ec"])

        let dynamic = try ConfigLoader.loadDynamic(for: config)
        #expect(dynamic.middlewares.map(\.name) == ["strip@file", "limit@file"])
        if let limit = dynamic.middlewares[1].middleware as? RateLimit {
            #expect(limit.average == 100 && limit.burst == 50 && limit.period == .seconds(1))
        } else {
            Issue.record("limit is not a rateLimit")
        }
    }

    @Test func missingReferencesPointAtTheValue() throws {
        let dir = try TempConfig(["limpet.yaml": Self.staticFile, "dynamic.yaml": """
            http:
              routers:
                app:
                  rule: Host(`a`)
                  service: nope
                  middlewares: [strip, gone]
                  entryPoints: [web, websecure]
              services:
                split:
                  weighted:
                    services: [{name: missing}]
              middlewares:
                strip: {stripPrefix: {prefixes: ["/api"]}}
            """])
        defer { dir.remove() }
        #expect(dir.check() == [
            "dynamic.yaml:5:16: router \"app@file\": service \"nope\" not found (looked for \"nope@file\")",
            "dynamic.yaml:6:28: router \"app@file\": middleware \"gone\" not found (looked for \"gone@file\")",
            "dynamic.yaml:7:26: router \"app@file\": entry point \"websecure\" is not defined in limpet.yaml (defined: web, other, traefik)",
            "dynamic.yaml:11:27: service \"missing\" not found (looked for \"missing@file\")",
        ])
        let config = try ConfigLoader.loadStatic(path: dir.path("limpet.yaml"))
        #expect(throws: ConfigError.self) { try ConfigLoader.loadSnapshot(for: config, generation: 1) }
    }

    @Test func tcpAndUdpAreNotSupported() throws {
        let dir = try TempConfig(["limpet.yaml": Self.staticFile, "dynamic.yaml": """
            tcp:
              routers: {}
            udp: {}
            tls: {}
            """])
        defer { dir.remove() }
        #expect(dir.check() == [
            "dynamic.yaml:1:1: \"tcp\" routers and services are not supported by Limpet (HTTP only)",
            "dynamic.yaml:3:1: \"udp\" routers and services are not supported by Limpet (HTTP only)",
            "dynamic.yaml:4:1: warning: \"tls\" is a Traefik option Limpet does not implement; it is ignored",
        ])
    }

    @Test func schemaErrorsInDynamicFiles() throws {
        let dir = try TempConfig(["limpet.yaml": Self.staticFile, "dynamic.yaml": """
            http:
              routers:
                app:
                  rule: "Host(`a`) && Path(`b`)"
                  service: app
                  priorty: 5
                  tls: {}
              services:
                app:
                  loadBalancer:
                    servers: [{url: "https://10.0.0.1"}, {url: "http://10.0.0.2", weight: -1}]
                    strategy: random
                    sticky: {cookie: {maxAge: soon}}
                    healthCheck: {interval: 1x}
              middlewares:
                a: {compress: {}}
                b: {stripPrefx: {}}
            """])
        defer { dir.remove() }
        #expect(dir.check() == [
            "dynamic.yaml:4:32: http.routers.app.rule: invalid rule: path \"b\" does not start with a '/' (character 19 of the rule)",
            "dynamic.yaml:6:7: unknown key \"http.routers.app.priorty\" (did you mean \"priority\"?)",
            "dynamic.yaml:7:7: warning: \"http.routers.app.tls\" is a Traefik option Limpet does not implement; it is ignored",
            "dynamic.yaml:11:25: http.services.app.loadBalancer.servers[0].url: server URL \"https://10.0.0.1\": scheme \"https\" is not supported (only http)",
            "dynamic.yaml:11:79: http.services.app.loadBalancer.servers[1].weight: -1 is out of range; expected between 0 and 1000000",
            "dynamic.yaml:12:19: http.services.app.loadBalancer.strategy: expected wrr, p2c, leasttime or hrw, found \"random\"",
            "dynamic.yaml:13:35: http.services.app.loadBalancer.sticky.cookie.maxAge: expected an integer, found \"soon\"",
            "dynamic.yaml:14:33: http.services.app.loadBalancer.healthCheck.interval: invalid duration \"1x\"; use Go syntax such as 250ms, 10s, 1m30s, or a number of seconds",
            "dynamic.yaml:16:9: http.middlewares.a: middleware type \"compress\" is not supported by Limpet",
            "dynamic.yaml:17:9: http.middlewares.b: unknown middleware type \"stripPrefx\" (did you mean \"stripPrefix\"?)",
        ])
    }

    @Test func aBrokenServiceIsReportedOnceNotAsMissing() throws {
        let dir = try TempConfig(["limpet.yaml": Self.staticFile, "dynamic.yaml": """
            http:
              routers:
                r: {rule: "Host(`a`)", service: s, middlewares: [m]}
              services:
                s: {loadBalancer: {strategy: fastest}}
              middlewares:
                m: {addPrefix: {prefix: nope}}
            """])
        defer { dir.remove() }
        #expect(dir.check() == [
            "dynamic.yaml:5:34: http.services.s.loadBalancer.strategy: expected wrr, p2c, leasttime or hrw, found \"fastest\"",
            "dynamic.yaml:7:29: http.middlewares.m.addPrefix.prefix: must start with '/' (found \"nope\")",
        ])
    }

    @Test func unknownRuleMatcherPointsIntoTheRule() throws {
        let dir = try TempConfig(["limpet.yaml": Self.staticFile, "dynamic.yaml": """
            http:
              routers:
                r: {rule: "Host(`a`) && Nope(`x`)", service: s}
              services:
                s: {loadBalancer: {servers: [{url: "http://127.0.0.1:1"}]}}
            """])
        defer { dir.remove() }
        #expect(dir.check() == [
            "dynamic.yaml:3:29: http.routers.r.rule: invalid rule: unknown matcher Nope (character 14 of the rule)",
        ])
    }

    @Test func directoryProviderMergesAndReportsDuplicates() throws {
        let dir = try TempConfig([
            "limpet.yaml": "entryPoints: {web: {address: \":8000\"}}\nproviders: {file: {directory: conf.d}}\n",
            "conf.d/a.yml": "http:\n  routers:\n    app: {rule: Host(`a`), service: app}\n",
            "conf.d/b.yaml": "http:\n  services:\n    app:\n      loadBalancer: {servers: [{url: \"http://127.0.0.1:9001\"}]}\n",
            "conf.d/sub/c.yaml": "http:\n  routers:\n    other: {rule: Host(`b`), service: app@file}\n",
            "conf.d/notes.txt": "not yaml: [",
        ])
        defer { dir.remove() }
        #expect(dir.check() == [])
        let config = try ConfigLoader.loadStatic(path: dir.path("limpet.yaml"))
        #expect(config.fileProvider?.directory == dir.path("conf.d"))
        let snapshot = try ConfigLoader.loadSnapshot(for: config, generation: 1)
        #expect(snapshot.routeTables[0].routers.map(\.name).sorted() == ["app@file", "other@file"])

        let dup = try TempConfig([
            "limpet.yaml": "providers: {file: {directory: conf.d}}\n",
            "conf.d/a.yml": "http:\n  services:\n    app:\n      loadBalancer: {servers: []}\n",
            "conf.d/b.yml": "http:\n  services:\n    app:\n      loadBalancer: {servers: []}\n",
        ])
        defer { dup.remove() }
        #expect(dup.check() == [
            "conf.d/b.yml:3:5: service \"app@file\" is defined twice: here and at conf.d/a.yml:3:5",
        ])
    }

    @Test func aBrokenFileKeepsNothing() throws {
        let dir = try TempConfig(["limpet.yaml": Self.staticFile, "dynamic.yaml": "http:\n  routers: {a: [\n"])
        defer { dir.remove() }
        let config = try ConfigLoader.loadStatic(path: dir.path("limpet.yaml"))
        do {
            _ = try ConfigLoader.loadSnapshot(for: config, generation: 2)
            Issue.record("expected an error")
        } catch {
            #expect(error.diagnostics.count == 1)
            #expect(error.description.hasPrefix(dir.path("dynamic.yaml") + ":"))
        }
    }

    @Test func weightedCyclesAreErrors() throws {
        let dir = try TempConfig(["limpet.yaml": Self.staticFile, "dynamic.yaml": """
            http:
              services:
                a: {weighted: {services: [{name: b}]}}
                b: {weighted: {services: [{name: a}]}}
            """])
        defer { dir.remove() }
        let lines = dir.check()
        #expect(lines.count >= 1)
        #expect(lines.allSatisfy { $0.contains("form a cycle") })
    }

    @Test func otherProvidersAndInternalServices() throws {
        let dir = try TempConfig([
            "limpet.yaml": "entryPoints: {web: {address: \":8000\"}}\nproviders: {file: {filename: d.yaml}, docker: {}}\n",
            "d.yaml": """
                http:
                  routers:
                    a: {rule: Host(`a`), service: whoami@docker}
                    b: {rule: Host(`b`), service: api@internal}
                    c: {rule: Host(`c`), service: x@swarm}
                """,
        ])
        defer { dir.remove() }
        #expect(dir.check() == [
            "d.yaml:4:35: warning: router \"b@file\": internal services (api@internal) are served on the traefik entry point only; this router is ignored",
            "d.yaml:5:35: router \"c@file\": service \"x@swarm\" not found (looked for \"x@swarm\")",
        ])
    }

    @Test func referencesToContainersThatAreGoneLeaveTheRouterOut() throws {
        let dir = try TempConfig([
            "limpet.yaml": "entryPoints: {web: {address: \":8000\"}}\nproviders: {file: {filename: d.yaml}, docker: {}}\n",
            "d.yaml": """
                http:
                  routers:
                    a: {rule: Host(`a`), service: whoami@docker}
                    b: {rule: Host(`b`), service: local}
                    c: {rule: Host(`c`), service: missing}
                  services:
                    local: {loadBalancer: {servers: [{url: "http://127.0.0.1:9001"}]}}
                """,
        ])
        defer { dir.remove() }
        let config = try ConfigLoader.loadStatic(path: dir.path("limpet.yaml"))
        var file = try ConfigLoader.loadDynamic(for: config)
        // A file-only mistake is still an error…
        #expect(throws: ConfigError.self) {
            try SnapshotBuilder.build(static: config, dynamic: [file, DynamicConfig(provider: "docker")], generation: 2)
        }
        // …but a Docker service that does not exist now (its container stopped) only leaves its router out.
        file.routers.removeAll { $0.name == "c@file" }
        let snapshot = try SnapshotBuilder.build(static: config, dynamic: [file, DynamicConfig(provider: "docker")],
                                                 generation: 2)
        #expect(snapshot.routeTables[0].routers.map(\.name) == ["b@file"])
    }

    @Test func namesMustNotBeQualified() throws {
        let dir = try TempConfig(["limpet.yaml": Self.staticFile, "dynamic.yaml": """
            http:
              services:
                app@file: {loadBalancer: {servers: []}}
            """])
        defer { dir.remove() }
        #expect(dir.check().first?.hasPrefix("dynamic.yaml:3:5: service \"app@file\": a name defined here must not contain '@'") == true)
    }

    @Test func unresolvableServerHost() throws {
        let dir = try TempConfig(["limpet.yaml": Self.staticFile, "dynamic.yaml": """
            http:
              services:
                s: {loadBalancer: {servers: [{url: "http://no-such-host.invalid:80"}]}}
            """])
        defer { dir.remove() }
        let lines = dir.check()
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("dynamic.yaml:3:40: server \"http://no-such-host.invalid:80\": cannot resolve") == true)
    }

    // SPEC §5.2: `secret: "${LIMPET_STICKY_SECRET}"`. Variable names unique to these tests.
    @Test func cookieSecretFromTheEnvironment() throws {
        setenv("LIMPET_TEST_STICKY_SECRET_SET", "s3cret", 1)
        unsetenv("LIMPET_TEST_STICKY_SECRET_UNSET")
        setenv("LIMPET_TEST_STICKY_SECRET_EMPTY", "", 1)
        let good = try TempConfig(["limpet.yaml": Self.staticFile, "dynamic.yaml": """
            http:
              services:
                a:
                  loadBalancer:
                    servers: [{url: "http://127.0.0.1:8081"}]
                    sticky: {cookie: {name: a, secret: "${LIMPET_TEST_STICKY_SECRET_SET}"}}
                b:
                  loadBalancer:
                    servers: [{url: "http://127.0.0.1:8082"}]
                    sticky: {cookie: {name: b, secret: "x${LIMPET_TEST_STICKY_SECRET_SET}y$z{}"}}
            """])
        defer { good.remove() }
        #expect(good.check() == [])
        let config = try ConfigLoader.loadStatic(path: good.path("limpet.yaml"))
        let snapshot = try ConfigLoader.loadSnapshot(for: config, generation: 1)
        // Python: hmac.new(b"s3cret", b"http://127.0.0.1:8081", hashlib.sha256).hexdigest()[:16]
        guard case .loadBalancer(let a) = snapshot.services[0].kind,
              case .loadBalancer(let b) = snapshot.services[1].kind else {
            Issue.record("not load balancers")
            return
        }
        #expect(a.sticky?.secret == "s3cret")
        #expect(a.sticky?.values.map { String(decoding: $0, as: UTF8.self) } == ["71444adfd6303c1a"])
        // Text around a reference is kept; a `$` not followed by `{` is literal.
        #expect(b.sticky?.secret == "xs3crety$z{}")
        #expect(b.sticky?.values.map { String(decoding: $0, as: UTF8.self) } == ["f76d576698ae28c1"])  // HMAC keyed with "xs3crety$z{}"

        let bad = try TempConfig(["limpet.yaml": Self.staticFile, "dynamic.yaml": """
            http:
              services:
                a:
                  loadBalancer:
                    servers: [{url: "http://127.0.0.1:8081"}]
                    sticky:
                      cookie: {name: a, secret: "${LIMPET_TEST_STICKY_SECRET_UNSET}"}
                b:
                  loadBalancer:
                    servers: [{url: "http://127.0.0.1:8082"}]
                    sticky:
                      cookie:
                        secret: "${LIMPET_TEST_STICKY_SECRET_SET"
                c:
                  weighted:
                    services: [{name: a}]
                    sticky: {cookie: {secret: "${1BAD}"}}
                d:
                  loadBalancer:
                    servers: [{url: "http://127.0.0.1:8083"}]
                    sticky: {cookie: {secret: "${LIMPET_TEST_STICKY_SECRET_EMPTY}"}}
            """])
        defer { bad.remove() }
        #expect(bad.check() == [
            "dynamic.yaml:7:37: http.services.a.loadBalancer.sticky.cookie.secret: environment variable "
                + "LIMPET_TEST_STICKY_SECRET_UNSET is not set",
            "dynamic.yaml:13:21: http.services.b.loadBalancer.sticky.cookie.secret: unterminated \"${\" "
                + "(write ${NAME} to use an environment variable)",
            "dynamic.yaml:17:35: http.services.c.weighted.sticky.cookie.secret: \"${1BAD}\" is not a valid "
                + "environment variable reference",
            "dynamic.yaml:21:35: warning: http.services.d.loadBalancer.sticky.cookie.secret: expands to an empty "
                + "string; cookie values are not keyed",
        ])
    }
}

@Suite struct SnapshotStoreTests {
    @Test func publishSwapsAndBumpsTheGeneration() {
        let first = Snapshot(generation: 1, entryPointNames: ["web"], routeTables: [RouteTable(routers: [])], services: [])
        let store = SnapshotStore(first)
        #expect(store.generation == 1)
        #expect(store.current() === first)
        let second = Snapshot(generation: 2, entryPointNames: [], routeTables: [], services: [])
        store.publish(second)
        #expect(store.generation == 2)
        #expect(store.current() === second)
    }

    @Test func concurrentReadersSeeWholeSnapshots() async {
        let store = SnapshotStore(Snapshot(generation: 0, entryPointNames: [], routeTables: [], services: []))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for g in 1...1000 {
                    store.publish(Snapshot(generation: UInt64(g), entryPointNames: [], routeTables: [], services: []))
                }
            }
            for _ in 0..<2 {
                group.addTask {
                    var last: UInt64 = 0
                    for _ in 0..<1000 {
                        let seen = store.generation
                        let snapshot = store.current()
                        #expect(snapshot.generation >= seen)
                        #expect(snapshot.generation >= last)
                        last = snapshot.generation
                    }
                }
            }
        }
        #expect(store.generation == 1000)
    }
}

func withRequest<T>(method: String = "GET", host: String, path: String = "/", _ body: (RequestView) -> T) -> T {
    let m = Array(method.utf8), h = Array(host.utf8), p = Array(path.utf8), q: [UInt8] = []
    return m.withUnsafeBytes { mb in
        h.withUnsafeBytes { hb in
            p.withUnsafeBytes { pb in
                q.withUnsafeBytes { qb in body(RequestView(method: mb, host: hb, path: pb, query: qb)) }
            }
        }
    }
}

@Suite struct MiddlewareChainBuildTests {
    @Test func chainsCompileInOrderAndShareState() throws {
        let dynamic = """
            http:
              routers:
                a: {rule: "Host(`a`)", service: s, middlewares: [h1, limit, h2, retry]}
                b: {rule: "Host(`b`)", service: s, middlewares: [h1, limit, h2, retry]}
                c: {rule: "Host(`c`)", service: s, middlewares: [limit]}
              services:
                s: {loadBalancer: {servers: [{url: "http://127.0.0.1:9001"}]}}
              middlewares:
                h1: {headers: {customRequestHeaders: {X-A: "1", Content-Length: "5"}, customResponseHeaders: {X-R: "r"}}}
                h2: {headers: {customRequestHeaders: {x-a: "2"}}}
                limit: {inFlightReq: {amount: 3}}
                retry: {retry: {attempts: 2, initialInterval: 50ms}}
            """
        let dir = try TempConfig(["limpet.yaml": DynamicConfigTests.staticFile, "dynamic.yaml": dynamic])
        defer { dir.remove() }
        #expect(dir.check() == [
            "dynamic.yaml:9:5: warning: headers middleware: Content-Length framing or connection header(s) are "
                + "managed by the proxy and are not edited",
        ])
        let config = try ConfigLoader.loadStatic(path: dir.path("limpet.yaml"))
        let snapshot = try ConfigLoader.loadSnapshot(for: config, generation: 1)
        let routers = Dictionary(uniqueKeysWithValues: snapshot.routeTables[0].routers.map { ($0.name, $0) })
        let a = try #require(routers["a@file"]?.chain)
        #expect(a.names == ["h1@file", "limit@file", "h2@file", "retry@file"])
        #expect(a.requestEdits?.lines == Array("x-a: 2\r\n".utf8), "the later headers middleware wins")
        #expect(a.responseEdits?.lines == Array("X-R: r\r\n".utf8))
        #expect(a.retry == RetryPolicy(attempts: 2, initialInterval: .milliseconds(50)))
        #expect(!a.rewritesPath)
        // Routers with the same chain share its limiter; another chain has its own.
        guard let limitA = (a.steps[0] as? InFlightReq.Step)?.limiter,
              let limitB = (try #require(routers["b@file"]?.chain).steps[0] as? InFlightReq.Step)?.limiter,
              let limitC = (try #require(routers["c@file"]?.chain).steps[0] as? InFlightReq.Step)?.limiter else {
            Issue.record("inFlightReq did not compile")
            return
        }
        #expect(limitA === limitB)
        #expect(limitA !== limitC)
        #expect(limitA.amount == 3)
    }
}
