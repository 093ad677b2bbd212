import Core
import Foundation
import Hummingbird

/// `/api/webhooks/analytics`, `/api/webhooks/:id/stats` and `/api/api-keys/analytics`. Field
/// names are snake_case, as in the seed's analytics answer.
struct AnalyticsController: Sendable {
    let analytics: WebhookAnalytics
    let apiKeyAnalytics: ApiKeyAnalytics

    func register(on api: APIRouteRegistrar) {
        api.add(.webhookAnalytics) { request, _ in
            let overview = try await analytics.overview(window: try Self.window(request))
            let deliveries = overview.deliveries
            return .success(.object([
                // The seed's seven fields first, in its order.
                ("total_webhooks", .integer(overview.totalWebhooks)),
                ("active_webhooks", .integer(overview.activeWebhooks)),
                ("total_deliveries", .integer(deliveries.attempts)),
                ("success_rate", .number(deliveries.successRate)),
                ("average_response_time", .integer(deliveries.averageMilliseconds)),
                ("healthy_webhooks", .integer(overview.healthyWebhooks)),
                ("failed_webhooks", .integer(overview.failedWebhooks)),
                ("degraded_webhooks", .integer(overview.degradedWebhooks)),
                ("disabled_webhooks", .integer(overview.disabledWebhooks)),
                ("successful_deliveries", .integer(deliveries.successes)),
                ("failed_deliveries", .integer(deliveries.failures)),
                ("p50_response_time", .integer(deliveries.percentile(0.5))),
                ("p95_response_time", .integer(deliveries.percentile(0.95))),
                ("since", .timestamp(overview.window?.since)),
                ("until", .timestamp(overview.window?.until)),
                ("series", .array(overview.series.map(Self.hour))),
            ]))
        }
        api.add(.webhookStats) { request, context in
            let stats = try await analytics.stats(webhookID: try context.pathID(), window: try Self.window(request))
            let figures = stats.figures
            return .success(.object([
                ("webhook_id", .string(stats.report.id.uuidString.lowercased())),
                ("state", .string(stats.report.verdict.state.rawValue)),
                ("rule", .string(stats.report.verdict.rule)),
                ("is_active", .bool(stats.report.isActive)),
                ("consecutive_failures", .integer(stats.report.consecutiveFailures)),
                ("last_success_at", .timestamp(stats.lastSuccessAt)),
                ("last_failure_at", .timestamp(stats.lastFailureAt)),
                ("since", .timestamp(stats.window.since)),
                ("until", .timestamp(stats.window.until)),
            ] + Self.deliveryMembers(figures) + [
                ("health_window_hours", .integer(analytics.rules.windowHours)),
                ("health_window_success_rate", .number(stats.report.window.successRate)),
                ("health_window_deliveries", .integer(stats.report.window.attempts)),
            ]))
        }
        api.add(.apiKeyAnalytics) { request, _ in
            let report = try await apiKeyAnalytics.report(days: try request.queryInteger("days", in: 1...ApiKeyAnalytics.maximumDays) ?? 30,
                top: try request.queryInteger("top", in: ApiKeyAnalytics.topRange) ?? 10)
            return .success(.object([
                ("first_day", .string(report.firstDay)),
                ("last_day", .string(report.lastDay)),
                ("total_requests", .integer(report.total.requests)),
                ("client_errors", .integer(report.total.clientErrors)),
                ("server_errors", .integer(report.total.serverErrors)),
                ("error_rate", .number(report.total.errorRate)),
                ("requests_per_day", .array(report.days.map { day in
                    .object([("day", .string(day.day))] + Self.requestMembers(day.figures))
                })),
                ("top_keys", .array(report.topKeys.map { key in
                    .object([
                        ("key_id", .string(key.keyID.uuidString.lowercased())),
                        ("name", .optional(key.name)),
                        ("prefix", .optional(key.prefix)),
                    ] + Self.requestMembers(key.figures))
                })),
            ]))
        }
    }

    /// The optional `since`/`until` window; `until` defaults to now.
    static func window(_ request: Request) throws -> AnalyticsWindow? {
        let since = try request.queryDate("since")
        let until = try request.queryDate("until")
        guard since != nil || until != nil else { return nil }
        guard let since else { throw SwitchboardError.badRequest("until needs since: give the start of the window too", code: "invalid_query") }
        return try AnalyticsWindow(since: since, until: until ?? Date())
    }

    static func hour(_ hour: HourlyFigures) -> JSONValue {
        .object([
            ("hour", .timestamp(hour.hour)),
            ("deliveries", .integer(hour.figures.attempts)),
            ("successes", .integer(hour.figures.successes)),
            ("failures", .integer(hour.figures.failures)),
            ("average_response_time", .integer(hour.figures.attempts == 0 ? nil : hour.figures.averageMilliseconds)),
            ("p50_response_time", .integer(hour.figures.percentile(0.5))),
            ("p95_response_time", .integer(hour.figures.percentile(0.95))),
        ])
    }

    /// Totals, rate and response times of a span, as `/stats` names them.
    static func deliveryMembers(_ figures: DeliveryFigures) -> [(key: String, value: JSONValue)] {
        [
            ("total_deliveries", .integer(figures.attempts)),
            ("successful_deliveries", .integer(figures.successes)),
            ("failed_deliveries", .integer(figures.failures)),
            ("success_rate", .number(figures.successRate)),
            ("average_response_time", .integer(figures.averageMilliseconds)),
            ("p50_response_time", .integer(figures.percentile(0.5))),
            ("p95_response_time", .integer(figures.percentile(0.95))),
        ]
    }

    static func requestMembers(_ figures: RequestFigures) -> [(key: String, value: JSONValue)] {
        [
            ("requests", .integer(figures.requests)),
            ("client_errors", .integer(figures.clientErrors)),
            ("server_errors", .integer(figures.serverErrors)),
            ("error_rate", .number(figures.errorRate)),
        ]
    }
}
