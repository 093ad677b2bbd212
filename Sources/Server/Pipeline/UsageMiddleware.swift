import Core
import Hummingbird

/// Counts every request of an identified key, whatever it ends in (the quota's 429, a
/// permission's 403, a handler's error or a success), by day, route group and status class.
struct UsageMiddleware: RouterMiddleware {
    typealias Context = AuthenticatedRequestContext
    let usage: UsageTracker
    /// The route group a request's count is kept under, e.g. `webhook`, or `crm:contacts` for
    /// the CRM route `/auth/verify` is asked about.
    let routeGroup: @Sendable (Request) -> String

    /// Counts every request under one route group.
    init(usage: UsageTracker, routeGroup: String) {
        self.init(usage: usage) { _ in routeGroup }
    }

    /// Counts each request under the group `routeGroup` gives it.
    init(usage: UsageTracker, routeGroup: @escaping @Sendable (Request) -> String) {
        self.usage = usage
        self.routeGroup = routeGroup
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let group = routeGroup(request)
        do {
            let response = try await next(request, context)
            usage.record(keyID: context.key.id, routeGroup: group, status: Int(response.status.code))
            return response
        } catch {
            let answer = SwitchboardError(translating: error)
            usage.record(keyID: context.key.id, routeGroup: group, status: Int(answer.status.code))
            throw error
        }
    }
}
