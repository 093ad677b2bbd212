import Core
import HTTPTypes
import Hummingbird

/// Attaches handlers to the routes `APIRoute` declares, each behind the same pipeline composed
/// from its declaration: authenticators (bearer key, then the console's session cookie) → the
/// authenticated context (401 when none recognised the caller) → the route's body limit →
/// usage counting → the key's address allowlist → its quota → the route's permission → the
/// audit trail for routes that change something → the handler. A new way to authenticate is
/// one more authenticator in `authenticators`.
struct APIRouteRegistrar {
    typealias Handler = @Sendable (Request, AuthenticatedRequestContext) async throws -> APIResponse

    let router: Router<SwitchboardRequestContext>
    /// Middleware that may set `identity`, in order.
    let authenticators: [any MiddlewareProtocol<Request, Response, SwitchboardRequestContext>]
    let usage: UsageTracker
    let quotas: SharedQuota
    let defaultLimit: RateLimit
    let audit: AuditTrail
    let bodyLimits: BodyLimits

    func add(_ route: APIRoute, handler: @escaping Handler) {
        register(route) { request, context -> APIResponse in
            let answer = try await handler(request, context)
            if let created = CreatedTarget.current, let id = answer.createdID {
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
        let group = group(for: route.declaration)
        if route.method == .get {
            group.getAndHead(RouterPath(route.path), use: handler)
        } else {
            group.on(RouterPath(route.path), method: route.method, use: handler)
        }
    }

    /// The router group of a route, with its pipeline composed from its declaration.
    private func group(for route: APIRoute.Declaration) -> RouterGroup<AuthenticatedRequestContext> {
        let group: RouterGroup<SwitchboardRequestContext> = router.group()
        for authenticator in authenticators { group.add(middleware: authenticator) }
        let authenticated: RouterGroup<AuthenticatedRequestContext> = group.group(context: AuthenticatedRequestContext.self)
        authenticated.add(middleware: BodyLimitMiddleware(limit: bodyLimits.bytes(route.bodyLimit)))
        authenticated.add(middleware: UsageMiddleware(usage: usage, routeGroup: route.targetType))
        authenticated.add(middleware: AddressAllowlistMiddleware())
        authenticated.add(middleware: QuotaMiddleware(quotas: quotas, defaultLimit: defaultLimit))
        if let permission = route.permission {
            authenticated.add(middleware: PermissionMiddleware(permission: permission))
        }
        if let action = route.auditAction {
            authenticated.add(middleware: AuditMiddleware(audit: audit, action: action, targetType: route.targetType))
        }
        return authenticated
    }
}
