import Core
import Hummingbird

/// Lets the request through only when the key holds `permission` (or `*`); else 403
/// `insufficient_permissions` naming what is missing.
struct PermissionMiddleware: RouterMiddleware {
    typealias Context = AuthenticatedRequestContext
    let permission: Permission

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.key.permissions.grants(permission) else {
            throw SwitchboardError(
                .forbidden, code: "insufficient_permissions", message: "this API key lacks the '\(permission.rawValue)' permission")
        }
        return try await next(request, context)
    }
}
