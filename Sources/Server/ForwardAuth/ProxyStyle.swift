import Core
import HTTPTypes
import Hummingbird

/// `AUTH_PROXY_STYLE`: where the proxy in front of the CRM puts the request it asks
/// `/auth/verify` about. Each proxy sets one family and passes the client's other headers
/// through, so reading a second family would let a client choose what is checked.
package enum ProxyStyle: String, Sendable, CaseIterable {
    /// `X-Original-Method` and `X-Original-URI` (nginx `auth_request`).
    case nginx
    /// `X-Forwarded-Method` and `X-Forwarded-Uri` (Caddy `forward_auth`, Traefik `forwardAuth`).
    case forwarded
    /// The verify request's own method and the path after `/auth/verify` (Envoy `ext_authz`
    /// with a path prefix).
    case envoy

    /// The default: the README's first and most common example.
    package static let standard = ProxyStyle.nginx

    /// The method and URI headers of a header family, nil for `envoy`.
    var headers: (method: HTTPField.Name, uri: HTTPField.Name)? {
        switch self {
        case .nginx: (Names.originalMethod, Names.originalURI)
        case .forwarded: (Names.forwardedMethod, Names.forwardedURI)
        case .envoy: nil
        }
    }

    /// What this style reads, for messages and the start-up log.
    package var source: String {
        switch self {
        case .nginx: "X-Original-Method and X-Original-URI"
        case .forwarded: "X-Forwarded-Method and X-Forwarded-Uri"
        case .envoy: "the verify request's method and the path after /auth/verify"
        }
    }

    /// Reads `AUTH_PROXY_STYLE`.
    static func parse(_ text: String?) throws -> ProxyStyle {
        guard let text, !text.isEmpty else { return standard }
        guard let style = ProxyStyle(rawValue: text.lowercased()) else {
            throw ConfigurationError(
                "AUTH_PROXY_STYLE must be nginx (X-Original-Method/X-Original-URI), forwarded (X-Forwarded-Method/X-Forwarded-Uri: Caddy, Traefik) or envoy (the path after /auth/verify), not '\(text)'"
            )
        }
        return style
    }

    enum Names {
        static let originalMethod = HTTPField.Name("X-Original-Method")!
        static let originalURI = HTTPField.Name("X-Original-URI")!
        static let forwardedMethod = HTTPField.Name("X-Forwarded-Method")!
        static let forwardedURI = HTTPField.Name("X-Forwarded-Uri")!
    }
}

/// The request the proxy is asking about, read the one way `AUTH_PROXY_STYLE` names. A request
/// that also carries another style's headers (or a path after `/auth/verify` where headers are
/// expected), repeats one, or lacks one is refused with 400: it cannot be judged safely.
struct OriginalRequest {
    let method: String
    let uri: String
    var path: String { String(RouteMap.path(of: uri)) }

    init(_ request: Request, style: ProxyStyle) throws {
        let headers = request.headers
        let suffix =
            request.uri.path.hasPrefix(ForwardAuthController.path + "/")
            ? String(request.uri.path.dropFirst(ForwardAuthController.path.count)) : nil
        // Everything a style reads, so that what another style reads can be refused.
        var foreign: [String] = []
        for other in ProxyStyle.allCases where other != style {
            if let names = other.headers {
                foreign += [names.method, names.uri].filter { headers[$0] != nil }.map(\.rawName)
            } else if suffix != nil {
                foreign.append("a path after \(ForwardAuthController.path)")
            }
        }
        guard foreign.isEmpty else {
            throw SwitchboardError(
                .badRequest, code: "ambiguous_original_request",
                message:
                    "this verify request carries \(foreign.joined(separator: " and ")), but AUTH_PROXY_STYLE=\(style.rawValue) reads only \(style.source): a client may have sent them to choose what is checked. Set AUTH_PROXY_STYLE to match the proxy, and have the proxy set only its own headers"
            )
        }
        guard let names = style.headers else {
            guard let suffix else {
                throw SwitchboardError(
                    .badRequest, code: "missing_original_request",
                    message:
                        "AUTH_PROXY_STYLE=envoy reads the CRM request's path after \(ForwardAuthController.path) (e.g. \(ForwardAuthController.path)/api/contacts); configure the proxy's path prefix"
                )
            }
            method = request.method.rawValue
            uri = suffix + (request.uri.query.map { "?" + $0 } ?? "")
            return
        }
        let methods = headers[values: names.method], uris = headers[values: names.uri]
        guard methods.count == 1, uris.count == 1, let named = methods.first, let target = uris.first, !named.isEmpty, !target.isEmpty
        else {
            let problem = methods.count > 1 || uris.count > 1 ? "exactly once each" : "both"
            throw SwitchboardError(
                .badRequest, code: "missing_original_request",
                message:
                    "AUTH_PROXY_STYLE=\(style.rawValue) needs \(names.method.rawName) and \(names.uri.rawName) \(problem), set by the proxy to the CRM request's method and URI"
            )
        }
        method = named.utf8.contains(where: { (0x61...0x7A).contains($0) }) ? named.uppercased() : named
        uri = target
    }
}

/// Refuses a verify request that cannot be judged (see `OriginalRequest`) before any key is
/// looked at: it counts toward no brake, quota or usage.
struct OriginalRequestMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    let style: ProxyStyle

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        _ = try OriginalRequest(request, style: style)
        return try await next(request, context)
    }
}
