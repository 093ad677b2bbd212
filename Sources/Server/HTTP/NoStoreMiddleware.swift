import HTTPTypes
import Hummingbird

/// Marks every `/api` answer `Cache-Control: no-store`: answers there carry keys, signing
/// secrets and delivery bodies that no browser or proxy cache should keep. Errors included,
/// so it sits outside the error middleware.
struct NoStoreMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if request.uri.path == "/api" || request.uri.path.hasPrefix("/api/") {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
