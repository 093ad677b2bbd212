import Foundation

/// What the retention clean-up removes, table by table, as sweeps.
package enum RetentionStore {}

/// Rows the retention clean-up removes from one table: which rows, and the statements that
/// remove a batch of them by id. The clean-up runs a sweep in batches, each its own short
/// transaction.
package struct RetentionSweep: Sendable {
    let table: String
    let condition: SQLQuery
    let remove: @Sendable ([UUID]) -> [SQLQuery]

    /// How many rows the sweep would remove now.
    package func count(on executor: any SQLExecutor) async throws -> Int {
        try await executor.first("SELECT COUNT(*) AS n FROM \(unsafeRaw: table) WHERE \(condition)")?.int("n") ?? 0
    }

    /// The ids of up to `limit` rows to remove.
    package func ids(on executor: any SQLExecutor, limit: Int) async throws -> [UUID] {
        try await executor.query("SELECT id FROM \(unsafeRaw: table) WHERE \(condition) LIMIT \(limit)").map { try $0.uuid("id") }
    }

    /// The statements removing the rows `ids`.
    package func statements(removing ids: [UUID]) -> [SQLQuery] {
        remove(ids)
    }

    static let finished = [DeliveryStatus.succeeded.rawValue, DeliveryStatus.failed.rawValue]

    /// Finished (succeeded or failed) deliveries created before `cutoff`, with their attempts
    /// (removed by the foreign key's cascade). Pending and in-progress ones are never touched.
    package static func finishedDeliveries(before cutoff: Date) -> RetentionSweep {
        RetentionSweep(table: "webhook_deliveries", condition: "created_at < \(cutoff) AND status IN (\(list: finished))") { ids in
            ["DELETE FROM webhook_deliveries WHERE id IN (\(list: ids))"]
        }
    }

    /// Events created before `cutoff` once every delivery they had is gone (or is removed by
    /// `finishedDeliveries(before: cutoff)`, so a dry run counts them too).
    package static func orphanedEvents(before cutoff: Date) -> RetentionSweep {
        RetentionSweep(
            table: "events",
            condition: """
                created_at < \(cutoff) AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.id \
                AND NOT (d.created_at < \(cutoff) AND d.status IN (\(list: finished))))
                """
        ) { ids in ["DELETE FROM events WHERE id IN (\(list: ids))"] }
    }

    /// Idempotency keys of events created before `cutoff` (past their window).
    package static func idempotencyKeys(before cutoff: Date) -> RetentionSweep {
        RetentionSweep(table: "events", condition: "idempotency_key IS NOT NULL AND created_at < \(cutoff)") { ids in
            ["UPDATE events SET idempotency_key = NULL WHERE id IN (\(list: ids))"]
        }
    }

    /// API keys that expired before `cutoff`, with their usage counts.
    package static func expiredAPIKeys(before cutoff: Date) -> RetentionSweep {
        RetentionSweep(table: "api_keys", condition: "expires_at < \(cutoff)") { ids in
            [UsageStore.deleteQuery(keyIDs: ids), "DELETE FROM api_keys WHERE id IN (\(list: ids))"]
        }
    }
}
