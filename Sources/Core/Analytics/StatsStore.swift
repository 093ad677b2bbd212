import Foundation

/// Reads and writes `webhook_stats_hourly` (attempts per hour and webhook) and
/// `webhook_stats_total` (per webhook, all time), kept in step with `webhook_attempts`:
/// recorded batches add to both in the same transaction (`upsertQueries`), and `rebuild`
/// recounts them from the delivery logs.
package enum StatsStore {
    /// One recorded attempt, as the rollup counts it.
    package struct Sample: Sendable {
        package let webhookID: UUID
        package let success: Bool
        package let milliseconds: Int
        package let at: Date

        /// Creates a sample.
        package init(webhookID: UUID, success: Bool, milliseconds: Int, at: Date) {
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
    package static func upsertQueries(_ samples: [Sample], dialect: SQLDialect) -> [SQLQuery] {
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
    private static func upsert(into table: String, keys: [String], values: SQLQuery, _ figures: DeliveryFigures, _ dialect: SQLDialect)
        -> SQLQuery
    {
        var query: SQLQuery = """
            INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: (keys + countColumns).joined(separator: ", ")), min_ms, max_ms, last_success_at, last_failure_at)
            VALUES (\(values), \(figures.attempts), \(figures.successes), \(figures.failures), \(figures.totalMilliseconds)
            """
        for count in figures.buckets { query.append(", \(count)") }
        let upsert = dialect.accumulatingUpsert(
            table: table, conflictColumns: keys, summed: countColumns, latest: ["max_ms", "last_success_at", "last_failure_at"],
            smallest: ["min_ms"])
        query.append(
            ", \(figures.minMilliseconds), \(figures.maxMilliseconds), \(figures.lastSuccessAt), \(figures.lastFailureAt))\(unsafeRaw: upsert)"
        )
        return query
    }

    /// What a rebuild did.
    package struct RebuildReport: Sendable, Equatable {
        /// The first hour recounted, or nil when there were no delivery logs.
        package var fromHour: String?
        /// Rollup rows written.
        package var rows: Int
        /// Delivery attempts counted.
        package var attempts: Int
    }

    /// Recounts every hour from the oldest stored attempt on (or from `since`) out of the
    /// delivery logs, in one transaction. Hours older than the oldest log are kept: their logs
    /// may have been removed by retention, and their counts are all that is left of them.
    package static func rebuild(driver: any StorageDriver, since: Date? = nil) async throws -> RebuildReport {
        let oldest = try await driver.first("SELECT MIN(created_at) AS oldest FROM webhook_attempts")?.optionalDate("oldest")
        guard let start = [oldest, since].compactMap({ $0 }).max() else { return RebuildReport(fromHour: nil, rows: 0, attempts: 0) }
        let fromHour = StatsHour.key(start)
        let fromDate = StatsHour.start(start)
        let hourExpression = hourExpression(driver.dialect)
        let success = "a.response_status >= 200 AND a.response_status < 300"
        var buckets: [String] = []
        var lower: Int?
        for bound in DeliveryFigures.bucketBounds + [nil] as [Int?] {
            let condition =
                switch (lower, bound) {
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
                MIN(a.duration_ms), MAX(a.duration_ms), MAX(CASE WHEN \(success) THEN a.created_at END), MAX(CASE WHEN \(success) THEN NULL ELSE a.created_at END)
            FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
            """
        return try await driver.transaction { transaction in
            let columns = countColumns.joined(separator: ", ") + ", min_ms, max_ms, last_success_at, last_failure_at"
            try await transaction.execute("DELETE FROM webhook_stats_hourly WHERE hour >= \(fromHour)")
            let rows = try await transaction.execute(
                """
                INSERT INTO webhook_stats_hourly (hour, webhook_id, \(unsafeRaw: columns))
                \(unsafeRaw: select) WHERE a.created_at >= \(fromDate) GROUP BY \(unsafeRaw: hourExpression), d.webhook_id
                """)
            // All-time totals are the sums of the hourly rows, old hours included.
            try await transaction.execute("DELETE FROM webhook_stats_total")
            try await transaction.execute(
                """
                INSERT INTO webhook_stats_total (webhook_id, \(unsafeRaw: columns))
                SELECT webhook_id, \(unsafeRaw: DeliveryFigures.sumColumns) FROM webhook_stats_hourly GROUP BY webhook_id
                """)
            let counted = try await transaction.first(
                "SELECT SUM(attempts) AS attempts FROM webhook_stats_hourly WHERE hour >= \(fromHour)")
            return RebuildReport(fromHour: fromHour, rows: rows, attempts: try counted?.optionalInt("attempts") ?? 0)
        }
    }

    /// SQL naming an attempt's hour the way `StatsHour.key` does.
    static func hourExpression(_ dialect: SQLDialect) -> String {
        dialect.utcHourKey("a.created_at")
    }

    /// Rows of `table` summed per `group` column (such as `hour`), or into one row when
    /// `group` is nil, under `conditions`; with the latest success and failure only when
    /// `latest` (reading timestamps back costs more than the sums).
    static func sums(
        on executor: any SQLExecutor, from table: String = "webhook_stats_hourly", by group: String?, where conditions: [SQLQuery],
        latest: Bool = false
    ) async throws -> [(row: SQLRow, figures: DeliveryFigures)] {
        let selected = (group.map { "\($0), " } ?? "") + (latest ? DeliveryFigures.sumColumns : DeliveryFigures.countSums)
        let grouping = group.map { " GROUP BY \($0)" } ?? ""
        return try await executor.query(
            """
            SELECT \(unsafeRaw: selected) FROM \(unsafeRaw: table)\(SQLQuery.whereClause(conditions))\(unsafeRaw: grouping)
            """
        ).map { ($0, try DeliveryFigures(row: $0)) }
    }

    /// The figures of the whole hours `[since, until)`, for one webhook or all.
    package static func totals(on executor: any SQLExecutor, since: Date, until: Date, webhookID: UUID?) async throws -> DeliveryFigures {
        var conditions: [SQLQuery] = ["hour >= \(StatsHour.key(since))", "hour < \(StatsHour.key(until))"]
        if let webhookID { conditions.append("webhook_id = \(webhookID)") }
        return try await sums(on: executor, by: nil, where: conditions).first?.figures ?? DeliveryFigures()
    }

    /// The figures of all time, for one webhook or all, read from the per-webhook totals so
    /// the cost does not grow with the history.
    package static func allTimeTotals(on executor: any SQLExecutor, webhookID: UUID?) async throws -> DeliveryFigures {
        let conditions: [SQLQuery] = webhookID.map { ["webhook_id = \($0)"] } ?? []
        return try await sums(on: executor, from: "webhook_stats_total", by: nil, where: conditions, latest: true).first?.figures
            ?? DeliveryFigures()
    }

    /// Every webhook's latest attempt ever (success or failure), from the per-webhook totals.
    package static func lastAttempts(on executor: any SQLExecutor) async throws -> [UUID: Date] {
        var latest: [UUID: Date] = [:]
        for row in try await executor.query("SELECT webhook_id, last_success_at, last_failure_at FROM webhook_stats_total") {
            if let time = [try row.optionalDate("last_success_at"), try row.optionalDate("last_failure_at")].compactMap({ $0 }).max() {
                latest[try row.uuid("webhook_id")] = time
            }
        }
        return latest
    }

    /// The figures of each hour in `[since, until)` that had attempts, by `StatsHour.key`.
    package static func hourly(on executor: any SQLExecutor, since: Date, until: Date, webhookID: UUID?) async throws -> [String:
        DeliveryFigures]
    {
        var conditions: [SQLQuery] = ["hour >= \(StatsHour.key(since))", "hour < \(StatsHour.key(until))"]
        if let webhookID { conditions.append("webhook_id = \(webhookID)") }
        var byHour: [String: DeliveryFigures] = [:]
        for (row, figures) in try await sums(on: executor, by: "hour", where: conditions) { byHour[try row.string("hour")] = figures }
        return byHour
    }

    /// A webhook with its figures since a given hour, as health is judged from.
    package struct HealthRow: Sendable {
        package let id: UUID
        package let name: String
        package let url: String
        package let isActive: Bool
        package let consecutiveFailures: Int
        package let disabledReason: String?
        /// The state last announced (`webhooks.health_state`), if one is stored.
        package let announcedState: String
        package let figures: DeliveryFigures
        package let circuit: Circuit
    }

    /// Every webhook (or one) with its figures from the hour `since` on, oldest first, in
    /// one round trip.
    package static func healthRows(on executor: any SQLExecutor, since: Date, webhookID: UUID?) async throws -> [HealthRow] {
        let filter: SQLQuery = webhookID.map { " WHERE w.id = \($0)" } ?? ""
        return try await executor.query(
            """
            SELECT w.id, w.name, w.url, w.is_active, w.consecutive_failures, w.disabled_reason, w.health_state,
                \(unsafeRaw: WebhookStore.circuitColumns(of: "w")),
                \(unsafeRaw: (DeliveryFigures.countColumns + ["min_ms", "max_ms"]).map { "s.\($0)" }.joined(separator: ", "))
            FROM webhooks w LEFT JOIN (
                SELECT webhook_id, \(unsafeRaw: DeliveryFigures.countSums) FROM webhook_stats_hourly
                WHERE hour >= \(StatsHour.key(since)) GROUP BY webhook_id
            ) s ON s.webhook_id = w.id\(filter)
            ORDER BY w.created_at, w.id
            """
        ).map { row in
            HealthRow(
                id: try row.uuid("id"), name: try row.string("name"), url: try row.string("url"), isActive: try row.bool("is_active"),
                consecutiveFailures: try row.int("consecutive_failures"), disabledReason: try row.optionalString("disabled_reason"),
                announcedState: try row.string("health_state"), figures: try DeliveryFigures(row: row),
                circuit: try WebhookStore.circuit(row))
        }
    }
}

extension DeliveryFigures {
    /// Reads figures from a row of sums named like the rollup's columns.
    init(row: SQLRow) throws {
        attempts = try row.optionalInt("attempts") ?? 0
        successes = try row.optionalInt("successes") ?? 0
        totalMilliseconds = try row.optionalInt("total_ms") ?? 0
        buckets = try Self.bucketColumns.map { try row.optionalInt($0) ?? 0 }
        minMilliseconds = try row.optionalInt("min_ms")
        maxMilliseconds = try row.optionalInt("max_ms")
        lastSuccessAt = try row.optionalDate("last_success_at")
        lastFailureAt = try row.optionalDate("last_failure_at")
    }

    /// The statistics tables' count columns, in table order.
    static let countColumns = ["attempts", "successes", "failures", "total_ms"] + bucketColumns

    /// `SUM(attempts) AS attempts, …` over statistics rows, with the shortest and longest attempt.
    /// `lat_over_10000`, the top bucket before migration 0012, is read as part of the 30 s
    /// bucket: a server of the previous version may still be adding to it.
    static let countSums: String =
        countColumns.map { column in
            column == "lat_le_30000" ? "SUM(lat_le_30000 + lat_over_10000) AS lat_le_30000" : "SUM(\(column)) AS \(column)"
        }.joined(separator: ", ") + ", MIN(min_ms) AS min_ms, MAX(max_ms) AS max_ms"
    /// `countSums` and the latest success and failure.
    static let sumColumns: String = countSums + ", MAX(last_success_at) AS last_success_at, MAX(last_failure_at) AS last_failure_at"
}
