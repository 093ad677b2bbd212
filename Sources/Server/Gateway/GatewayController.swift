import Core
import HTTPTypes
import Hummingbird

/// Gateway mode's pipeline for every request outside Switchboard's own paths: the same steps
/// as `/auth/verify` — key authentication with the failed-auth brake, usage under the CRM
/// route group, denial auditing, the key's address allowlist and quota, the route map's
/// permission — and then the CRM, through `GatewayForwarder`.
struct GatewayController: Sendable {
    let forwarder: GatewayForwarder
    let pipeline: CRMRequestPipeline
    let clientAddresses: ClientAddressResolver
    let maxBodyBytes: Int

    /// The methods forwarded; others are answered 404 by Switchboard.
    static let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]

    /// The responder the gateway middleware hands CRM requests to: a router of its own, since
    /// none of the main router's routes, nor its console headers, apply to them.
    func responder() -> RouterResponder<SwitchboardRequestContext> {
        let router = Router(context: SwitchboardRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware())
        router.add(middleware: ErrorEnvelopeMiddleware(maxBodyBytes: maxBodyBytes))
        router.add(middleware: ClientAddressMiddleware(resolver: clientAddresses))
        // Decided on the target exactly as it is forwarded (`head.path`), never a parsed copy.
        let authenticated = pipeline.compose(on: router.group()) { request in (request.method.rawValue, request.head.path ?? "/") }
        let routeMap = pipeline.routeMap
        let forwarder = forwarder
        let handler: @Sendable (Request, AuthenticatedRequestContext) async throws -> Response = { request, context in
            let method = request.method.rawValue
            let target = try GatewayForwarder.target(of: request)
            try OverrideRefusal.check(headers: request.headers, target: target)
            let decision = routeMap.decide(method: method, uri: target)
            let path = String(RouteMap.path(of: target))
            try decision.authorize(context.key, method: method, path: path)
            return try await forwarder.forward(request, target: target, context: context, decision: decision)
        }
        for method in Self.methods {
            authenticated.on("/", method: method, use: handler)
            authenticated.on("**", method: method, use: handler)
        }
        return router.buildResponder()
    }
}

/// In gateway mode, the first middleware: a request outside Switchboard's own paths goes to
/// the gateway's pipeline and the CRM; Switchboard's own go on to its router.
struct GatewayMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    let ownPaths: OwnPaths
    let gateway: RouterResponder<SwitchboardRequestContext>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if ownPaths.contains(request.uri.path) { return try await next(request, context) }
        return try await gateway.respond(to: request, context: context)
    }
}

/// The paths Switchboard answers itself in gateway mode: the console (`/`, `/assets/…`,
/// `/favicon.ico`), `/health`, `/ready`, `/metrics`, `/openapi.json`, `/auth/verify…` and the
/// API's resources (`/api/webhooks…`, `/api/api-keys…`, `/api/events…`, …, from the route
/// table). Compared by whole segments: `/api/webhooks-archive` is the CRM's.
struct OwnPaths: Sendable {
    let prefixes: [[Substring]]

    static let standard = OwnPaths(
        prefixes: {
            let fixed: [[Substring]] = [
                ["assets"], ["favicon.ico"], ["health"], ["ready"], ["metrics"], ["openapi.json"], ["auth", "verify"],
            ]
            let api = APIRoute.allCases.map { Array($0.path.split(separator: "/").prefix(2)) }
            var unique: [[Substring]] = []
            for prefix in fixed + api where !unique.contains(prefix) { unique.append(prefix) }
            return unique
        }())

    func contains(_ path: String) -> Bool {
        let segments = path.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: true)
        if segments.isEmpty { return true }
        return prefixes.contains { prefix in
            segments.count >= prefix.count && zip(prefix, segments).allSatisfy(==)
        }
    }
}
