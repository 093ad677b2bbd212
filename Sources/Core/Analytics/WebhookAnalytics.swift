import Foundation

/// A span of time for analytics, whole hours: `since` is rounded down and `until` up to the
/// hour, because statistics are kept per hour.
package struct AnalyticsWindow: Sendable, Equatable {
    /// The first hour included.
    package let since: Date
    /// The end of the last hour included (exclusive).
    package let until: Date

    /// The longest window an hourly series is drawn for.
    package static let maximumHours = 31 * 24

    /// A window from `since` to `until` (default: now), checked: `since` before `until`, at
    /// most 31 days.
    package init(since: Date, until: Date) throws {
        let start = StatsHour.start(since)
        var end = StatsHour.start(until)
        if end < until { end += 3600 }
        guard start < end else { throw SwitchboardError.badRequest("since must be before until", code: "invalid_query") }
        guard end.timeIntervalSince(start) <= Double(Self.maximumHours) * 3600 else {
            throw SwitchboardError.badRequest("the window may span at most 31 days (744 hours); narrow since/until", code: "invalid_query")
        }
        self.since = start
        self.until = end
    }

    /// The last `hours` hours up to the end of the current one.
    package static func last(hours: Int, now: Date) -> AnalyticsWindow {
        let end = StatsHour.start(now) + 3600
        return try! AnalyticsWindow(since: end - Double(hours) * 3600, until: end)
    }

    /// The hour keys the window covers, oldest first.
    package var hours: [Date] {
        stride(from: since.timeIntervalSince1970, to: until.timeIntervalSince1970, by: 3600).map(Date.init(timeIntervalSince1970:))
    }
}

/// One hour of a chart series.
package struct HourlyFigures: Sendable, Equatable {
    package let hour: Date
    package let figures: DeliveryFigures
}

/// A webhook with its health: what the rules said and the figures they looked at.
package struct WebhookHealthReport: Sendable {
    package let id: UUID
    package let name: String
    package let url: String
    package let isActive: Bool
    package let consecutiveFailures: Int
    /// The webhook's circuit breaker.
    package let circuit: Circuit
    /// The state last announced by an operational event (`health_state`).
    package let announcedState: HealthState
    package let verdict: HealthVerdict
    /// Attempts in the health window.
    package let window: DeliveryFigures
}

/// The analytics overview of the Node original plus the figures behind it.
package struct AnalyticsOverview: Sendable {
    package var totalWebhooks = 0
    package var activeWebhooks = 0
    package var healthyWebhooks = 0
    package var degradedWebhooks = 0
    /// Active webhooks in the unhealthy state (the Node original's `failed_webhooks`).
    package var failedWebhooks = 0
    package var disabledWebhooks = 0
    /// Attempts in the window (all time when no window was asked for).
    package var deliveries = DeliveryFigures()
    package var window: AnalyticsWindow?
    package var series: [HourlyFigures] = []
}

/// Per-webhook statistics for `GET /api/webhooks/:id/stats`.
package struct WebhookStats: Sendable {
    package let report: WebhookHealthReport
    package let window: AnalyticsWindow
    package let figures: DeliveryFigures
    package let lastSuccessAt: Date?
    package let lastFailureAt: Date?
    /// Every hour of the window, when asked for.
    package let series: [HourlyFigures]?
}

