import Core
import Foundation

// Analytics answers. Field names are snake_case, as in the Node original's analytics answer, and
// its seven fields come first, in its order.

/// Totals, rate and response times of a span, as `/stats` names them.
struct DeliveryFiguresFields: Encodable, Sendable {
    let totalDeliveries: Int
    let successfulDeliveries: Int
    let failedDeliveries: Int
    let successRate: Double
    let averageResponseTime: Int
    let p50ResponseTime: Int?
    let p95ResponseTime: Int?

    enum CodingKeys: String, CodingKey {
        case totalDeliveries = "total_deliveries", successfulDeliveries = "successful_deliveries", failedDeliveries = "failed_deliveries"
        case successRate = "success_rate", averageResponseTime = "average_response_time"
        case p50ResponseTime = "p50_response_time", p95ResponseTime = "p95_response_time"
    }

    init(_ figures: DeliveryFigures) {
        totalDeliveries = figures.attempts
        successfulDeliveries = figures.successes
        failedDeliveries = figures.failures
        successRate = figures.successRate
        averageResponseTime = figures.averageMilliseconds
        p50ResponseTime = figures.percentile(0.5)
        p95ResponseTime = figures.percentile(0.95)
    }
}

/// One hour of a series.
struct HourResponse: Encodable, Sendable {
    let hour: Date
    let deliveries: Int
    let successes: Int
    let failures: Int
    let averageResponseTime: Int?
    let p50ResponseTime: Int?
    let p95ResponseTime: Int?

    enum CodingKeys: String, CodingKey {
        case hour, deliveries, successes, failures, averageResponseTime = "average_response_time"
        case p50ResponseTime = "p50_response_time", p95ResponseTime = "p95_response_time"
    }

    init(_ hour: HourlyFigures) {
        self.hour = hour.hour
        deliveries = hour.figures.attempts
        successes = hour.figures.successes
        failures = hour.figures.failures
        averageResponseTime = hour.figures.attempts == 0 ? nil : hour.figures.averageMilliseconds
        p50ResponseTime = hour.figures.percentile(0.5)
        p95ResponseTime = hour.figures.percentile(0.95)
    }
}

/// `GET /api/webhooks/analytics`.
struct AnalyticsOverviewResponse: Encodable, Sendable {
    let totalWebhooks: Int
    let activeWebhooks: Int
    let totalDeliveries: Int
    let successRate: Double
    let averageResponseTime: Int
    let healthyWebhooks: Int
    let failedWebhooks: Int
    let degradedWebhooks: Int
    let disabledWebhooks: Int
    let successfulDeliveries: Int
    let failedDeliveries: Int
    let p50ResponseTime: Int?
    let p95ResponseTime: Int?
    let since: Date?
    let until: Date?
    let series: [HourResponse]

    enum CodingKeys: String, CodingKey {
        case totalWebhooks = "total_webhooks", activeWebhooks = "active_webhooks", totalDeliveries = "total_deliveries"
        case successRate = "success_rate", averageResponseTime = "average_response_time", healthyWebhooks = "healthy_webhooks"
        case failedWebhooks = "failed_webhooks", degradedWebhooks = "degraded_webhooks", disabledWebhooks = "disabled_webhooks"
        case successfulDeliveries = "successful_deliveries", failedDeliveries = "failed_deliveries"
        case p50ResponseTime = "p50_response_time", p95ResponseTime = "p95_response_time", since, until, series
    }

    init(_ overview: AnalyticsOverview) {
        let deliveries = overview.deliveries
        totalWebhooks = overview.totalWebhooks
        activeWebhooks = overview.activeWebhooks
        totalDeliveries = deliveries.attempts
        successRate = deliveries.successRate
        averageResponseTime = deliveries.averageMilliseconds
        healthyWebhooks = overview.healthyWebhooks
        failedWebhooks = overview.failedWebhooks
        degradedWebhooks = overview.degradedWebhooks
        disabledWebhooks = overview.disabledWebhooks
        successfulDeliveries = deliveries.successes
        failedDeliveries = deliveries.failures
        p50ResponseTime = deliveries.percentile(0.5)
        p95ResponseTime = deliveries.percentile(0.95)
        since = overview.window?.since
        until = overview.window?.until
        series = overview.series.map(HourResponse.init)
    }
}

/// `GET /api/webhooks/:id/stats`.
struct WebhookStatsResponse: Encodable, Sendable {
    let webhookID: UUID
    let state: String
    let rule: String
    let isActive: Bool
    let consecutiveFailures: Int
    let circuit: CircuitResponse
    let lastSuccessAt: Date?
    let lastFailureAt: Date?
    let since: Date
    let until: Date
    let figures: DeliveryFiguresFields
    let healthWindowHours: Int
    let healthWindowSuccessRate: Double
    let healthWindowDeliveries: Int
    /// Every hour of the window, with `series=true`.
    let series: [HourResponse]?

