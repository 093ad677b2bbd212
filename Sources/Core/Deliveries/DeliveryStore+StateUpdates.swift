import Foundation

extension DeliveryStore {
    /// Deliveries per state-writing statement: with every column differing, a row binds 15
    /// values, so a chunk stays far below each database's parameter limit.
    package static let stateUpdateChunk = 200

    /// The states a batch of attempts left its deliveries in, written with one `UPDATE` per
    /// chunk instead of one per delivery, each lease released.
    ///
    /// Portable SQL, no dialect switch: a column whose value is the same on every row of the
    /// chunk (`status` when all succeeded, `last_error` when none failed) is set to that value;
    /// one that differs is set by `CASE id WHEN … THEN … END`. A bare parameter takes the
    /// column's type where a `CASE` of nothing but `NULL` parameters would be text on
    /// PostgreSQL, which is why an all-equal column is never written as a `CASE`. A delivery
    /// listed twice keeps its last state, as with one statement per delivery.
    package static func stateUpdateQueries(_ deliveries: [Delivery]) -> [SQLQuery] {
        var latest: [UUID: Delivery] = [:]
        var order: [UUID] = []
        for delivery in deliveries {
            if latest.updateValue(delivery, forKey: delivery.id) == nil { order.append(delivery.id) }
        }
        let unique = order.compactMap { latest[$0] }
        return stride(from: 0, to: unique.count, by: stateUpdateChunk).map { start in
            stateUpdateQuery(Array(unique[start..<min(start + stateUpdateChunk, unique.count)]))
        }
    }

    /// The columns an attempt's outcome writes, in statement order.
    private static let stateColumns: [(name: String, value: @Sendable (Delivery) -> SQLValue)] = [
        ("status", { .text($0.status.rawValue) }),
        ("attempt_count", { $0.attemptCount.sqlValue }),
        ("next_attempt_at", { $0.nextAttemptAt.sqlValue }),
        ("last_status_code", { $0.lastStatusCode.sqlValue }),
        ("last_error", { $0.lastError.sqlValue }),
        ("updated_at", { $0.updatedAt.sqlValue }),
        ("completed_at", { $0.completedAt.sqlValue }),
    ]

    private static func stateUpdateQuery(_ chunk: [Delivery]) -> SQLQuery {
        var query: SQLQuery = "UPDATE webhook_deliveries SET "
        for (name, value) in stateColumns {
            let values = chunk.map(value)
            query.append("\(unsafeRaw: name) = ")
            if values.allSatisfy({ $0 == values[0] }) {
                query.append("\(values[0]), ")
                continue
            }
            query.append("CASE id")
            for (delivery, value) in zip(chunk, values) { query.append(" WHEN \(delivery.id) THEN \(value)") }
            query.append(" END, ")
        }
        query.append("locked_by = NULL, locked_until = NULL WHERE id IN (\(list: chunk.map(\.id)))")
        return query
    }
}
