import Core
import Hummingbird

/// The steps a request to the CRM passes, for `/auth/verify` and for the gateway alike: the
/// key authenticators (with the failed-auth brake) → the authenticated context (401 when none
/// recognised a key) → usage under the CRM route group → denial auditing → the key's address
/// allowlist → its quota. The permission step is the caller's, from the route map.
struct CRMRequestPipeline: Sendable {
    let routeMap: RouteMap
    let authenticators: [any MiddlewareProtocol<Request, Response, SwitchboardRequestContext>]
    let usage: UsageTracker
    let quotas: SharedQuota
    let defaultLimit: RateLimit
    let audit: AuditTrail

    /// The authenticated group under `group`; `target` gives the CRM request's method and URI
    /// (the verify request's headers, or the request itself).
    func compose(
        on group: RouterGroup<SwitchboardRequestContext>, target: @escaping @Sendable (Request) -> (method: String, uri: String)
    ) -> RouterGroup<AuthenticatedRequestContext> {
        for authenticator in authenticators { group.add(middleware: authenticator) }
        let authenticated: RouterGroup<AuthenticatedRequestContext> = group.group(context: AuthenticatedRequestContext.self)
        let routeMap = routeMap
        authenticated.add(
            middleware: UsageMiddleware(usage: usage) { request in
                let (method, uri) = target(request)
                return routeMap.decide(method: method, uri: uri).routeGroup
            })
        authenticated.add(
            middleware: DenialAuditMiddleware(audit: audit) { request in
                let (method, uri) = target(request)
                return "\(method) \(RouteMap.path(of: uri))"
            })
        authenticated.add(middleware: AddressAllowlistMiddleware())
        authenticated.add(middleware: QuotaMiddleware(quotas: quotas, defaultLimit: defaultLimit))
        return authenticated
    }
}
