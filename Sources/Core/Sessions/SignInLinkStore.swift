import Foundation

/// Reads and writes the `console_sign_in_links` table: single-use links made by
/// `switchboard ui-link`, stored as keyed hashes of their tokens.
package struct SignInLinkStore: Sendable {
    let executor: any SQLExecutor

    /// A store running its statements on `executor`.
    package init(executor: any SQLExecutor) {
        self.executor = executor
    }

    /// Stores a new link for `apiKeyID`, usable once until `expiresAt`.
    package func insert(tokenHash: String, apiKeyID: UUID, createdAt: Date, expiresAt: Date) async throws {
        try await executor.execute(
            """
            INSERT INTO console_sign_in_links (token_hash, api_key_id, created_at, expires_at, used_at)
            VALUES (\(tokenHash), \(apiKeyID), \(createdAt), \(expiresAt), NULL)
            """)
    }

    /// Marks the link used and returns its key's id, or nil when it is unknown, used or
    /// expired. The conditional update is what makes a link single-use: of two browsers
    /// racing with one link, only one changes the row.
    package func redeem(tokenHash: String, at now: Date) async throws -> UUID? {
        let changed = try await executor.execute(
            """
            UPDATE console_sign_in_links SET used_at = \(now)
            WHERE token_hash = \(tokenHash) AND used_at IS NULL AND expires_at > \(now)
            """)
        guard changed == 1 else { return nil }
        return try await executor.first("SELECT api_key_id FROM console_sign_in_links WHERE token_hash = \(tokenHash)")?.uuid("api_key_id")
    }

    /// Removes links that expired before `now`; returns how many.
    package func deleteExpired(now: Date) async throws -> Int {
        try await executor.execute("DELETE FROM console_sign_in_links WHERE expires_at <= \(now)")
    }
}
