import LimpetHTTP
import LimpetRouting
import Yams

/// `headers`: `customRequestHeaders` set on the request sent upstream, `customResponseHeaders` on the response
/// (an empty value removes the field). No per-request step: the edits of a chain's `headers` middlewares merge
/// into `MiddlewareChain.requestEdits`/`responseEdits`, later ones winning.
struct Headers: Middleware {
    static let typeName = "headers"

    /// Traefik's `headers` options Limpet accepts with a warning.
    static let unimplemented = [
        "accessControlAllowCredentials", "accessControlAllowHeaders", "accessControlAllowMethods",
        "accessControlAllowOriginList", "accessControlAllowOriginListRegex", "accessControlExposeHeaders",
        "accessControlMaxAge", "addVaryHeader", "allowedHosts", "hostsProxyHeaders", "sslRedirect",
        "sslTemporaryRedirect", "sslHost", "sslProxyHeaders", "sslForceHost", "stsSeconds", "stsIncludeSubdomains",
        "stsPreload", "forceSTSHeader", "frameDeny", "customFrameOptionsValue", "contentTypeNosniff",
        "browserXssFilter", "customBrowserXSSValue", "contentSecurityPolicy", "contentSecurityPolicyReportOnly",
        "publicKey", "referrerPolicy", "featurePolicy", "permissionsPolicy", "isDevelopment",
    ]

    var request: [HeaderField]
    var response: [HeaderField]

    static func decode(_ node: Node, key: Node, path p: String, reader r: NodeReader) -> Headers? {
        guard let f = r.fields(node, path: p, keys: Keys(["customRequestHeaders", "customResponseHeaders"],
                                                         unimplemented: unimplemented)) else { return nil }
        let request = (r.stringMap(f["customRequestHeaders"], path: "\(p).customRequestHeaders") ?? [])
            .map { HeaderField(name: $0.name, value: $0.value) }
        let response = (r.stringMap(f["customResponseHeaders"], path: "\(p).customResponseHeaders") ?? [])
            .map { HeaderField(name: $0.name, value: $0.value) }
        return Headers(request: request, response: response)
    }

    func compile(into chain: inout MiddlewareChainBuilder) {
        chain.addHeaders(request: request, response: response)
    }
}
