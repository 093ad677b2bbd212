import Foundation

/// How long records are kept before a clean-up removes them.
package struct RetentionPolicy: Sendable, Equatable {
    /// Finished deliveries (and their attempts) older than this many days are deleted.
    package var deliveryLogDays: Int
    /// Keys that expired more than this many days ago are deleted.
    package var expiredKeyGraceDays: Int
    /// Rows removed per statement, so no single delete holds its locks for long.
    package var batchSize: Int

    package init(deliveryLogDays: Int = 90, expiredKeyGraceDays: Int = 30, batchSize: Int = 1000) {
        self.deliveryLogDays = deliveryLogDays
        self.expiredKeyGraceDays = expiredKeyGraceDays
        self.batchSize = batchSize
    }
}

/// What one clean-up removed, or (dry run) would remove.
package struct CleanupReport: Sendable, Equatable {
    /// Finished deliveries deleted, each with its attempts.
    package var deliveries = 0
    /// Events older than the cut-off left without any delivery.
    package var events = 0
    /// Idempotency keys cleared from events older than the 24-hour window.
    package var idempotencyKeys = 0
    /// API keys deleted (expired longer ago than the grace period), with their usage counts.
    package var apiKeys = 0

    package init() {}
}

/// Deletes what Switchboard no longer needs: old delivery logs, events nothing refers to,
/// idempotency keys past their window, and long-expired API keys. Work goes in batches of
/// `RetentionPolicy.batchSize` rows, each its own short statement. Deliveries still pending or
/// in progress are never touched, however old.
package struct RetentionCleaner: Sendable {
    let driver: any StorageDriver
    let policy: RetentionPolicy

    package init(driver: any StorageDriver, policy: RetentionPolicy) {
        self.driver = driver
        self.policy = policy
    }

    /// Runs one clean-up as of `now`; with `dryRun` only counts.
    package func run(now: Date = Date(), dryRun: Bool = false) async throws -> CleanupReport {
        let logCutoff = now.addingTimeInterval(-Double(policy.deliveryLogDays) * 86_400)
        let idempotencyCutoff = now.addingTimeInterval(-EventDispatcher.idempotencyWindow)
        let keyCutoff = now.addingTimeInterval(-Double(policy.expiredKeyGraceDays) * 86_400)
        var report = CleanupReport()
        report.deliveries = try await sweep(.finishedDeliveries(before: logCutoff), dryRun: dryRun)
        report.events = try await sweep(.orphanedEvents(before: logCutoff), dryRun: dryRun)
        report.idempotencyKeys = try await sweep(.idempotencyKeys(before: idempotencyCutoff), dryRun: dryRun)
        report.apiKeys = try await sweep(.expiredAPIKeys(before: keyCutoff), dryRun: dryRun)
        return report
    }

    /// Counts the sweep's rows, or removes them batch by batch; returns how many.
    private func sweep(_ sweep: RetentionSweep, dryRun: Bool) async throws -> Int {
        if dryRun { return try await sweep.count(on: driver) }
        var total = 0
        while true {
            let ids = try await sweep.ids(on: driver, limit: policy.batchSize)
            guard !ids.isEmpty else { return total }
            let statements = sweep.statements(removing: ids)
            _ = try await driver.transaction { transaction in try await transaction.executeAll(statements) }
            total += ids.count
            if ids.count < policy.batchSize { return total }
        }
    }
}
