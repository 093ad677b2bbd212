import Foundation

/// Reads and writes `api_key_quota_windows`: requests per key in each fixed rate-limit window,
/// summed over every server process.
package struct QuotaStore: Sendable {
    let executor: any SQLExecutor

    /// A store running its statements on `executor`.
    package init(executor: any SQLExecutor) {
        self.executor = executor
    }

    /// One key's window: the key and the window's start (Unix seconds).
    package struct Window: Sendable, Hashable {
        package let keyID: UUID
        package let start: Int

        /// Creates a window.
        package init(keyID: UUID, start: Int) {
            self.keyID = keyID
            self.start = start
        }
    }

    /// Adds this process's counts to the windows' totals.
    package func add(_ counts: [Window: Int]) async throws {
        guard !counts.isEmpty else { return }
        let upsert = executor.dialect.accumulatingUpsert(
            table: "api_key_quota_windows", conflictColumns: ["key_id", "window_start"], summed: ["requests"])
        try await executor.executeAll(
            counts.map { window, count in
                """
                INSERT INTO api_key_quota_windows (key_id, window_start, requests)
                VALUES (\(window.keyID), \(window.start), \(count))\(unsafeRaw: upsert)
                """
            })
    }

    /// The totals of the given windows, as every process has added them (absent: none yet).
    package func totals(of windows: Set<Window>) async throws -> [Window: Int] {
        guard !windows.isEmpty else { return [:] }
        let keys = Array(Set(windows.map(\.keyID)))
        let starts = Array(Set(windows.map(\.start)))
        var totals: [Window: Int] = [:]
        for row in try await executor.query(
            """
            SELECT key_id, window_start, requests FROM api_key_quota_windows
            WHERE key_id IN (\(list: keys)) AND window_start IN (\(list: starts))
            """)
        {
            let window = Window(keyID: try row.uuid("key_id"), start: try row.int("window_start"))
            if windows.contains(window) { totals[window] = try row.int("requests") }
        }
        return totals
    }

    /// Removes windows that started before `start`; returns how many.
    package func deleteBefore(_ start: Int) async throws -> Int {
        try await executor.execute("DELETE FROM api_key_quota_windows WHERE window_start < \(start)")
    }
}
