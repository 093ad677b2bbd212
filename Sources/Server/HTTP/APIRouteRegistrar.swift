import Core
import HTTPTypes
import Hummingbird

/// Registers the handlers of `APIRoute`, each behind the same pipeline, composed from the
/// route table: authenticators (bearer key, then the console's session cookie) → the authenticated context (401 when none
/// recognised the caller) → usage counting → the key's address allowlist → its quota → the
/// route's permission → the audit trail for routes that change something → the handler. A
/// route cannot be added without its permission; a new way to authenticate is one more
/// authenticator in `authenticators`.
struct APIRouteRegistrar {
    typealias Handler = @Sendable (Request, AuthenticatedRequestContext) async throws -> APIResponse

    let router: Router<SwitchboardRequestContext>
    /// Middleware that may set `identity`, in order.
    let authenticators: [any MiddlewareProtocol<Request, Response, SwitchboardRequestContext>]
    let usage: UsageTracker
    let quotas: SharedQuota
    let defaultLimit: RateLimit
    let audit: AuditTrail
    let maxBodyBytes: Int

    func add(_ route: APIRoute, handler: @escaping Handler) {
        register(route) { request, context -> APIResponse in
            let answer = try await handler(request, context)
            if let created = CreatedTarget.current, case .string(let id)? = try answer.document()["data"]?["id"] {
                created.note(id)
            }
            return answer
        }
    }

    /// A route whose handler writes its own response (a stream), behind the same pipeline.
    func addStreaming(_ route: APIRoute, handler: @escaping @Sendable (Request, AuthenticatedRequestContext) async throws -> Response) {
        register(route, handler)
    }

    /// The route under its method, and GET routes under HEAD too.
    private func register(
        _ route: APIRoute, _ handler: @escaping @Sendable (Request, AuthenticatedRequestContext) async throws -> some ResponseGenerator
    ) {
        let method = HTTPRequest.Method(rawValue: route.method)!
        let group = group(for: route)
        if method == .get {
            group.getAndHead(RouterPath(route.path), use: handler)
        } else {
            group.on(RouterPath(route.path), method: method, use: handler)
        }
    }

    /// The router group of a route, with its pipeline composed from the route table.
    private func group(for route: APIRoute) -> RouterGroup<AuthenticatedRequestContext> {
        let group: RouterGroup<SwitchboardRequestContext> = router.group()
        for authenticator in authenticators { group.add(middleware: authenticator) }
        let authenticated: RouterGroup<AuthenticatedRequestContext> = group.group(context: AuthenticatedRequestContext.self)
        authenticated.add(middleware: UsageMiddleware(usage: usage, routeGroup: route.targetType))
        authenticated.add(middleware: AddressAllowlistMiddleware())
        authenticated.add(middleware: QuotaMiddleware(quotas: quotas, defaultLimit: defaultLimit))
        if let permission = route.permission {
            authenticated.add(middleware: PermissionMiddleware(permission: permission))
        }
        if let action = route.auditAction {
            authenticated.add(middleware: AuditMiddleware(audit: audit, action: action, targetType: route.targetType, maxBodyBytes: maxBodyBytes))
        }
        return authenticated
    }
}
