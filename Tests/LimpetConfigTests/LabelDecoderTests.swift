import Foundation
@testable import LimpetConfig
import LimpetRouting
import Testing

/// Traefik v3's Docker/Swarm label schema → `DynamicConfig` (SPEC §8).
@Suite struct LabelDecoderTests {
    static let docker = LabelProviderOptions(provider: "docker")
    static let swarm = LabelProviderOptions(provider: "swarm", requirePort: true)

    static func container(_ name: String, _ labels: [String: String], addresses: [String] = ["172.17.0.2"],
                          ports: [UInt16] = [80]) -> LabeledWorkload {
        LabeledWorkload(name: name, labels: labels, addresses: addresses, exposedPorts: ports)
    }

    static func decode(_ workloads: [LabeledWorkload], _ options: LabelProviderOptions = docker)
        -> (config: DynamicConfig, diagnostics: [Diagnostic])
    {
        LabelDecoder.decode(workloads, options: options)
    }

    static func router(_ config: DynamicConfig, _ name: String) -> RouterConfig? {
        config.routers.first { $0.name == name }
    }

    static func loadBalancer(_ config: DynamicConfig, _ name: String) -> LoadBalancerConfig? {
        guard let service = config.services.first(where: { $0.name == name }),
              case .loadBalancer(let lb) = service.kind else { return nil }
        return lb
    }

    static func urls(_ config: DynamicConfig, _ name: String) -> [String] {
        loadBalancer(config, name)?.servers.map(\.url) ?? []
    }

    static func errors(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.filter { !$0.isWarning }.map { "\($0.file): \($0.message)" }
    }

    static func warnings(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.filter(\.isWarning).map { "\($0.file): \($0.message)" }
    }

    /// Everything the configuration holds, as text (locations left out), to compare two decodings.
    static func describe(_ config: DynamicConfig) -> String {
        LabelDecoder.fingerprint(config, skipping: ["location", "rule", "warnings"])
    }

    // MARK: Traefik's documented examples (routing/providers/docker)

    @Test func ruleOnlyGetsAnAutomaticServiceOnTheExposedPort() {
        let (config, diagnostics) = Self.decode([
            Self.container("my-container", ["traefik.http.routers.my-container.rule": "Host(`example.com`)"]),
        ])
        #expect(diagnostics.isEmpty)
        let router = Self.router(config, "my-container@docker")
        #expect(router?.ruleText == "Host(`example.com`)")
        #expect(router?.rule != nil)
        #expect(router?.service.name == "my-container@docker")
        #expect(router?.entryPoints == nil)
        #expect(Self.urls(config, "my-container@docker") == ["http://172.17.0.2:80"])
        #expect(config.routers.count == 1 && config.services.count == 1)
    }

    @Test func customPortAndAutomaticServiceAssignment() {
        let (config, diagnostics) = Self.decode([
            Self.container("my-container", [
                "traefik.http.routers.my-container.rule": "Host(`example.com`)",
                "traefik.http.services.my-service.loadbalancer.server.port": "12345",
            ], ports: [80, 443]),
        ])
        #expect(diagnostics.isEmpty)
        #expect(Self.router(config, "my-container@docker")?.service.name == "my-service@docker")
        #expect(Self.urls(config, "my-service@docker") == ["http://172.17.0.2:12345"])
        #expect(config.services.map(\.name) == ["my-service@docker"])
    }

    @Test func severalRoutersAndServicesPerContainer() {
        let (config, diagnostics) = Self.decode([
            Self.container("my-container", [
                "traefik.http.routers.www-router.rule": "Host(`example-a.com`)",
                "traefik.http.routers.www-router.service": "www-service",
                "traefik.http.services.www-service.loadbalancer.server.port": "8000",
                "traefik.http.routers.admin-router.rule": "Host(`example-b.com`)",
                "traefik.http.routers.admin-router.service": "admin-service",
                "traefik.http.services.admin-service.loadbalancer.server.port": "9000",
            ]),
        ])
        #expect(diagnostics.isEmpty)
        #expect(config.routers.map(\.name) == ["admin-router@docker", "www-router@docker"])
        #expect(Self.router(config, "www-router@docker")?.service.name == "www-service@docker")
        #expect(Self.router(config, "admin-router@docker")?.service.name == "admin-service@docker")
        #expect(Self.urls(config, "www-service@docker") == ["http://172.17.0.2:8000"])
        #expect(Self.urls(config, "admin-service@docker") == ["http://172.17.0.2:9000"])
    }

    @Test func declaringAndReferencingAMiddleware() {
        let (config, diagnostics) = Self.decode([
            Self.container("my-container", [
                "traefik.http.middlewares.my-redirect.redirectscheme.scheme": "https",
                "traefik.http.routers.my-container.middlewares": "my-redirect",
            ]),
        ])
        #expect(diagnostics.isEmpty)
        let router = Self.router(config, "my-container@docker")
        #expect(router?.middlewares.map(\.name) == ["my-redirect@docker"])
        #expect(router?.ruleText == "Host(`my-container`)")
        guard let redirect = config.middlewares.first?.middleware as? RedirectScheme else {
            Issue.record("expected a redirectScheme middleware")
            return
        }
        #expect(redirect.scheme == "https" && redirect.port == "" && !redirect.permanent)
    }

