import Core
import Hummingbird

/// Refuses a key used from outside its `ipWhitelist` with 403 `ip_not_allowed`.
struct AddressAllowlistMiddleware: RouterMiddleware {
    typealias Context = AuthenticatedRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.key.allows(context.clientAddress) else {
            throw SwitchboardError(
                .forbidden, code: "ip_not_allowed",
                message: "this API key may not be used from \(context.clientAddress?.description ?? "an unknown address")")
        }
        return try await next(request, context)
    }
}
