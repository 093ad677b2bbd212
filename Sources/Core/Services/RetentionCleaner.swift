import Foundation

/// How long records are kept before a clean-up removes them.
public struct RetentionPolicy: Sendable, Equatable {
    /// Finished deliveries (and their attempts) older than this many days are deleted.
    public var deliveryLogDays: Int
    /// Keys that expired more than this many days ago are deleted.
    public var expiredKeyGraceDays: Int
    /// Rows removed per statement, so no single delete holds its locks for long.
    public var batchSize: Int

    public init(deliveryLogDays: Int = 90, expiredKeyGraceDays: Int = 30, batchSize: Int = 1000) {
        self.deliveryLogDays = deliveryLogDays
        self.expiredKeyGraceDays = expiredKeyGraceDays
        self.batchSize = batchSize
    }
}

/// What one clean-up removed, or (dry run) would remove.
public struct CleanupReport: Sendable, Equatable {
    /// Finished deliveries deleted, each with its attempts.
    public var deliveries = 0
    /// Events older than the cut-off left without any delivery.
    public var events = 0
    /// Idempotency keys cleared from events older than the 24-hour window.
    public var idempotencyKeys = 0
    /// API keys deleted (expired longer ago than the grace period), with their usage counts.
    public var apiKeys = 0

    public init() {}
}

/// Deletes what Switchboard no longer needs: old delivery logs, events nothing refers to,
/// idempotency keys past their window, and long-expired API keys. Work goes in batches of
/// `RetentionPolicy.batchSize` rows, each its own short statement. Deliveries still pending or
/// in progress are never touched, however old.
public struct RetentionCleaner: Sendable {
    let driver: any StorageDriver
    let policy: RetentionPolicy

    public init(driver: any StorageDriver, policy: RetentionPolicy) {
        self.driver = driver
        self.policy = policy
    }

    /// Runs one clean-up as of `now`; with `dryRun` only counts.
    public func run(now: Date = Date(), dryRun: Bool = false) async throws -> CleanupReport {
        let logCutoff = now.addingTimeInterval(-Double(policy.deliveryLogDays) * 86_400)
        let idempotencyCutoff = now.addingTimeInterval(-EventDispatcher.idempotencyWindow)
        let keyCutoff = now.addingTimeInterval(-Double(policy.expiredKeyGraceDays) * 86_400)
        let finished = [DeliveryStatus.succeeded.rawValue, DeliveryStatus.failed.rawValue]
        var report = CleanupReport()

        report.deliveries = try await sweep(
            table: "webhook_deliveries",
            condition: "created_at < \(logCutoff) AND status IN (\(list: finished))",
            dryRun: dryRun) { ids in ["DELETE FROM webhook_deliveries WHERE id IN (\(list: ids))"] }

        // An event goes once every delivery it had is gone (or would be, in a dry run).
        report.events = try await sweep(
            table: "events",
            condition: """
                created_at < \(logCutoff) AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.id \
                AND NOT (d.created_at < \(logCutoff) AND d.status IN (\(list: finished))))
                """,
            dryRun: dryRun) { ids in ["DELETE FROM events WHERE id IN (\(list: ids))"] }

        report.idempotencyKeys = try await sweep(
            table: "events",
            condition: "idempotency_key IS NOT NULL AND created_at < \(idempotencyCutoff)",
            dryRun: dryRun) { ids in ["UPDATE events SET idempotency_key = NULL WHERE id IN (\(list: ids))"] }

        report.apiKeys = try await sweep(
            table: "api_keys",
            condition: "expires_at < \(keyCutoff)",
            dryRun: dryRun) { ids in
                ["DELETE FROM api_key_usage WHERE key_id IN (\(list: ids))", "DELETE FROM api_keys WHERE id IN (\(list: ids))"]
            }
        return report
    }

    /// Counts the rows of `table` matching `condition`, or removes them batch by batch with
    /// the statements `remove` writes for each batch of ids; returns how many.
    private func sweep(table: String, condition: SQLQuery, dryRun: Bool, remove: ([UUID]) -> [SQLQuery]) async throws -> Int {
        if dryRun {
            return try await driver.first("SELECT COUNT(*) AS n FROM \(unsafeRaw: table) WHERE \(condition)")?.int("n") ?? 0
        }
        var total = 0
        while true {
            let ids = try await driver.query("SELECT id FROM \(unsafeRaw: table) WHERE \(condition) LIMIT \(policy.batchSize)")
                .map { try $0.uuid("id") }
            guard !ids.isEmpty else { return total }
            let statements = remove(ids)
            _ = try await driver.transaction { transaction in try await transaction.executeAll(statements) }
            total += ids.count
            if ids.count < policy.batchSize { return total }
        }
    }
}