    @Test func everyOptionOfTheSchema() throws {
        let (config, diagnostics) = Self.decode([
            Self.container("app", [
                "traefik.http.routers.app.rule": "Host(`app.example.com`) && PathPrefix(`/api`)",
                "traefik.http.routers.app.entrypoints": "web, websecure",
                "traefik.http.routers.app.middlewares": "strip,hdr, allow ,limit,retry,inflight,add",
                "traefik.http.routers.app.priority": "42",
                "traefik.http.services.app.loadbalancer.server.port": "8080",
                "traefik.http.services.app.loadbalancer.server.scheme": "http",
                "traefik.http.services.app.loadbalancer.server.weight": "3",
                "traefik.http.services.app.loadbalancer.passhostheader": "false",
                "traefik.http.services.app.loadbalancer.strategy": "p2c",
                "traefik.http.services.app.loadbalancer.healthcheck.path": "/health",
                "traefik.http.services.app.loadbalancer.healthcheck.interval": "10",
                "traefik.http.services.app.loadbalancer.healthcheck.timeout": "3s",
                "traefik.http.services.app.loadbalancer.healthcheck.headers.X-Foo": "bar",
                "traefik.http.services.app.loadbalancer.healthcheck.followredirects": "false",
                "traefik.http.services.app.loadbalancer.sticky.cookie.name": "sess",
                "traefik.http.services.app.loadbalancer.sticky.cookie.secure": "true",
                "traefik.http.services.app.loadbalancer.sticky.cookie.httponly": "true",
                "traefik.http.services.app.loadbalancer.sticky.cookie.samesite": "lax",
                "traefik.http.services.app.loadbalancer.sticky.cookie.maxage": "3600",
                "traefik.http.services.app.loadbalancer.sticky.cookie.path": "/app",
                "traefik.http.services.app.loadbalancer.sticky.cookie.domain": "example.com",
                "traefik.http.services.app.loadbalancer.sticky.cookie.secret": "s3cret",
                "traefik.http.services.app.loadbalancer.sticky.drainTimeout": "30s",
                "traefik.http.services.app.loadbalancer.passiveHealthCheck.failureWindow": "5s",
                "traefik.http.services.app.loadbalancer.passiveHealthCheck.maxFailedAttempts": "2",
                "traefik.http.middlewares.strip.stripprefix.prefixes": "/api,/v1",
                "traefik.http.middlewares.hdr.headers.customrequestheaders.X-Script-Name": "test",
                "traefik.http.middlewares.hdr.headers.customresponseheaders.X-Custom-Response-Header": "value",
                "traefik.http.middlewares.allow.ipallowlist.sourcerange": "127.0.0.1/32, 192.168.1.7",
                "traefik.http.middlewares.allow.ipallowlist.ipstrategy.depth": "2",
                "traefik.http.middlewares.limit.ratelimit.average": "100",
                "traefik.http.middlewares.limit.ratelimit.burst": "50",
                "traefik.http.middlewares.retry.retry.attempts": "4",
                "traefik.http.middlewares.retry.retry.initialinterval": "100ms",
                "traefik.http.middlewares.inflight.inflightreq.amount": "10",
                "traefik.http.middlewares.add.addprefix.prefix": "/foo",
                "traefik.docker.network": "proxy",
            ], addresses: ["10.0.0.5", "fd00::5"]),
        ])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let router = try #require(Self.router(config, "app@docker"))
        #expect(router.entryPoints?.map(\.name) == ["web", "websecure"])
        #expect(router.middlewares.map(\.name) == ["strip@docker", "hdr@docker", "allow@docker", "limit@docker",
                                                   "retry@docker", "inflight@docker", "add@docker"])
        #expect(router.priority == 42)
        #expect(router.service.name == "app@docker")
        let lb = try #require(Self.loadBalancer(config, "app@docker"))
        #expect(lb.servers.map(\.url) == ["http://10.0.0.5:8080", "http://[fd00::5]:8080"])
        #expect(lb.servers.map(\.weight) == [3, 3])
        #expect(!lb.passHostHeader)
        #expect(lb.strategy == .p2c)
        #expect(lb.healthCheck == HealthCheck(path: "/health", interval: .seconds(10), timeout: .seconds(3),
                                              headers: [HeaderField(name: "X-Foo", value: "bar")], followRedirects: false))
        #expect(lb.passiveHealthCheck == PassiveHealthCheck(failureWindow: .seconds(5), maxFailedAttempts: 2))
        let cookie = try #require(lb.sticky?.cookie)
        #expect(cookie.name == "sess" && cookie.secure && cookie.httpOnly && cookie.sameSite == "lax")
        #expect(cookie.maxAge == 3600 && cookie.path == "/app" && cookie.domain == "example.com" && cookie.secret == "s3cret")
        #expect(lb.sticky?.drainTimeout == .seconds(30))
        var kinds: [String: any Middleware] = [:]
        for middleware in config.middlewares { kinds[middleware.name] = middleware.middleware }
        #expect(config.middlewares.map(\.name) == ["add@docker", "allow@docker", "hdr@docker", "inflight@docker",
                                                   "limit@docker", "retry@docker", "strip@docker"])
        if let strip = kinds["strip@docker"] as? StripPrefix { #expect(strip.prefixes == ["/api", "/v1"]) } else {
            Issue.record("strip")
        }
        if let headers = kinds["hdr@docker"] as? Headers {
            #expect(headers.request == [HeaderField(name: "X-Script-Name", value: "test")])
            #expect(headers.response == [HeaderField(name: "X-Custom-Response-Header", value: "value")])
        } else {
            Issue.record("hdr")
        }
        if let allow = kinds["allow@docker"] as? IPAllowList {
            #expect(allow.sourceRange.map(\.description) == ["127.0.0.1/32", "192.168.1.7"])
            #expect(allow.depth == 2 && allow.excludedIPs.isEmpty)
        } else {
            Issue.record("allow")
        }
        if let limit = kinds["limit@docker"] as? RateLimit {
            #expect(limit.average == 100 && limit.burst == 50 && limit.period == .seconds(1))
        } else {
            Issue.record("limit")
        }
        if let retry = kinds["retry@docker"] as? Retry {
            #expect(retry.attempts == 4 && retry.initialInterval == .milliseconds(100))
        } else {
            Issue.record("retry")
        }
        if let inflight = kinds["inflight@docker"] as? InFlightReq { #expect(inflight.amount == 10) } else {
            Issue.record("inflight")
        }
        if let add = kinds["add@docker"] as? AddPrefix { #expect(add.prefix == "/foo") } else { Issue.record("add") }
    }

    @Test func valuesAreCarriedExactly() throws {
        let value = "a \"quoted\" \\ back\tslash: {not: yaml} # nor a comment, é, \u{1F600}"
        let (config, diagnostics) = Self.decode([
            Self.container("app", ["traefik.http.middlewares.h.headers.customrequestheaders.X-Odd": value,
                                   "traefik.http.routers.app.middlewares": "h"]),
        ])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        guard let headers = config.middlewares.first?.middleware as? Headers else {
            Issue.record("expected a headers middleware")
            return
        }
        #expect(headers.request == [HeaderField(name: "X-Odd", value: value)])
    }

    // MARK: Automatic router and service, defaultRule

    @Test func defaultRuleNormalizesTheName() {
        let (config, diagnostics) = Self.decode([Self.container("my_app.1", [:])])
        #expect(diagnostics.isEmpty)
        #expect(config.routers.map(\.name) == ["my-app-1@docker"])
        #expect(config.routers.first?.ruleText == "Host(`my-app-1`)")
        #expect(config.routers.first?.service.name == "my-app-1@docker")
        #expect(config.services.map(\.name) == ["my-app-1@docker"])
    }

    @Test func normalizeIsTraefiks() {
        #expect(LabelDecoder.normalize("my_app.1") == "my-app-1")
        #expect(LabelDecoder.normalize("--a__b..c--") == "a-b-c")
        #expect(LabelDecoder.normalize("Été_2024") == "Été-2024")
        #expect(LabelDecoder.normalize("web") == "web")
        #expect(LabelDecoder.normalize("__") == "")
    }

    @Test func defaultRuleTemplates() throws {
        let labels = ["app.domain": "shop.example.com", "tier": "Front End"]
        let model = LabelRuleTemplate.Model(name: "web-1", containerName: "web_1", labels: labels)
        func render(_ source: String) throws -> String { try LabelRuleTemplate(source).render(model) }
        #expect(try render("Host(`{{ normalize .Name }}`)") == "Host(`web-1`)")
        #expect(try render("Host(`{{ .Name }}.docker.localhost`)") == "Host(`web-1.docker.localhost`)")
        #expect(try render("Host(`{{ .ContainerName }}`)") == "Host(`web_1`)")
        #expect(try render("Host(`{{ index .Labels \"app.domain\" }}`)") == "Host(`shop.example.com`)")
        #expect(try render("Host(`{{ .Labels.tier | normalize | lower }}`)") == "Host(`front-end`)")
        #expect(try render("Host(`{{ normalize (index .Labels \"tier\") }}`)") == "Host(`Front-End`)")
        #expect(try render("Host(`{{ index .Labels \"missing\" | default .Name }}`)") == "Host(`web-1`)")
        #expect(try render("Host(`{{- \" x \" | trim -}}  `)") == "Host(`x`)")
        #expect(try render("{{/* a comment */}}Path(`/`)") == "Path(`/`)")
        #expect(try render("Host(`{{ `raw` }}`)") == "Host(`raw`)")
        for bad in ["{{ .Name", "{{ .Foo }}", "{{ sha256sum .Name }}", "{{ if .Name }}x{{ end }}", "{{ $x := 1 }}",
                    "{{ .Name .Name }}"] {
            #expect(throws: LabelRuleTemplate.Failure.self, "\(bad)") { try LabelRuleTemplate(bad) }
            #expect(LabelDecoder.checkDefaultRule(bad) != nil)
        }
        #expect(LabelDecoder.checkDefaultRule("Host(`{{ normalize .Name }}.localhost`)") == nil)
    }

    @Test func defaultRuleFromTheProviderOptions() {
        var options = Self.docker
        options.defaultRule = "Host(`{{ normalize .Name }}.{{ index .Labels \"domain\" }}`)"
        let (config, diagnostics) = Self.decode([Self.container("blog", ["domain": "example.org"])], options)
        #expect(diagnostics.isEmpty)
        #expect(config.routers.first?.ruleText == "Host(`blog.example.org`)")
    }

    @Test func invalidDefaultRuleIsReportedOnce() {
        var options = Self.docker
        options.defaultRule = "Host(`{{ .Nome }}`)"
        let (config, diagnostics) = Self.decode([
            Self.container("a", [:]), Self.container("b", [:]),
            Self.container("c", ["traefik.http.routers.c.entrypoints": "web"]),
        ], options)
        #expect(Self.errors(diagnostics).count == 2)
        #expect(Self.errors(diagnostics).last == "docker container \"c\": labels traefik.http.routers.c.*: the router has "
                    + "no rule and the provider's defaultRule is invalid; the router is left out")
        #expect(diagnostics.first?.file == "docker provider")
        #expect(diagnostics.first?.message.contains("unknown field .Nome") == true)
        // Services still serve (another provider's routers may use them); routers without a rule do not.
        #expect(config.routers.isEmpty)
        #expect(config.services.map(\.name) == ["a@docker", "b@docker", "c@docker"])
    }

    @Test func emptyDefaultRuleMakesNoAutomaticRouter() {
        var options = Self.docker
        options.defaultRule = ""
        let (config, diagnostics) = Self.decode([
            Self.container("quiet", [:]),
            Self.container("named", ["traefik.http.routers.r.entrypoints": "web"]),
        ], options)
        #expect(config.routers.isEmpty)
        #expect(config.services.map(\.name) == ["named@docker", "quiet@docker"])
        #expect(Self.errors(diagnostics) == [
            "docker container \"named\": labels traefik.http.routers.r.*: the router has no rule and the provider's "
                + "defaultRule is empty; the router is left out",
        ])
    }

    @Test func composeServicesAreNamedLikeTraefik() {
        let compose = ["com.docker.compose.service": "web", "com.docker.compose.project": "shop"]
        let (config, diagnostics) = Self.decode([
            Self.container("shop-web-2", compose, addresses: ["172.18.0.3"]),
            Self.container("shop-web-1", compose, addresses: ["172.18.0.2"]),
        ])
        #expect(diagnostics.isEmpty)
        #expect(config.routers.map(\.name) == ["web-shop@docker"])
        #expect(config.routers.first?.ruleText == "Host(`web-shop`)")
        #expect(Self.urls(config, "web-shop@docker") == ["http://172.18.0.2:80", "http://172.18.0.3:80"])
    }

    @Test func routerWithoutServiceAmongSeveral() {
        let (config, diagnostics) = Self.decode([
            Self.container("multi", [
                "traefik.http.routers.r.rule": "Path(`/`)",
                "traefik.http.services.a.loadbalancer.server.port": "80",
                "traefik.http.services.b.loadbalancer.server.port": "81",
            ]),
            // No router label and several services: no automatic router (Traefik logs it at info level).
            Self.container("two", [
                "traefik.http.services.c.loadbalancer.server.port": "80",
                "traefik.http.services.d.loadbalancer.server.port": "81",
            ]),
        ])
        #expect(config.routers.isEmpty)
        #expect(config.services.map(\.name) == ["a@docker", "b@docker", "c@docker", "d@docker"])
        #expect(Self.errors(diagnostics) == [
            "docker container \"multi\": labels traefik.http.routers.r.*: the router has no service and the labels "
                + "define several (a, b); set traefik.http.routers.r.service; the router is left out",
        ])
    }

    // MARK: Exposure

    @Test func exposedByDefaultAndTraefikEnable() {
        let workloads = [
            Self.container("plain", [:]),
            Self.container("on", ["traefik.enable": "true"]),
            Self.container("off", ["traefik.enable": "false"]),
            Self.container("upper", ["TRAEFIK.ENABLE": "TRUE"]),
        ]
        let exposed = Self.decode(workloads)
        #expect(exposed.diagnostics.isEmpty)
        #expect(exposed.config.services.map(\.name) == ["on@docker", "plain@docker", "upper@docker"])
        var options = Self.docker
        options.exposedByDefault = false
        let hidden = Self.decode(workloads, options)
        #expect(hidden.diagnostics.isEmpty)
        #expect(hidden.config.services.map(\.name) == ["on@docker", "upper@docker"])
        #expect(hidden.config.routers.map(\.name) == ["on@docker", "upper@docker"])
        // A hidden workload's labels are not even read.
        let ignored = Self.decode([Self.container("x", ["traefik.enable": "false",
                                                         "traefik.http.routers.x.priority": "high"])])
        #expect(ignored.diagnostics.isEmpty && ignored.config.routers.isEmpty)
    }

    @Test func invalidEnableLeavesTheContainerOut() {
        let (config, diagnostics) = Self.decode([Self.container("x", ["traefik.enable": "yes please"])])
        #expect(config.services.isEmpty)
        #expect(Self.errors(diagnostics) == [
            "docker container \"x\": label traefik.enable: expected true or false, found \"yes please\"; "
                + "the container is left out",
        ])
    }

    // MARK: Case-insensitive keys

    @Test func labelKeysAreCaseInsensitive() throws {
        let (config, diagnostics) = Self.decode([
            Self.container("web", [
                "Traefik.HTTP.Routers.Web.Rule": "Host(`web.localhost`)",
                "traefik.http.routers.web.EntryPoints": "web",
                "traefik.http.routers.WEB.Service": "Api",
                "traefik.HTTP.Services.Api.LoadBalancer.Server.Port": "8080",
                "traefik.http.services.api.loadbalancer.Sticky.Cookie": "TRUE",
                "traefik.http.services.api.loadbalancer.PassHostHeader": "false",
            ]),
        ])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        // As in Traefik's label parser, the first spelling in key order names the router and the service.
        let router = try #require(Self.router(config, "Web@docker"))
        #expect(router.ruleText == "Host(`web.localhost`)")
        #expect(router.entryPoints?.map(\.name) == ["web"])
        #expect(router.service.name == "Api@docker")
        let lb = try #require(Self.loadBalancer(config, "Api@docker"))
        #expect(lb.servers.map(\.url) == ["http://172.17.0.2:8080"])
        #expect(lb.sticky?.cookie != nil && !lb.passHostHeader)
    }

    // MARK: Merging workloads

    @Test func containersDeclaringTheSameServiceShareIt() throws {
        let labels = [
            "traefik.http.routers.whoami.rule": "Host(`whoami.localhost`)",
            "traefik.http.services.whoami.loadbalancer.server.port": "8080",
            "traefik.http.services.whoami.loadbalancer.sticky.cookie": "true",
            "traefik.http.middlewares.strip.stripprefix.prefixes": "/a",
        ]
        let workloads = [
            Self.container("whoami-2", labels, addresses: ["10.0.0.3"]),
            Self.container("whoami-1", labels, addresses: ["10.0.0.2", "10.0.0.2"]),
            Self.container("whoami-3", labels, addresses: ["10.0.0.2"]),  // same URL again: listed once
        ]
        let (config, diagnostics) = Self.decode(workloads)
        #expect(diagnostics.isEmpty)
        #expect(config.services.map(\.name) == ["whoami@docker"])
        #expect(config.routers.map(\.name) == ["whoami@docker"])
        #expect(config.middlewares.map(\.name) == ["strip@docker"])
        #expect(Self.urls(config, "whoami@docker") == ["http://10.0.0.2:8080", "http://10.0.0.3:8080"])
        // Whatever order the provider lists them in, the same configuration comes out.
        let again = Self.decode(workloads.reversed())
        #expect(Self.describe(again.config) == Self.describe(config))
        let shuffled = Self.decode([workloads[1], workloads[2], workloads[0]])
        #expect(Self.describe(shuffled.config) == Self.describe(config))
    }

    @Test func differingDefinitionsAreLeftOut() {
        let (config, diagnostics) = Self.decode([
            Self.container("api-b", [
                "traefik.http.routers.api.rule": "Host(`api.localhost`)",
                "traefik.http.routers.api.service": "api",
                "traefik.http.services.api.loadbalancer.server.port": "80",
                "traefik.http.services.api.loadbalancer.passhostheader": "false",
                "traefik.http.middlewares.m.addprefix.prefix": "/b",
                "traefik.http.routers.site.rule": "Host(`b.localhost`)",
                "traefik.http.routers.site.service": "other",
                "traefik.http.services.other.loadbalancer.server.port": "81",
            ], addresses: ["10.0.0.3"]),
            Self.container("api-a", [
                "traefik.http.routers.api.rule": "Host(`api.localhost`)",
                "traefik.http.routers.api.service": "api",
                "traefik.http.routers.api.middlewares": "m",
                "traefik.http.services.api.loadbalancer.server.port": "80",
                "traefik.http.middlewares.m.addprefix.prefix": "/a",
                "traefik.http.routers.site.rule": "Host(`a.localhost`)",
                "traefik.http.routers.site.service": "other",
                "traefik.http.services.other.loadbalancer.server.port": "81",
            ], addresses: ["10.0.0.2"]),
        ])
        #expect(config.services.map(\.name) == ["other@docker"])
        #expect(Self.urls(config, "other@docker") == ["http://10.0.0.2:81", "http://10.0.0.3:81"])
        #expect(config.middlewares.isEmpty)
        #expect(config.routers.isEmpty)
        #expect(config.invalidDefinitions.isSuperset(of: ["api@docker", "m@docker", "site@docker"]))
        let errors = Self.errors(diagnostics)
        #expect(errors.contains(
            "docker container \"api-b\": service \"api@docker\" is defined differently by docker container \"api-a\" "
                + "and docker container \"api-b\" (every option but the servers must be the same to share it); "
                + "the service is left out"))
        #expect(errors.contains(
            "docker container \"api-b\": middleware \"m@docker\" is defined differently by docker container \"api-a\" "
                + "and docker container \"api-b\" (every option must be the same to share it); the middleware is left out"))
        #expect(errors.contains(
            "docker container \"api-b\": router \"api@docker\" is defined differently by docker container \"api-a\" "
                + "and docker container \"api-b\" (every option must be the same to share it); the router is left out"))
        #expect(errors.contains(
            "docker container \"api-b\": router \"site@docker\" is defined differently by docker container \"api-a\" "
                + "and docker container \"api-b\" (every option must be the same to share it); the router is left out"))
        #expect(errors.count == 4)
        // The conflict is reported at the second definition's first label.
        let service = diagnostics.first { $0.message.hasPrefix("service \"api@docker\"") }
        #expect(service?.line == 6)
    }

    @Test func routerNamingAServiceThatWasLeftOut() {
        let (config, diagnostics) = Self.decode([
            Self.container("front", [
                "traefik.http.routers.front.rule": "Host(`front.localhost`)",
                "traefik.http.routers.front.service": "back",
                "traefik.http.routers.front.middlewares": "nowhere, auth@file",
                "traefik.http.services.front.loadbalancer.server.port": "80",
            ]),
            Self.container("back", ["traefik.http.services.back.loadbalancer.server.port": "port"]),
        ])
        #expect(config.routers.isEmpty)
        #expect(config.services.map(\.name) == ["front@docker"])
        #expect(config.invalidDefinitions.contains("back@docker"))
        #expect(Self.errors(diagnostics) == [
            "docker container \"back\": label traefik.http.services.back.loadbalancer.server.port: invalid port "
                + "\"port\"; expected 1-65535; the container is left out",
            "docker container \"front\": router \"front@docker\": service \"back\" was left out (see above); "
                + "the router is left out",
            "docker container \"front\": router \"front@docker\": middleware \"nowhere\" is not defined (looked for "
                + "\"nowhere@docker\" in the labels of every container); the router is left out",
        ])
    }

    // MARK: Sticky cookies, compared with the file provider's

    @Test func stickyCookieMatchesTheFileProvider() throws {
        let dir = try TempConfig([
            "limpet.yaml": """
                entryPoints:
                  web: {address: ":8000"}
                providers:
                  file: {filename: dynamic.yaml}
                """,
            "dynamic.yaml": """
                http:
                  services:
                    app:
                      loadBalancer:
                        servers: [{url: "http://127.0.0.1:8081"}]
                        sticky:
                          cookie: {name: "my cookie", secure: true, httpOnly: true, sameSite: lax, maxAge: 60,
                                   path: /app, domain: example.com}
                """,
        ])
        defer { dir.remove() }
        let staticConfig = try ConfigLoader.loadStatic(path: dir.path("limpet.yaml"))
        let file = try ConfigLoader.loadDynamic(for: staticConfig)
        let (docker, diagnostics) = Self.decode([
            Self.container("whoami", [
                "traefik.http.services.whoami.loadbalancer.sticky.cookie": "true",
                "traefik.http.services.whoami.loadbalancer.server.port": "8081",
            ], addresses: ["127.0.0.1"]),
            Self.container("app", [
                "traefik.http.services.app.loadbalancer.server.port": "8081",
                "traefik.http.services.app.loadbalancer.sticky.cookie.name": "my cookie",
                "traefik.http.services.app.loadbalancer.sticky.cookie.secure": "true",
                "traefik.http.services.app.loadbalancer.sticky.cookie.httpOnly": "true",
                "traefik.http.services.app.loadbalancer.sticky.cookie.sameSite": "lax",
                "traefik.http.services.app.loadbalancer.sticky.cookie.maxAge": "60",
                "traefik.http.services.app.loadbalancer.sticky.cookie.path": "/app",
                "traefik.http.services.app.loadbalancer.sticky.cookie.domain": "example.com",
            ], addresses: ["127.0.0.1"]),
        ])
        #expect(diagnostics.isEmpty)
        let snapshot = try SnapshotBuilder.build(static: staticConfig, dynamic: [file, docker], generation: 1)
        func cookie(_ name: String) -> StickyCookie? {
            guard let index = snapshot.serviceIndex(named: name),
                  case .loadBalancer(let lb) = snapshot.services[index].kind else { return nil }
            return lb.sticky
        }
        // The default name of SPEC §5.1 for whoami@docker, and Traefik's value for the server's URL.
        let whoami = try #require(cookie("whoami@docker"))
        #expect(whoami.name == "_633ff")
        #expect(whoami.name == CookieNaming.defaultName(qualifiedService: "whoami@docker"))
        #expect(whoami.keys == ["http://127.0.0.1:8081"])
        #expect(CookieNaming.value(url: whoami.keys[0]) == "08d5f409490f61fc")
        #expect(!whoami.secure && !whoami.httpOnly && whoami.sameSite == "" && whoami.maxAge == 0 && whoami.path == "/")
        // The same options written as labels and in a file give the same cookie.
        let fromLabels = try #require(cookie("app@docker"))
        let fromFile = try #require(cookie("app@file"))
        #expect(fromLabels.name == fromFile.name)
        #expect(fromLabels.name == "my_cookie")
        #expect(fromLabels.secure == fromFile.secure && fromLabels.httpOnly == fromFile.httpOnly)
        #expect(fromLabels.sameSite == fromFile.sameSite && fromLabels.maxAge == fromFile.maxAge)
        #expect(fromLabels.path == fromFile.path && fromLabels.domain == fromFile.domain)
        #expect(fromLabels.keys == fromFile.keys && fromLabels.values == fromFile.values)
    }

    @Test func stickyCookieFalseOrOtherValues() {
        let (config, diagnostics) = Self.decode([
            Self.container("off", ["traefik.http.services.off.loadbalancer.sticky.cookie": "false"]),
            Self.container("odd", ["traefik.http.services.odd.loadbalancer.sticky.cookie": "on"]),
        ])
        #expect(Self.loadBalancer(config, "off@docker")?.sticky?.cookie == nil)
        #expect(Self.loadBalancer(config, "odd@docker")?.sticky?.cookie == nil)
        #expect(Self.errors(diagnostics).isEmpty)
        #expect(Self.warnings(diagnostics) == [
            "docker container \"odd\": label traefik.http.services.odd.loadbalancer.sticky.cookie: expected true or "
                + "false, found \"on\"; traefik.http.services.odd.loadbalancer.sticky.cookie is disabled (as Traefik does)",
        ])
    }

    // MARK: Ports, addresses, Swarm

    @Test func dockerPortDetection() {
        let (config, diagnostics) = Self.decode([
            Self.container("many", [:], addresses: ["10.0.0.2"], ports: [8080, 443, 80]),
            Self.container("none", [:], addresses: ["10.0.0.3"], ports: []),
            Self.container("ghost", [:], addresses: [], ports: [80]),
        ])
        #expect(config.services.map(\.name) == ["many@docker"])
        #expect(Self.urls(config, "many@docker") == ["http://10.0.0.2:80"])
        #expect(Self.errors(diagnostics).isEmpty)
        #expect(Self.warnings(diagnostics) == [
            "docker container \"ghost\": no address to reach it on (not attached to a network?); "
                + "the container is left out",
            "docker container \"none\": no port: the container exposes none and "
                + "traefik.http.services.NAME.loadbalancer.server.port is not set; the container is left out",
        ])
    }

    @Test func allowEmptyServicesKeepsAWorkloadWithoutAddress() {
        var options = Self.docker
        options.allowEmptyServices = true
        let (config, diagnostics) = Self.decode([Self.container("ghost", [:], addresses: [])], options)
        #expect(diagnostics.isEmpty)
        #expect(config.routers.map(\.name) == ["ghost@docker"])
        #expect(config.services.map(\.name) == ["ghost@docker"])
        #expect(Self.urls(config, "ghost@docker").isEmpty)
    }

    @Test func swarmRequiresAPort() {
        let (config, diagnostics) = Self.decode([
            LabeledWorkload(name: "web", labels: ["traefik.http.routers.web.rule": "Host(`web.example.com`)"],
                            addresses: ["10.0.1.5", "10.0.1.6"], exposedPorts: [80]),
            LabeledWorkload(name: "api", labels: ["traefik.http.services.api.loadbalancer.server.port": "9000",
                                                  "traefik.swarm.network": "proxy", "traefik.swarm.lbswarm": "false"],
                            addresses: ["10.0.1.9", "fd00::9"]),
            LabeledWorkload(name: "idle", labels: ["traefik.http.services.idle.loadbalancer.server.port": "80"],
                            addresses: []),
        ], Self.swarm)
        #expect(config.services.map(\.name) == ["api@swarm"])
        #expect(Self.urls(config, "api@swarm") == ["http://10.0.1.9:9000", "http://[fd00::9]:9000"])
        #expect(config.routers.map(\.name) == ["api@swarm"])
        #expect(config.routers.first?.ruleText == "Host(`api`)")
        // An error, not a warning: Swarm never detects a port. A service scaled to zero says nothing.
        #expect(Self.errors(diagnostics) == [
            "swarm service \"web\": no port: traefik.http.services.NAME.loadbalancer.server.port is required "
                + "(Swarm services expose no port to detect); the service is left out",
        ])
        #expect(Self.warnings(diagnostics).isEmpty)
    }

    @Test func swarmProviderLabels() {
        let (_, deprecated) = Self.decode([
            LabeledWorkload(name: "a", labels: ["traefik.docker.network": "net",
                                                "traefik.http.services.a.loadbalancer.server.port": "80"],
                            addresses: ["10.0.0.2"]),
        ], Self.swarm)
        #expect(Self.warnings(deprecated) == [
            "swarm service \"a\": label traefik.docker.network: traefik.docker.* labels are deprecated for Swarm "
                + "services; write traefik.swarm.*",
        ])
        let (config, both) = Self.decode([
            LabeledWorkload(name: "b", labels: ["traefik.docker.network": "net", "traefik.swarm.network": "net",
                                                "traefik.http.services.b.loadbalancer.server.port": "80"],
                            addresses: ["10.0.0.2"]),
        ], Self.swarm)
        #expect(config.services.isEmpty)
        #expect(Self.errors(both).count == 1)
        #expect(Self.errors(both).first?.contains("both traefik.docker.* and traefik.swarm.* labels are set") == true)
        let (_, typo) = Self.decode([Self.container("c", ["traefik.docker.netwrok": "net"])])
        #expect(Self.errors(typo) == [
            "docker container \"c\": label traefik.docker.netwrok: unknown label (did you mean "
                + "\"traefik.docker.network\"?); the container is left out",
        ])
    }

    @Test func serverURLLabel() {
        let (config, diagnostics) = Self.decode([
            Self.container("ext", ["traefik.http.services.ext.loadbalancer.server.url": "http://192.168.1.10:8080"],
                           addresses: []),
            Self.container("both", ["traefik.http.services.both.loadbalancer.server.url": "http://192.168.1.10:8080",
                                    "traefik.http.services.both.loadbalancer.server.port": "80"]),
        ])
        #expect(Self.urls(config, "ext@docker") == ["http://192.168.1.10:8080"])
        #expect(config.services.map(\.name) == ["ext@docker"])
        #expect(Self.errors(diagnostics) == [
            "docker container \"both\": label traefik.http.services.both.loadbalancer.server.port: defining scheme or "
                + "port is not allowed when traefik.http.services.both.loadbalancer.server.url is set (as in Traefik); "
                + "the container is left out",
        ])
    }

    // MARK: Bad values, reported with the workload and the label

    @Test func invalidRuleNamesTheLabelAndLeavesOutTheRouter() throws {
        let labels = [
            "traefik.http.routers.api.rule": "Host(`api.localhost`)",
            "traefik.http.routers.web.rule": "Host(`a`) && Nope(`b`)",
            "traefik.http.routers.web.service": "web",
            "traefik.http.routers.api.service": "web",
            "traefik.http.services.web.loadbalancer.server.port": "80",
        ]
        let (config, diagnostics) = Self.decode([Self.container("web-1", labels)])
        let errors = diagnostics.filter { !$0.isWarning }
        #expect(errors.count == 1)
        let error = try #require(errors.first)
        #expect(error.file == "docker container \"web-1\"")
        #expect(error.message.hasPrefix("label traefik.http.routers.web.rule: invalid rule: "))
        #expect(error.message.hasSuffix("; the router is left out"))
        // Line: the label's position in the sorted labels; column: the character of the value.
        #expect(error.line == labels.keys.sorted().firstIndex(of: "traefik.http.routers.web.rule")! + 1)
        #expect(error.column == 14)
        #expect("\(error.file): \(error.message)".hasPrefix(
            "docker container \"web-1\": label traefik.http.routers.web.rule: invalid rule: "))
        // The other router and the service still serve.
        #expect(config.routers.map(\.name) == ["api@docker"])
        #expect(config.services.map(\.name) == ["web@docker"])
    }

    @Test func badValuesLeaveTheWorkloadOut() {
        let (config, diagnostics) = Self.decode([
            Self.container("a", ["traefik.http.services.a.loadbalancer.passhostheader": "maybe"]),
            Self.container("b", ["traefik.http.routers.b.rulez": "Host(`b`)"]),
            Self.container("c", ["traefik.http.middlewares.c.basicauth.users": "x:y"]),
            Self.container("d", ["traefik.http.services.d.loadbalancer.server.weight": "heavy"]),
            Self.container("e", ["traefik.http.routers..rule": "Host(`e`)"]),
            Self.container("f", ["traefik.http.routers.f.priority": "high"]),
            Self.container("g", ["traefik.http.services.g.loadbalancer.healthcheck.interval": "soon"]),
        ])
        // Unlike a bad rule, a bad value anywhere leaves the whole container out, as in Traefik.
        #expect(config.services.isEmpty)
        #expect(config.routers.isEmpty)
        #expect(config.invalidDefinitions.isSuperset(of: ["a@docker", "b@docker", "c@docker", "d@docker", "f@docker",
                                                          "g@docker"]))
        #expect(Self.errors(diagnostics) == [
            "docker container \"a\": label traefik.http.services.a.loadbalancer.passhostheader: expected true or false, "
                + "found \"maybe\"; the container is left out",
            "docker container \"b\": label traefik.http.routers.b.rulez: unknown key \"traefik.http.routers.b.rulez\" "
                + "(did you mean \"rule\"?); the container is left out",
            "docker container \"c\": labels traefik.http.middlewares.c.basicauth.*: middleware type \"basicAuth\" "
                + "is not supported by Limpet; the container is left out",
            "docker container \"d\": label traefik.http.services.d.loadbalancer.server.weight: expected an integer, "
                + "found \"heavy\"; the container is left out",
            "docker container \"e\": label traefik.http.routers..rule: invalid label name (an empty part between dots); "
                + "the container is left out",
            "docker container \"f\": label traefik.http.routers.f.priority: expected an integer, found \"high\"; "
                + "the container is left out",
            "docker container \"g\": label traefik.http.services.g.loadbalancer.healthcheck.interval: invalid duration "
                + "\"soon\"; use Go syntax such as 250ms, 10s, 1m30s, or a number of seconds; the container is left out",
        ])
    }

    @Test func ignoredLabelsAreWarnings() {
        let (config, diagnostics) = Self.decode([
            Self.container("app", [
                "traefik.http.routers.app.tls": "true",
                "traefik.http.routers.app.tls.certresolver": "le",
                "traefik.tcp.routers.db.rule": "HostSNI(`*`)",
                "traefik.tls.options.default.minVersion": "VersionTLS12",
                "traefik.frontend.rule": "Host:app",
                "traefik.constraint-label": "public",
            ]),
            Self.container("tcp-only", ["traefik.tcp.services.db.loadbalancer.server.port": "5432"]),
        ])
        #expect(Self.errors(diagnostics).isEmpty)
        #expect(config.routers.map(\.name) == ["app@docker"])
        #expect(config.services.map(\.name) == ["app@docker"])
        let warnings = Self.warnings(diagnostics)
        #expect(warnings.count == 5, "\(warnings)")
        #expect(warnings.contains { $0.contains("label traefik.frontend.rule: a Traefik v1 label") })
        #expect(warnings.contains { $0.contains("label traefik.tcp.routers.db.rule: TCP and UDP routers") })
        #expect(warnings.contains { $0.contains("label traefik.tls.options.default.minVersion: TLS options") })
        #expect(warnings.contains { $0.contains("labels traefik.http.routers.app.tls.*: \"traefik.http.routers.app.tls\" is a "
                                                + "Traefik option Limpet does not implement") })
        #expect(warnings.contains { $0.hasPrefix("docker container \"tcp-only\": label traefik.tcp.services") })
        #expect(config.warnings.count == 5)
    }

    @Test func entryPointsAreCheckedWhenKnown() {
        var options = Self.docker
        options.entryPoints = ["web", "traefik"]
        let (config, diagnostics) = Self.decode([
            Self.container("a", ["traefik.http.routers.a.entrypoints": "web,websecure"]),
            Self.container("b", ["traefik.http.routers.b.entrypoints": "websecure"]),
            Self.container("c", ["traefik.http.routers.c.entrypoints": ""]),
        ], options)
        #expect(config.routers.map(\.name) == ["a@docker", "c@docker"])
        #expect(Self.router(config, "a@docker")?.entryPoints?.map(\.name) == ["web"])
        #expect(Self.router(config, "c@docker")?.entryPoints == nil)
        #expect(Self.warnings(diagnostics) == [
            "docker container \"a\": router \"a@docker\": entry point(s) \"websecure\" not defined in the static "
                + "configuration (defined: web, traefik); the router serves the others",
        ])
        #expect(Self.errors(diagnostics) == [
            "docker container \"b\": router \"b@docker\": entry point(s) \"websecure\" not defined in the static "
                + "configuration (defined: web, traefik); the router is left out",
        ])
    }

    @Test func optionsFromTheStaticConfiguration() {
        var docker = DockerProviderConfig()
        docker.exposedByDefault = false
        let options = LabelProviderOptions(docker: docker, entryPoints: ["web"])
        #expect(options.provider == "docker" && !options.exposedByDefault && !options.requirePort)
        #expect(options.entryPoints == ["web"])
        let swarm = LabelProviderOptions(swarm: SwarmProviderConfig())
        #expect(swarm.provider == "swarm" && swarm.requirePort && swarm.exposedByDefault)
        #expect(swarm.defaultRule == "Host(`{{ normalize .Name }}`)")
    }

    @Test func snapshotFromLabelsRoutesByTheRule() throws {
        let dir = try TempConfig(["limpet.yaml": "entryPoints:\n  web: {address: \":8000\"}\nproviders:\n  docker: {}\n"])
        defer { dir.remove() }
        let staticConfig = try ConfigLoader.loadStatic(path: dir.path("limpet.yaml"))
        let (docker, diagnostics) = Self.decode([
            Self.container("whoami", ["traefik.http.routers.whoami.middlewares": "strip",
                                      "traefik.http.middlewares.strip.stripprefix.prefixes": "/api"],
                           addresses: ["127.0.0.1"], ports: [8081]),
        ], LabelProviderOptions(docker: try #require(staticConfig.docker), entryPoints: ["web"]))
        #expect(diagnostics.isEmpty)
        let snapshot = try SnapshotBuilder.build(static: staticConfig, dynamic: [docker], generation: 1)
        let table = try #require(snapshot.routeTable(entryPoint: "web"))
        #expect(table.routers.map(\.name) == ["whoami@docker"])
        #expect(snapshot.services.map(\.name) == ["whoami@docker"])
    }
}
