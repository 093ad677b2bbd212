import Foundation

/// One row the CRM put in the outbox.
package struct OutboxRow: Sendable, Equatable {
    package let id: Int
    package let eventType: String
    package let data: String
    package let idempotencyKey: String?
    package let createdAt: Date
}

/// An outbox row the relay could not publish, kept with the reason.
package struct RejectedOutboxRow: Sendable, Equatable {
    package let row: OutboxRow
    package let rejectedAt: Date
    package let reason: String
}

/// Reads and writes `switchboard_outbox` (rows the CRM inserts in its own transactions) and
/// `switchboard_outbox_rejected` (rows that could not become events, kept with the reason).
package struct OutboxStore: Sendable {
    let executor: any SQLExecutor

    /// A store running its statements on `executor`.
    package init(executor: any SQLExecutor) {
        self.executor = executor
    }

    private static let columns = "id, event_type, data, idempotency_key, created_at"

    /// Adds a row as the CRM would (its own `INSERT`, shown in the README); for tests and tools.
    package func insert(eventType: String, data: String, idempotencyKey: String? = nil) async throws {
        try await executor.execute("""
            INSERT INTO switchboard_outbox (event_type, data, idempotency_key) VALUES (\(eventType), \(data), \(idempotencyKey))
            """)
    }

    /// Whether any row is waiting; a cheap read that lets an idle relay skip its transaction.
    package func hasRows() async throws -> Bool {
        try await executor.first("SELECT id FROM switchboard_outbox ORDER BY id LIMIT 1") != nil
    }

    /// The oldest rows, up to `limit`, locked for this transaction: with the dialect's locking
    /// clause (`FOR UPDATE SKIP LOCKED`) concurrent relays take disjoint rows; on SQLite the
    /// single writer serialises them. Must run inside a transaction.
    package func claim(limit: Int) async throws -> [OutboxRow] {
        let locking = executor.dialect.claimLockingClause.map { " " + $0 } ?? ""
        return try await executor.query("""
            SELECT \(unsafeRaw: Self.columns) FROM switchboard_outbox ORDER BY id LIMIT \(limit)\(unsafeRaw: locking)
            """).map(Self.decode)
    }

    /// Removes relayed rows.
    package func delete(ids: [Int]) async throws {
        guard !ids.isEmpty else { return }
        try await executor.execute("\(unsafeRaw: executor.dialect.deleteByPrimaryKey(from: "switchboard_outbox")) WHERE id IN (\(list: ids))")
    }

    /// Keeps a row that cannot be published, with the reason.
    package func reject(_ row: OutboxRow, reason: String, at time: Date) async throws {
        try await executor.execute("""
            INSERT INTO switchboard_outbox_rejected (id, event_type, data, idempotency_key, created_at, rejected_at, reason)
            VALUES (\(row.id), \(row.eventType), \(row.data), \(row.idempotencyKey), \(row.createdAt), \(time), \(reason))
            """)
    }

    /// Rejected rows, newest first.
    package func rejected(limit: Int, offset: Int) async throws -> Page<RejectedOutboxRow> {
        try await executor.page(
            columns: "\(unsafeRaw: Self.columns), rejected_at, reason", from: "FROM switchboard_outbox_rejected",
            orderBy: "rejected_at DESC, id DESC", limit: limit, offset: offset
        ) { RejectedOutboxRow(row: try Self.decode($0), rejectedAt: try $0.date("rejected_at"), reason: try $0.string("reason")) }
    }

    /// Rows waiting and rows rejected, for `/metrics`.
    package func counts() async throws -> (waiting: Int, rejected: Int) {
        let waiting = try await executor.first("SELECT COUNT(*) AS total FROM switchboard_outbox")?.int("total") ?? 0
        let rejected = try await executor.first("SELECT COUNT(*) AS total FROM switchboard_outbox_rejected")?.int("total") ?? 0
        return (waiting, rejected)
    }

    static func decode(_ row: SQLRow) throws -> OutboxRow {
        OutboxRow(
            id: try row.int("id"), eventType: try row.string("event_type"), data: try row.string("data"),
            idempotencyKey: try row.optionalString("idempotency_key"), createdAt: try row.date("created_at"))
    }
}
