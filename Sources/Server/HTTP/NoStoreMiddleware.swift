import HTTPTypes
import Hummingbird

/// Marks every `/api` and `/auth` answer `Cache-Control: no-store`: answers there carry keys,
/// signing secrets, delivery bodies and authorization verdicts that no browser or proxy cache
/// should keep. Errors included, so it sits outside the error middleware.
struct NoStoreMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        let path = request.uri.path
        if path == "/api" || path.hasPrefix("/api/") || path.hasPrefix("/auth/") {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
