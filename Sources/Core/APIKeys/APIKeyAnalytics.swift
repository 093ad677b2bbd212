import Foundation

/// Requests and errors on one day, or by one key.
package struct RequestFigures: Sendable, Equatable {
    package var requests = 0
    /// 4xx answers.
    package var clientErrors = 0
    /// 5xx answers.
    package var serverErrors = 0

    /// Error answers (4xx and 5xx) as a percentage with one decimal, 0 without requests.
    package var errorRate: Double {
        requests == 0 ? 0 : (Double(clientErrors + serverErrors) * 1000 / Double(requests)).rounded() / 10
    }

    mutating func add(statusClass: String, requests count: Int) {
        requests += count
        if statusClass == "4xx" { clientErrors += count }
        if statusClass == "5xx" { serverErrors += count }
    }
}

/// `GET /api/api-keys/analytics`: requests per day, the busiest keys and error rates, read
/// from the per-day usage counts.
package struct APIKeyAnalyticsReport: Sendable {
    package struct KeyFigures: Sendable {
        package let keyID: UUID
        /// Nil when the key has since been deleted by the clean-up.
        package let name: String?
        package let prefix: String?
        package let figures: RequestFigures
    }

    package let firstDay: String
    package let lastDay: String
    package var total = RequestFigures()
    /// Every day of the window, oldest first, zeros included.
    package var days: [(day: String, figures: RequestFigures)] = []
    /// The keys with the most requests, most first.
    package var topKeys: [KeyFigures] = []
}

/// Reads API-key usage analytics.
package struct APIKeyAnalytics: Sendable {
    let usage: UsageTracker
    let driver: any StorageDriver
    let environment: CoreEnvironment

    /// The longest window, in days.
    package static let maximumDays = 366
    /// Accepted `top`: how many keys the report ranks.
    package static let topRange = 1...100

    /// Creates the reader; counts still in memory are written first so the answer is current.
    package init(usage: UsageTracker, driver: any StorageDriver, environment: CoreEnvironment = .live) {
        self.usage = usage
        self.driver = driver
        self.environment = environment
    }

    /// The last `days` UTC days up to today, with the `top` busiest keys.
    package func report(days: Int, top: Int) async throws -> APIKeyAnalyticsReport {
        guard (1...Self.maximumDays).contains(days) else {
            throw SwitchboardError.badRequest("days must be from 1 to \(Self.maximumDays)", code: "invalid_query")
        }
        guard Self.topRange.contains(top) else { throw SwitchboardError.badRequest("top must be from 1 to 100", code: "invalid_query") }
        try await usage.flush()
        let now = environment.currentTime()
        let dayKeys = (0..<days).reversed().map { String(Timestamp.format(now.addingTimeInterval(-Double($0) * 86_400)).prefix(10)) }
        var report = APIKeyAnalyticsReport(firstDay: dayKeys.first!, lastDay: dayKeys.last!)
        var byDay: [String: RequestFigures] = [:]
        var byKey: [UUID: RequestFigures] = [:]
        for (keyID, day, statusClass, requests) in try await UsageStore(executor: driver).requestsByKeyAndDay(
            firstDay: report.firstDay, lastDay: report.lastDay)
        {
            byDay[day, default: RequestFigures()].add(statusClass: statusClass, requests: requests)
            byKey[keyID, default: RequestFigures()].add(statusClass: statusClass, requests: requests)
            report.total.add(statusClass: statusClass, requests: requests)
        }
        report.days = dayKeys.map { ($0, byDay[$0] ?? RequestFigures()) }
        let busiest = byKey.sorted {
            $0.value.requests != $1.value.requests ? $0.value.requests > $1.value.requests : $0.key.uuidString < $1.key.uuidString
        }
        .prefix(top)
        let names = try await APIKeyStore(executor: driver).namesAndPrefixes(ids: busiest.map(\.key))
        report.topKeys = busiest.map {
            APIKeyAnalyticsReport.KeyFigures(keyID: $0.key, name: names[$0.key]?.0, prefix: names[$0.key]?.1, figures: $0.value)
        }
        return report
    }
}
