import Foundation
import Core
import Hummingbird

/// Checks the bearer key of a request against the permission its route needs.
struct RouteGuard: Sendable {
    let apiKeys: ApiKeyService

    /// Authenticates the request and records the key in the context; 401 when the key is
    /// missing or unusable, 403 when it lacks the route's permission.
    func authorize(_ request: Request, context: inout SwitchboardRequestContext, for route: APIRoute) async throws {
        guard let header = request.headers[.authorization] else {
            throw SwitchboardError(.unauthenticated, code: "missing_api_key", message: "send an API key as 'Authorization: Bearer <key>'")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw SwitchboardError(.unauthenticated, code: "invalid_authorization", message: "the Authorization header must be 'Bearer <key>'")
        }
        let key = try await apiKeys.authenticate(token: String(parts[1]).trimmingCharacters(in: .whitespaces))
        guard key.permissions.grants(route.permission) else {
            throw SwitchboardError(.forbidden, code: "insufficient_permissions", message: "this API key lacks the '\(route.permission.rawValue)' permission")
        }
        context.apiKey = key
    }
}
