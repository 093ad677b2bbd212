import Core
import Foundation
import Hummingbird

/// `/api/webhooks/analytics`, `/api/webhooks/:id/stats` and `/api/api-keys/analytics`. Field
/// names are snake_case, as in the Node original's analytics answer.
struct AnalyticsController: Sendable {
    let analytics: WebhookAnalytics
    let apiKeyAnalytics: APIKeyAnalytics

    func register(on api: APIRouteRegistrar) {
        api.add(.webhookAnalytics) { request, _ in
            .success(AnalyticsOverviewResponse(try await analytics.overview(window: try Self.window(request))))
        }
        api.add(.webhookStats) { request, context in
            let stats = try await analytics.stats(
                webhookID: try context.pathID(), window: try Self.window(request), includeSeries: try request.queryBool("series") ?? false)
            return .success(WebhookStatsResponse(stats, windowHours: analytics.rules.windowHours))
        }
        api.add(.apiKeyAnalytics) { request, _ in
            let report = try await apiKeyAnalytics.report(
                days: try request.queryInteger("days", in: 1...APIKeyAnalytics.maximumDays) ?? 30,
                top: try request.queryInteger("top", in: APIKeyAnalytics.topRange) ?? 10)
            return .success(APIKeyAnalyticsResponse(report))
        }
    }

    /// The optional `since`/`until` window; `until` defaults to now.
    static func window(_ request: Request) throws -> AnalyticsWindow? {
        let since = try request.queryDate("since")
        let until = try request.queryDate("until")
        guard since != nil || until != nil else { return nil }
        guard let since else {
            throw SwitchboardError.badRequest("until needs since: give the start of the window too", code: "invalid_query")
        }
        return try AnalyticsWindow(since: since, until: until ?? Date())
    }
}
