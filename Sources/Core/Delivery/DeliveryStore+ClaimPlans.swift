import Foundation

extension DeliveryStore {
    /// One statement of a claim and the plan the database chose for it.
    package struct ClaimPlan: Sendable {
        /// What the statement is for.
        package var purpose: String
        /// Its text, with placeholders where values are bound.
        package var sql: String
        /// The database's plan, a line per row of its `EXPLAIN` answer.
        package var plan: [String]
    }

    /// The query plans of the statements a claim of `limit` deliveries runs, as the database
    /// would run them at `now` on the queue as it is: which index each walks, or whether it
    /// scans. Nothing is leased or changed (`EXPLAIN` alone does not run the statement); the
    /// due deliveries it reads only make the plans of the statements that take ids realistic.
    package func claimPlans(now: Date, limit: Int) async throws -> [ClaimPlan] {
        let locking = executor.dialect.claimLockingClause.map { " " + $0 } ?? ""
        let due = try await executor.query(Self.duePendingQuery(now: now, skip: "", limit: limit, locking: ""))
        var ids = try due.map { try $0.uuid("id") }
        if ids.isEmpty { ids = [UUID()] }
        let webhookID = try due.first.map { try $0.uuid("webhook_id") } ?? UUID()
        let statements: [(String, SQLQuery)] = [
            ("deliveries whose lease ran out", Self.expiredLeasesQuery(now: now, skip: "", limit: limit * 2, locking: locking)),
            ("due pending deliveries, longest waiting first", Self.duePendingQuery(now: now, skip: "", limit: limit * 2, locking: locking)),
            // A worker counts its own places from memory, so its claim leaves its own rows out.
            ("in flight per webhook (the concurrency cap)", Self.inFlightQuery(now: now, otherThan: "explain")),
            ("an open circuit's probe", Self.probeCandidateQuery(webhookID: webhookID, now: now, locking: locking)),
            ("lease the chosen deliveries", Self.leaseQuery(ids: ids, worker: "explain", until: now, now: now)),
            ("what sending them needs", Self.jobsQuery(ids: ids)),
        ]
        var plans: [ClaimPlan] = []
        for (purpose, statement) in statements {
            var explain: SQLQuery = "\(unsafeRaw: executor.dialect.explainPrefix) "
            explain.append(statement)
            let rows = try await executor.query(explain)
            plans.append(ClaimPlan(purpose: purpose, sql: statement.sql(in: executor.dialect), plan: Self.planLines(rows)))
        }
        return plans
    }

    /// `EXPLAIN` answers differ in shape: PostgreSQL gives one text column a line, SQLite a tree
    /// of `detail` rows under their `parent`, MySQL a table row per table read. Each becomes
    /// lines of text, the tree indented.
    static func planLines(_ rows: [SQLRow]) -> [String] {
        if let detail = rows.first?.columns.firstIndex(of: "detail"), let idColumn = rows.first?.columns.firstIndex(of: "id"),
            let parentColumn = rows.first?.columns.firstIndex(of: "parent")
        {
            var depth: [String: Int] = [:]
            return rows.map { row in
                let level = (depth[text(row.values[parentColumn])] ?? -1) + 1
                depth[text(row.values[idColumn])] = level
                return String(repeating: "  ", count: level) + text(row.values[detail])
            }
        }
        return rows.map { row in
            if row.values.count == 1 { return text(row.values[0]) }
            return zip(row.columns, row.values).compactMap { column, value in
                value == .null ? nil : "\(column)=\(text(value))"
            }.joined(separator: " ")
        }
    }

    private static func text(_ value: SQLValue) -> String {
        switch value {
        case .null: "NULL"
        case .integer(let number): String(number)
        case .real(let number): String(number)
        case .text(let text): text
        case .blob(let bytes): String(decoding: bytes, as: UTF8.self)
        case .bool(let flag): String(flag)
        case .uuid(let uuid): uuid.uuidString.lowercased()
        case .timestamp(let date): Timestamp.format(date)
        }
    }
}
