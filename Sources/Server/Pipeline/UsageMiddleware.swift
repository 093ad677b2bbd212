import Core
import Hummingbird

/// Counts every request of an identified key, whatever it ends in (the quota's 429, a
/// permission's 403, a handler's error or a success), by day, route group and status class.
struct UsageMiddleware: RouterMiddleware {
    typealias Context = AuthenticatedRequestContext
    let usage: UsageTracker
    /// The route group the counts are kept under, e.g. `webhook`.
    let routeGroup: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            usage.record(keyID: context.key.id, routeGroup: routeGroup, status: Int(response.status.code))
            return response
        } catch {
            let answer = SwitchboardError(translating: error)
            usage.record(keyID: context.key.id, routeGroup: routeGroup, status: Int(answer.status.code))
            throw error
        }
    }
}
