import Core
import Hummingbird

/// Registers handlers for the routes of `APIRoute`, each behind the route guard with the
/// permission the table gives it, so no API route can be added without one.
struct APIRouteRegistrar {
    typealias Handler = @Sendable (Request, SwitchboardRequestContext) async throws -> APIResponse

    let router: Router<SwitchboardRequestContext>
    let routeGuard: RouteGuard

    func add(_ route: APIRoute, handler: @escaping Handler) {
        let routeGuard = routeGuard
        router.on(RouterPath(route.path), method: HTTPRequest.Method(rawValue: route.method)!) { request, context in
            var context = context
            let rateLimitHeaders = try await routeGuard.authorize(request, context: &context, for: route)
            do {
                var response = try await handler(request, context)
                response.extraHeaders.append(contentsOf: rateLimitHeaders)
                return response
            } catch {
                throw HeaderedError(error, headers: rateLimitHeaders)
            }
        }
    }
}
