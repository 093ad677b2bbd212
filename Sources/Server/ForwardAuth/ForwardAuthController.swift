import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/auth/verify`: forward authentication for the reverse proxy in front of the CRM (nginx
/// `auth_request`, Traefik `ForwardAuth`, Caddy `forward_auth`, Envoy `ext_authz`). The proxy
/// sends the client's headers and the original method and URI (read as `AUTH_PROXY_STYLE`
/// says, `ProxyStyle`); the answer is 200 with the
/// key's identity in headers when the key may make that request, else the error envelope.
///
/// The steps are the API's own pipeline — key authentication (with the failed-auth brake),
/// the key's address allowlist, its quota with `RateLimit-*` headers, usage counts and
/// `last used` — with the permission taken from the route map instead of the route table.
struct ForwardAuthController: Sendable {
    let pipeline: CRMRequestPipeline
    /// `AUTH_PROXY_STYLE`: where the original method and URI are read from.
    let style: ProxyStyle

    static let path = "/auth/verify"
    static let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]

    func register(on router: Router<SwitchboardRequestContext>) {
        let group: RouterGroup<SwitchboardRequestContext> = router.group()
        group.add(middleware: ProxyStatusMiddleware())
        let style = style
        group.add(middleware: OriginalRequestMiddleware(style: style))
        // Counted and audited under the CRM request the proxy asks about, not the verify
        // endpoint (the middleware above refused requests that cannot be read).
        let authenticated = pipeline.compose(on: group) { request in
            let original = try? OriginalRequest(request, style: style)
            return (original?.method ?? request.method.rawValue, original?.uri ?? "/")
        }
        let routeMap = pipeline.routeMap
        let handler: @Sendable (Request, AuthenticatedRequestContext) async throws -> Response = { request, context in
            let original = try OriginalRequest(request, style: style)
            try OverrideRefusal.check(headers: request.headers, target: original.uri)
            let decision = routeMap.decide(method: original.method, uri: original.uri)
            try decision.authorize(context.key, method: original.method, path: original.path)
            return Self.allowed(key: context.key, decision: decision)
        }
        for method in Self.methods {
            authenticated.on(RouterPath(Self.path), method: method, use: handler)
            // Envoy's ext_authz appends the original path to the configured one.
            authenticated.on(RouterPath(Self.path + "/**"), method: method, use: handler)
        }
    }

    /// The 200 answer: identity headers and the envelope, written directly (this answer is on
    /// the path of every CRM request, and the general encoder cost a tenth of it).
    static func allowed(key: APIKey, decision: RouteMap.Decision) -> Response {
        let identity = KeyIdentity(key)
        // Ids and permission names need no escaping; the key's name and the route group do.
        var required = "null"
        if case .permission(let permission) = decision.requirement { required = "\"" + permission.rawValue + "\"" }
        let permissions = identity.permissions.map { "\"" + $0 + "\"" }.joined(separator: ",")
        let body =
            #"{"success":true,"data":{"keyId":""# + identity.id + #"","name":"# + JSONValue.string(key.name).compactText
            + #","permissions":["# + permissions + #"],"requiredPermission":"# + required
            + #","routeGroup":"# + JSONValue.string(decision.routeGroup).compactText + "}}"
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", HeaderNames.status: "200"]
        identity.add(to: &headers)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// The header names of this endpoint, made once.
    enum HeaderNames {
        static let status = HTTPField.Name("X-Switchboard-Status")!
    }

}

/// Records denials of identified keys in the audit trail, with the CRM route they asked for
/// (allowed requests are not audited: there would be one per CRM request).
struct DenialAuditMiddleware: RouterMiddleware {
    typealias Context = AuthenticatedRequestContext
    let audit: AuditTrail
    /// The CRM route a request asks for, as `METHOD /path`.
    let target: @Sendable (Request) -> String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let answer = SwitchboardError(translating: error)
            if answer.category == .forbidden || answer.category == .rateLimited {
                await audit.record(
                    actor: context.key.id, action: "auth.denied", targetType: "crm_route", targetID: target(request),
                    clientAddress: context.clientAddress, changes: .object([("code", .string(answer.code))]), logger: context.logger)
            }
            throw error
        }
    }
}

/// Puts the real status in `X-Switchboard-Status` on every verify answer, and with
/// `?proxy=nginx` turns denials other than 401 and 403 into 401: nginx's `auth_request`
/// accepts only 2xx, 401 and 403 from the auth server (anything else becomes a 500), so the
/// documented nginx configuration reads the real status (429 with `Retry-After`) from the
/// header instead.
struct ProxyStatusMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let failure = SwitchboardError(translating: error)
            let status = Int(failure.status.code)
            let marked = failure.adding([
                .init("X-Switchboard-Status", String(status)), .init("X-Switchboard-Error", failure.code),
                .init("X-Switchboard-Message", Self.jsonSafe(failure.message)),
            ])
            guard request.uri.queryParameters["proxy"] == "nginx", status != 401, status != 403 else { throw marked }
            throw SwitchboardError(
                .unauthenticated, code: failure.code, message: failure.message, headers: marked.headers, detail: failure.detail)
        }
    }

    /// The message as a header value a proxy can put inside a JSON string as it is: printable
    /// ASCII without `"` or `\\` (those become `'`, anything else `?`).
    static func jsonSafe(_ text: String) -> String {
        String(
            text.unicodeScalars.map { scalar -> Character in
                if scalar == "\"" || scalar == "\\" { return "'" }
                return (0x20...0x7E).contains(scalar.value) ? Character(scalar) : "?"
            })
    }
}
