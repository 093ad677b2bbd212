import Foundation

/// Filters for the audit trail.
package struct AuditFilter: Sendable, Equatable {
    package var actorKeyID: UUID?
    package var action: String?
    package var targetID: String?
    package var since: Date?
    /// Only entries of this kind of target (`webhook`, `api_key`, …).
    package var targetType: String?

    /// Creates a filter; nil fields do not filter.
    package init(actorKeyID: UUID? = nil, action: String? = nil, targetID: String? = nil, since: Date? = nil, targetType: String? = nil) {
        self.actorKeyID = actorKeyID
        self.action = action
        self.targetID = targetID
        self.since = since
        self.targetType = targetType
    }
}

/// Reads and writes `audit_logs`.
package struct AuditStore: Sendable {
    let executor: any SQLExecutor

    /// A store running its statements on `executor`.
    package init(executor: any SQLExecutor) {
        self.executor = executor
    }

    /// Records an entry.
    package func insert(_ entry: AuditEntry) async throws {
        try await executor.execute(
            """
            INSERT INTO audit_logs (id, actor_key_id, action, target_type, target_id, client_address, changes, created_at)
            VALUES (\(entry.id), \(entry.actorKeyID), \(entry.action), \(entry.targetType), \(entry.targetID),
                    \(entry.clientAddress), \(entry.changes), \(entry.createdAt))
            """)
    }

    /// Entries newest first.
    package func list(_ filter: AuditFilter, after cursor: (Date, UUID)? = nil, limit: Int) async throws -> [AuditEntry] {
        var conditions: [SQLQuery] = []
        if let actor = filter.actorKeyID { conditions.append("actor_key_id = \(actor)") }
        if let action = filter.action { conditions.append("action = \(action)") }
        if let target = filter.targetID { conditions.append("target_id = \(target)") }
        if let since = filter.since { conditions.append("created_at >= \(since)") }
        if let targetType = filter.targetType { conditions.append("target_type = \(targetType)") }
        if let (createdAt, id) = cursor {
            conditions.append("(created_at < \(createdAt) OR (created_at = \(createdAt) AND id < \(id)))")
        }
        let query: SQLQuery = """
            SELECT id, actor_key_id, action, target_type, target_id, client_address, changes, created_at
            FROM audit_logs\(SQLQuery.whereClause(conditions)) ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """
        return try await executor.query(query).map { row in
            AuditEntry(
                id: try row.uuid("id"), actorKeyID: try row.optionalUUID("actor_key_id"), action: try row.string("action"),
                targetType: try row.string("target_type"), targetID: try row.optionalString("target_id"),
                clientAddress: try row.optionalString("client_address"), changes: try row.optionalString("changes"),
                createdAt: try row.date("created_at"))
        }
    }
}