    enum CodingKeys: String, CodingKey {
        case webhookID = "webhook_id", state, rule, isActive = "is_active", consecutiveFailures = "consecutive_failures", circuit
        case lastSuccessAt = "last_success_at", lastFailureAt = "last_failure_at", since, until
        case healthWindowHours = "health_window_hours", healthWindowSuccessRate = "health_window_success_rate"
        case healthWindowDeliveries = "health_window_deliveries", series
    }

    init(_ stats: WebhookStats, windowHours: Int) {
        webhookID = stats.report.id
        state = stats.report.verdict.state.rawValue
        rule = stats.report.verdict.rule
        isActive = stats.report.isActive
        consecutiveFailures = stats.report.consecutiveFailures
        circuit = CircuitResponse(stats.report.circuit, snakeCase: true)
        lastSuccessAt = stats.lastSuccessAt
        lastFailureAt = stats.lastFailureAt
        since = stats.window.since
        until = stats.window.until
        figures = DeliveryFiguresFields(stats.figures)
        healthWindowHours = windowHours
        healthWindowSuccessRate = stats.report.window.successRate
        healthWindowDeliveries = stats.report.window.attempts
        series = stats.series?.map(HourResponse.init)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(webhookID, forKey: .webhookID)
        try container.encode(state, forKey: .state)
        try container.encode(rule, forKey: .rule)
        try container.encode(isActive, forKey: .isActive)
        try container.encode(consecutiveFailures, forKey: .consecutiveFailures)
        try container.encode(circuit, forKey: .circuit)
        try container.encodeIfPresent(lastSuccessAt, forKey: .lastSuccessAt)
        try container.encodeIfPresent(lastFailureAt, forKey: .lastFailureAt)
        try container.encode(since, forKey: .since)
        try container.encode(until, forKey: .until)
        // The span's figures sit in the same object, between the window and the health figures.
        try figures.encode(to: encoder)
        try container.encode(healthWindowHours, forKey: .healthWindowHours)
        try container.encode(healthWindowSuccessRate, forKey: .healthWindowSuccessRate)
        try container.encode(healthWindowDeliveries, forKey: .healthWindowDeliveries)
        try container.encodeIfPresent(series, forKey: .series)
    }
}

/// Requests and error rates of a span of API use.
struct RequestFiguresFields: Encodable, Sendable {
    let requests: Int
    let clientErrors: Int
    let serverErrors: Int
    let errorRate: Double

    enum CodingKeys: String, CodingKey {
        case requests, clientErrors = "client_errors", serverErrors = "server_errors", errorRate = "error_rate"
    }

    init(_ figures: RequestFigures) {
        requests = figures.requests
        clientErrors = figures.clientErrors
        serverErrors = figures.serverErrors
        errorRate = figures.errorRate
    }
}

/// `GET /api/api-keys/analytics`.
struct APIKeyAnalyticsResponse: Encodable, Sendable {
    struct Day: Encodable, Sendable {
        let day: String
        let figures: RequestFiguresFields

        enum CodingKeys: String, CodingKey {
            case day
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(day, forKey: .day)
            try figures.encode(to: encoder)
        }
    }

    struct Key: Encodable, Sendable {
        let keyID: UUID
        let name: String?
        let prefix: String?
        let figures: RequestFiguresFields

        enum CodingKeys: String, CodingKey {
            case keyID = "key_id", name, prefix
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(keyID, forKey: .keyID)
            try container.encodeIfPresent(name, forKey: .name)
            try container.encodeIfPresent(prefix, forKey: .prefix)
            try figures.encode(to: encoder)
        }
    }

    let firstDay: String
    let lastDay: String
    let totalRequests: Int
    let clientErrors: Int
    let serverErrors: Int
    let errorRate: Double
    let requestsPerDay: [Day]
    let topKeys: [Key]

    enum CodingKeys: String, CodingKey {
        case firstDay = "first_day", lastDay = "last_day", totalRequests = "total_requests", clientErrors = "client_errors"
        case serverErrors = "server_errors", errorRate = "error_rate", requestsPerDay = "requests_per_day", topKeys = "top_keys"
    }

    init(_ report: APIKeyAnalyticsReport) {
        firstDay = report.firstDay
        lastDay = report.lastDay
        totalRequests = report.total.requests
        clientErrors = report.total.clientErrors
        serverErrors = report.total.serverErrors
        errorRate = report.total.errorRate
        requestsPerDay = report.days.map { Day(day: $0.day, figures: RequestFiguresFields($0.figures)) }
        topKeys = report.topKeys.map { Key(keyID: $0.keyID, name: $0.name, prefix: $0.prefix, figures: RequestFiguresFields($0.figures)) }
    }
}
