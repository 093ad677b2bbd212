import Foundation

/// One row the CRM put in the outbox.
package struct OutboxRow: Sendable, Equatable {
    package let id: Int
    package let eventType: String
    package let data: String
    package let idempotencyKey: String?
    package let createdAt: Date
}

/// An outbox row whose columns could not all be read as their types (a `created_at` an ORM
/// wrote as `'yesterday'` or as epoch seconds, where SQLite's columns take any value): its
/// values as text as far as they go, with what could not be read.
package struct UnreadableOutboxRow: Error, Sendable, Equatable {
    package let id: Int
    package let eventType: String
    package let data: String
    package let idempotencyKey: String?
    package let reason: String
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
        try await executor.execute(
            """
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
    /// Each row is read on its own: one that cannot be read comes back as
    /// `UnreadableOutboxRow`, so it is rejected and does not stop the rows behind it.
    package func claim(limit: Int) async throws -> [Result<OutboxRow, UnreadableOutboxRow>] {
        let locking = executor.dialect.claimLockingClause.map { " " + $0 } ?? ""
        return try await executor.query(
            """
            SELECT \(unsafeRaw: Self.columns) FROM switchboard_outbox ORDER BY id LIMIT \(limit)\(unsafeRaw: locking)
            """
        ).map { row in
            do {
                return .success(try Self.decode(row))
            } catch {
                return .failure(
                    UnreadableOutboxRow(
                        id: try row.int("id"), eventType: Self.text(row["event_type"]), data: Self.text(row["data"]),
                        idempotencyKey: row["idempotency_key"] == .null ? nil : Self.text(row["idempotency_key"]),
                        reason:
                            "the row cannot be read: \(error); created_at must be a timestamp (the column's default, or UTC such as 2026-01-01T00:00:00Z), the other columns text"
                    ))
            }
        }
    }

    /// A value as text, whatever its type, for keeping an unreadable row.
    private static func text(_ value: SQLValue) -> String {
        switch value {
        case .null: ""
        case .text(let text): text
        case .blob(let bytes): StorableText.decoding(bytes)
        case .integer(let number): String(number)
        case .real(let number): String(number)
        case .bool(let flag): String(flag)
        case .uuid(let uuid): uuid.uuidString.lowercased()
        case .timestamp(let date): Timestamp.format(date)
        }
    }

    /// Removes relayed rows.
    package func delete(ids: [Int]) async throws {
        guard !ids.isEmpty else { return }
        try await executor.execute(
            "\(unsafeRaw: executor.dialect.deleteByPrimaryKey(from: "switchboard_outbox")) WHERE id IN (\(list: ids))")
    }

    /// Keeps a row that cannot be read, with the reason; its `created_at` is when it was
    /// rejected (the reason says what the row held).
    package func reject(_ row: UnreadableOutboxRow, at time: Date) async throws {
        try await executor.execute(
            """
            INSERT INTO switchboard_outbox_rejected (id, event_type, data, idempotency_key, created_at, rejected_at, reason)
            VALUES (\(row.id), \(row.eventType), \(row.data), \(row.idempotencyKey), \(time), \(time), \(row.reason))
            """)
    }

    /// Keeps a row that cannot be published, with the reason.
    package func reject(_ row: OutboxRow, reason: String, at time: Date) async throws {
        try await executor.execute(
            """
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
