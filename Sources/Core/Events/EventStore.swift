import Foundation

/// Reads and writes the `events` table.
package struct EventStore: Sendable {
    let executor: any SQLExecutor

    /// A store running its statements on `executor`.
    package init(executor: any SQLExecutor) {
        self.executor = executor
    }

    /// Stores an event.
    package func insert(_ event: Event) async throws {
        try await executor.execute(Self.insertQuery(event))
    }

    /// The statement behind `insert(_:)`.
    static func insertQuery(_ event: Event) -> SQLQuery {
        """
        INSERT INTO events (id, type, payload, idempotency_key, created_at, source)
        VALUES (\(event.id), \(event.type), \(event.payload), \(event.idempotencyKey), \(event.createdAt), \(event.source))
        """
    }

    /// Multi-row `INSERT`s for events published together, one per chunk.
    static func insertQueries(_ events: [Event]) -> [SQLQuery] {
        SQLQuery.multiRowInserts(
            "INSERT INTO events (id, type, payload, idempotency_key, created_at, source) VALUES ",
            rows: events.map { "(\($0.id), \($0.type), \($0.payload), \($0.idempotencyKey), \($0.createdAt), \($0.source))" },
            chunk: DeliveryStore.insertChunk)
    }

    /// The event holding an idempotency key, if any.
    package func find(idempotencyKey: String) async throws -> Event? {
        try await executor.first(
            "SELECT id, type, payload, idempotency_key, created_at, source FROM events WHERE idempotency_key = \(idempotencyKey)"
        )
        .map(Self.decode)
    }

    /// The event with this id, if any.
    package func find(id: UUID) async throws -> Event? {
        try await executor.first("SELECT id, type, payload, idempotency_key, created_at, source FROM events WHERE id = \(id)").map(
            Self.decode)
    }

    /// Frees an expired idempotency key so a new event may take it.
    package func releaseIdempotencyKey(eventID: UUID) async throws {
        try await executor.execute("UPDATE events SET idempotency_key = NULL WHERE id = \(eventID)")
    }

    static func decode(_ row: SQLRow) throws -> Event {
        Event(
            id: try row.uuid("id"), type: try row.string("type"), payload: try row.string("payload"),
            idempotencyKey: try row.optionalString("idempotency_key"), createdAt: try row.date("created_at"),
            source: try row.optionalString("source"))
    }
}
