import Foundation

/// Keeps `webhook_stats_hourly` (attempts per hour and webhook) and `webhook_stats_total`
/// (per webhook, all time) in step with `webhook_attempts`: recorded batches add to both in
/// the same transaction, and `rebuild` recounts them from the delivery logs.
public enum StatsRollup {
    /// One recorded attempt, as the rollup counts it.
    public struct Sample: Sendable {
        public let webhookID: UUID
        public let success: Bool
        public let milliseconds: Int
        public let at: Date

        /// Creates a sample.
        public init(webhookID: UUID, success: Bool, milliseconds: Int, at: Date) {
            self.webhookID = webhookID
            self.success = success
            self.milliseconds = milliseconds
            self.at = at
        }
    }

    static let countColumns = DeliveryFigures.countColumns

    /// The upserts adding a batch of attempts: one statement per hour and webhook, then one
    /// per webhook for the all-time totals, each set in key order so concurrent batches lock
    /// rows in the same order (no deadlocks between them).
    public static func upsertQueries(_ samples: [Sample], dialect: SQLDialect) -> [SQLQuery] {
        var hourly: [String: (hour: String, webhookID: UUID, figures: DeliveryFigures)] = [:]
        var totals: [String: (webhookID: UUID, figures: DeliveryFigures)] = [:]
        for sample in samples {
            let hour = StatsHour.key(sample.at)
            let webhook = sample.webhookID.uuidString.lowercased()
            hourly[hour + webhook, default: (hour, sample.webhookID, DeliveryFigures())].figures
                .add(success: sample.success, milliseconds: sample.milliseconds, at: sample.at)
            totals[webhook, default: (sample.webhookID, DeliveryFigures())].figures
                .add(success: sample.success, milliseconds: sample.milliseconds, at: sample.at)
        }
        let hourlyQueries = hourly.keys.sorted().map { key in
            let (hour, webhookID, figures) = hourly[key]!
            return upsert(into: "webhook_stats_hourly", keys: ["hour", "webhook_id"], values: "\(hour), \(webhookID)", figures, dialect)
        }
        let totalQueries = totals.keys.sorted().map { key in
            let (webhookID, figures) = totals[key]!
            return upsert(into: "webhook_stats_total", keys: ["webhook_id"], values: "\(webhookID)", figures, dialect)
        }
        return hourlyQueries + totalQueries
    }

    /// `INSERT … VALUES (keys, figures)` that adds to the row when the key exists.
    private static func upsert(into table: String, keys: [String], values: SQLQuery, _ figures: DeliveryFigures, _ dialect: SQLDialect) -> SQLQuery {
        var query: SQLQuery = """
            INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: (keys + countColumns).joined(separator: ", ")), last_success_at, last_failure_at)
            VALUES (\(values), \(figures.attempts), \(figures.successes), \(figures.failures), \(figures.totalMilliseconds)
            """
        for count in figures.buckets { query.append(", \(count)") }
        query.append(", \(figures.lastSuccessAt), \(figures.lastFailureAt))\(unsafeRaw: dialect.accumulatingUpsert(table: table, conflictColumns: keys, summed: countColumns, latest: ["last_success_at", "last_failure_at"]))")
        return query
    }

    /// What a rebuild did.
    public struct RebuildReport: Sendable, Equatable {
        /// The first hour recounted, or nil when there were no delivery logs.
        public var fromHour: String?
        /// Rollup rows written.
        public var rows: Int
        /// Delivery attempts counted.
        public var attempts: Int
    }

    /// Recounts every hour from the oldest stored attempt on (or from `since`) out of the
    /// delivery logs, in one transaction. Hours older than the oldest log are kept: their logs
    /// may have been removed by retention, and their counts are all that is left of them.
    public static func rebuild(driver: any StorageDriver, since: Date? = nil) async throws -> RebuildReport {
        let oldest = try await driver.first("SELECT MIN(created_at) AS oldest FROM webhook_attempts")?.optionalDate("oldest")
        guard let start = [oldest, since].compactMap({ $0 }).max() else { return RebuildReport(fromHour: nil, rows: 0, attempts: 0) }
        let fromHour = StatsHour.key(start)
        let fromDate = StatsHour.start(start)
        let hourExpression = hourExpression(driver.dialect)
        let success = "a.response_status >= 200 AND a.response_status < 300"
        var buckets: [String] = []
        var lower: Int?
        for bound in DeliveryFigures.bucketBounds + [nil] as [Int?] {
            let condition = switch (lower, bound) {
            case (nil, let upper?): "a.duration_ms <= \(upper)"
            case (let low?, let upper?): "a.duration_ms > \(low) AND a.duration_ms <= \(upper)"
            default: "a.duration_ms > \(DeliveryFigures.bucketBounds.last!)"
            }
            buckets.append("SUM(CASE WHEN \(condition) THEN 1 ELSE 0 END)")
            lower = bound
        }
        let select = """
            SELECT \(hourExpression), d.webhook_id, COUNT(*), SUM(CASE WHEN \(success) THEN 1 ELSE 0 END),
                SUM(CASE WHEN \(success) THEN 0 ELSE 1 END), SUM(a.duration_ms), \(buckets.joined(separator: ", ")),
                MAX(CASE WHEN \(success) THEN a.created_at END), MAX(CASE WHEN \(success) THEN NULL ELSE a.created_at END)
            FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
            """
        return try await driver.transaction { transaction in
            let columns = countColumns.joined(separator: ", ") + ", last_success_at, last_failure_at"
            try await transaction.execute("DELETE FROM webhook_stats_hourly WHERE hour >= \(fromHour)")
            let rows = try await transaction.execute("""
                INSERT INTO webhook_stats_hourly (hour, webhook_id, \(unsafeRaw: columns))
                \(unsafeRaw: select) WHERE a.created_at >= \(fromDate) GROUP BY \(unsafeRaw: hourExpression), d.webhook_id
                """)
            // All-time totals are the sums of the hourly rows, old hours included.
            try await transaction.execute("DELETE FROM webhook_stats_total")
            try await transaction.execute("""
                INSERT INTO webhook_stats_total (webhook_id, \(unsafeRaw: columns))
                SELECT webhook_id, \(unsafeRaw: DeliveryFigures.sumColumns) FROM webhook_stats_hourly GROUP BY webhook_id
                """)
            let counted = try await transaction.first("SELECT SUM(attempts) AS attempts FROM webhook_stats_hourly WHERE hour >= \(fromHour)")
            return RebuildReport(fromHour: fromHour, rows: rows, attempts: try counted?.optionalInt("attempts") ?? 0)
        }
    }

    /// SQL naming an attempt's hour the way `StatsHour.key` does.
    static func hourExpression(_ dialect: SQLDialect) -> String {
        switch dialect.name {
        case "postgres": "to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')"
        case "mysql": "DATE_FORMAT(a.created_at, '%Y-%m-%dT%H')"
        default: "substr(a.created_at, 1, 13)"
        }
    }
}
