import Foundation

/// Reads and writes `api_key_usage`: request counts per key, UTC day, route group and status
/// class.
package struct UsageStore: Sendable {
    let executor: any SQLExecutor

    /// A store running its statements on `executor`.
    package init(executor: any SQLExecutor) {
        self.executor = executor
    }

    /// One counted cell: the key, day (`YYYY-MM-DD`), route group and status class (`2xx`).
    package struct Cell: Sendable, Hashable {
        package let keyID: UUID
        package let day: String
        package let routeGroup: String
        package let statusClass: String

        /// Creates a cell.
        package init(keyID: UUID, day: String, routeGroup: String, statusClass: String) {
            self.keyID = keyID
            self.day = day
            self.routeGroup = routeGroup
            self.statusClass = statusClass
        }
    }

    /// Adds the counts to their cells in one transaction's worth of upserts.
    package func add(_ counts: [Cell: Int]) async throws {
        let upsert = executor.dialect.accumulatingUpsert(
            table: "api_key_usage", conflictColumns: ["key_id", "day", "route_group", "status_class"], summed: ["requests"])
        try await executor.executeAll(
            counts.map { cell, count in
                """
                INSERT INTO api_key_usage (key_id, day, route_group, status_class, requests)
                VALUES (\(cell.keyID), \(cell.day), \(cell.routeGroup), \(cell.statusClass), \(count))\(unsafeRaw: upsert)
                """
            })
    }

    /// One key's rows between two days (inclusive), oldest first.
    package func rows(keyID: UUID, firstDay: String, lastDay: String) async throws -> [UsageRow] {
        try await executor.query(
            """
            SELECT day, route_group, status_class, requests FROM api_key_usage
            WHERE key_id = \(keyID) AND day >= \(firstDay) AND day <= \(lastDay)
            ORDER BY day, route_group, status_class
            """
        ).map {
            UsageRow(
                day: try $0.string("day"), routeGroup: try $0.string("route_group"), statusClass: try $0.string("status_class"),
                requests: try $0.int("requests"))
        }
    }

    /// Requests per key, day and status class between two days (inclusive), every key.
    package func requestsByKeyAndDay(firstDay: String, lastDay: String) async throws -> [(
        keyID: UUID, day: String, statusClass: String, requests: Int
    )] {
        try await executor.query(
            """
            SELECT key_id, day, status_class, SUM(requests) AS requests FROM api_key_usage
            WHERE day >= \(firstDay) AND day <= \(lastDay) GROUP BY key_id, day, status_class
            """
        ).map { (try $0.uuid("key_id"), try $0.string("day"), try $0.string("status_class"), try $0.int("requests")) }
    }

    /// The statement removing the counts of deleted keys.
    static func deleteQuery(keyIDs: [UUID]) -> SQLQuery {
        "DELETE FROM api_key_usage WHERE key_id IN (\(list: keyIDs))"
    }
}
