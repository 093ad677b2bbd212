import Foundation

extension DeliveryStore {
    /// Rows per state-writing statement, the largest of `stateUpdateSizes`: a row binds 15
    /// values, so a statement stays far below each database's parameter limit.
    package static let stateUpdateChunk = 200

    /// The row counts a state-writing statement is padded up to (at most twice the rows it
    /// writes). Statement texts are cached per connection (the MySQL driver drops its whole
    /// cache when it fills), so a batch of any size and mix of outcomes must map onto a
    /// handful of texts, not one per batch size.
    static let stateUpdateSizes = [1, 2, 4, 8, 16, 32, 64, 128, stateUpdateChunk]

    /// The states a batch of attempts left its deliveries in, each lease released: one
    /// `UPDATE` per chunk where the dialect `batchesRowUpdates`, else one per delivery.
    ///
    /// The batched form is the same SQL on every server: each column is set by `CASE id WHEN …
    /// THEN … ELSE column END`. The `ELSE` is never taken (the `WHERE` lists the same ids) but
    /// gives the expression the column's type, which PostgreSQL needs when every value bound
    /// for it is `NULL` (untyped; a `CASE` of those alone would be text, which an integer
    /// column refuses). A chunk is padded to the next of `stateUpdateSizes` by repeating its
    /// last row, which writes the same values again. A delivery listed twice keeps its last
    /// state, as with one statement per delivery.
    package static func stateUpdateQueries(_ deliveries: [Delivery], dialect: SQLDialect) -> [SQLQuery] {
        guard dialect.batchesRowUpdates else { return deliveries.map(updateQuery) }
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

    /// The columns an attempt's outcome writes, in statement order (both forms write these).
    private static let stateColumns: [(name: String, value: @Sendable (Delivery) -> SQLValue)] = [
        ("status", { .text($0.status.rawValue) }),
        ("attempt_count", { $0.attemptCount.sqlValue }),
        ("next_attempt_at", { $0.nextAttemptAt.sqlValue }),
        ("last_status_code", { $0.lastStatusCode.sqlValue }),
        ("last_error", { $0.lastError.sqlValue }),
        ("updated_at", { $0.updatedAt.sqlValue }),
        ("completed_at", { $0.completedAt.sqlValue }),
    ]

    /// The statement behind `update(_:)`: one delivery's state, its lease released.
    static func updateQuery(_ delivery: Delivery) -> SQLQuery {
        var query: SQLQuery = "UPDATE webhook_deliveries SET "
        for (name, value) in stateColumns { query.append("\(unsafeRaw: name) = \(value(delivery)), ") }
        query.append("locked_by = NULL, locked_until = NULL WHERE id = \(delivery.id)")
        return query
    }

    private static func stateUpdateQuery(_ chunk: [Delivery]) -> SQLQuery {
        let size = stateUpdateSizes.first { $0 >= chunk.count } ?? chunk.count
        let rows = chunk + Array(repeating: chunk[chunk.count - 1], count: size - chunk.count)
        var query: SQLQuery = "UPDATE webhook_deliveries SET "
        for (name, value) in stateColumns {
            query.append("\(unsafeRaw: name) = CASE id")
            for delivery in rows { query.append(" WHEN \(delivery.id) THEN \(value(delivery))") }
            query.append(" ELSE \(unsafeRaw: name) END, ")
        }
        query.append("locked_by = NULL, locked_until = NULL WHERE id IN (\(list: rows.map(\.id)))")
        return query
    }
}