/// Reads analytics from the statistics tables — never from the delivery logs, so the cost
/// grows with webhooks × hours in the window, not with deliveries.
package struct WebhookAnalytics: Sendable {
    let driver: any StorageDriver
    /// The rules health states are judged by.
    package let rules: HealthRules
    let environment: CoreEnvironment

    /// Creates the reader.
    package init(driver: any StorageDriver, rules: HealthRules = HealthRules(), environment: CoreEnvironment = .live) {
        self.driver = driver
        self.rules = rules
        self.environment = environment
    }

    /// Figures over `window` (whole hours), for one webhook or all; all time when nil.
    package func totals(_ window: AnalyticsWindow?, webhookID: UUID? = nil) async throws -> DeliveryFigures {
        guard let window else { return try await StatsStore.allTimeTotals(on: driver, webhookID: webhookID) }
        return try await StatsStore.totals(on: driver, since: window.since, until: window.until, webhookID: webhookID)
    }

    /// Every hour of `window` with its figures (zeros for quiet hours), for one webhook or all.
    package func series(_ window: AnalyticsWindow, webhookID: UUID? = nil) async throws -> [HourlyFigures] {
        let byHour = try await StatsStore.hourly(on: driver, since: window.since, until: window.until, webhookID: webhookID)
        return window.hours.map { HourlyFigures(hour: $0, figures: byHour[StatsHour.key($0)] ?? DeliveryFigures()) }
    }

    /// Every webhook's latest attempt ever, by webhook id (webhooks never attempted are absent).
    package func lastAttempts() async throws -> [UUID: Date] {
        try await StatsStore.lastAttempts(on: driver)
    }

    /// Every webhook with its health as the rules judge it now, oldest first.
    package func healthReports(webhookID: UUID? = nil) async throws -> [WebhookHealthReport] {
        let since = rules.windowStart(now: environment.currentTime())
        return try await StatsStore.healthRows(on: driver, since: since, webhookID: webhookID).map { row in
            let input = WebhookHealthInput(
                isActive: row.isActive, disabledReason: row.disabledReason, consecutiveFailures: row.consecutiveFailures,
                window: row.figures,
                circuit: row.circuit)
            return WebhookHealthReport(
                id: row.id, name: row.name, url: row.url, isActive: input.isActive, consecutiveFailures: input.consecutiveFailures,
                circuit: row.circuit,
                announcedState: HealthState(rawValue: row.announcedState) ?? .healthy, verdict: rules.evaluate(input), window: input.window)
        }
    }

    /// The overview: webhook counts by health, and attempts in `window` (all time if nil)
    /// with an hourly series over the window (the last 24 hours if nil).
    package func overview(window: AnalyticsWindow?) async throws -> AnalyticsOverview {
        var overview = AnalyticsOverview()
        for report in try await healthReports() {
            overview.totalWebhooks += 1
            switch report.verdict.state {
            case .disabled: overview.disabledWebhooks += 1
            case .healthy: overview.healthyWebhooks += 1
            case .degraded: overview.degradedWebhooks += 1
            case .unhealthy: overview.failedWebhooks += 1
            }
            if report.isActive { overview.activeWebhooks += 1 }
        }
        overview.window = window
        overview.series = try await series(window ?? AnalyticsWindow.last(hours: 24, now: environment.currentTime()))
        if window != nil {
            // The series covers exactly the window: its hours add up to the totals.
            for hour in overview.series { overview.deliveries.add(hour.figures) }
        } else {
            overview.deliveries = try await totals(nil)
        }
        return overview
    }

    /// One webhook's statistics over `window` (default: the health window) with its health.
    package func stats(webhookID: UUID, window: AnalyticsWindow?, includeSeries: Bool = false) async throws -> WebhookStats {
        guard let report = try await healthReports(webhookID: webhookID).first else {
            throw SwitchboardError.notFound("webhook", id: webhookID.uuidString.lowercased())
        }
        let window = window ?? AnalyticsWindow.last(hours: rules.windowHours, now: environment.currentTime())
        let figures = try await totals(window, webhookID: webhookID)
        // The last success and failure ever, not only in the window.
        let ever = try await totals(nil, webhookID: webhookID)
        return WebhookStats(
            report: report, window: window, figures: figures, lastSuccessAt: ever.lastSuccessAt, lastFailureAt: ever.lastFailureAt,
            series: includeSeries ? try await series(window, webhookID: webhookID) : nil)
    }
}
