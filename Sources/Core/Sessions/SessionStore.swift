import Foundation

/// Reads and writes the `console_sessions` table. Only keyed hashes of session tokens are
/// stored, never tokens.
package struct SessionStore: Sendable {
    let executor: any SQLExecutor

    /// A store running its statements on `executor`.
    package init(executor: any SQLExecutor) {
        self.executor = executor
    }

    private static let columns = "token_hash, api_key_id, key_hash, client_address, created_at, last_seen_at, expires_at"

    /// Stores a new session.
    package func insert(_ session: ConsoleSession) async throws {
        try await executor.execute(
            """
            INSERT INTO console_sessions (\(unsafeRaw: Self.columns))
            VALUES (\(session.tokenHash), \(session.apiKeyID), \(session.keyHash), \(session.clientAddress),
                    \(session.createdAt), \(session.lastSeenAt), \(session.expiresAt))
            """)
    }

    /// The session stored under this token hash, if any (expired or not).
    package func find(tokenHash: String) async throws -> ConsoleSession? {
        try await executor.first("SELECT \(unsafeRaw: Self.columns) FROM console_sessions WHERE token_hash = \(tokenHash)").map(Self.decode)
    }

    /// Moves the session's last-seen time, which the idle timeout counts from.
    package func touch(tokenHash: String, at time: Date) async throws {
        try await executor.execute("UPDATE console_sessions SET last_seen_at = \(time) WHERE token_hash = \(tokenHash)")
    }

    /// Ends one session; true when it existed.
    @discardableResult
    package func delete(tokenHash: String) async throws -> Bool {
        try await executor.execute("DELETE FROM console_sessions WHERE token_hash = \(tokenHash)") > 0
    }

    /// Removes sessions past their absolute end or idle since before `idleSince`; returns how
    /// many.
    package func deleteEnded(now: Date, idleSince: Date) async throws -> Int {
        try await executor.execute("DELETE FROM console_sessions WHERE expires_at <= \(now) OR last_seen_at < \(idleSince)")
    }

    static func decode(_ row: SQLRow) throws -> ConsoleSession {
        ConsoleSession(
            tokenHash: try row.string("token_hash"),
            apiKeyID: try row.uuid("api_key_id"),
            keyHash: try row.string("key_hash"),
            clientAddress: try row.optionalString("client_address"),
            createdAt: try row.date("created_at"),
            lastSeenAt: try row.date("last_seen_at"),
            expiresAt: try row.date("expires_at"))
    }
}
