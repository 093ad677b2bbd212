import Foundation

/// Reads and writes the `api_keys` table. Only hashes are stored, never keys.
package struct APIKeyStore: Sendable {
    let executor: any SQLExecutor

    /// A store running its statements on `executor`.
    package init(executor: any SQLExecutor) {
        self.executor = executor
    }

    private static let columns = """
        id, name, description, key_prefix, key_hash, permissions, ip_whitelist, rate_limit_requests, \
        rate_limit_window_seconds, expires_at, last_used_at, last_used_ip, revoked_at, created_at, updated_at
        """

    /// Stores a new key record.
    package func insert(_ key: APIKey) async throws {
        try await executor.execute(
            """
            INSERT INTO api_keys (\(unsafeRaw: Self.columns))
            VALUES (\(key.id), \(key.name), \(key.description), \(key.prefix), \(key.keyHash),
                    \(JSONText.encode(key.permissions.map(\.rawValue))), \(JSONText.encode(key.ipWhitelist)),
                    \(key.rateLimit?.requests), \(key.rateLimit?.windowSeconds), \(key.expiresAt), \(key.lastUsedAt),
                    \(key.lastUsedAddress), \(key.revokedAt), \(key.createdAt), \(key.updatedAt))
            """)
    }

    /// Writes every mutable field of an existing key; returns false when it is gone.
    @discardableResult
    package func update(_ key: APIKey) async throws -> Bool {
        try await executor.execute(
            """
            UPDATE api_keys SET name = \(key.name), description = \(key.description), key_prefix = \(key.prefix),
                key_hash = \(key.keyHash), permissions = \(JSONText.encode(key.permissions.map(\.rawValue))),
                ip_whitelist = \(JSONText.encode(key.ipWhitelist)), rate_limit_requests = \(key.rateLimit?.requests),
                rate_limit_window_seconds = \(key.rateLimit?.windowSeconds), expires_at = \(key.expiresAt),
                revoked_at = \(key.revokedAt), updated_at = \(key.updatedAt)
            WHERE id = \(key.id)
            """) > 0
    }

    /// Records a use of the key and where it came from.
    package func touch(id: UUID, at time: Date, from address: String?) async throws {
        try await executor.execute("UPDATE api_keys SET last_used_at = \(time), last_used_ip = \(address) WHERE id = \(id)")
    }

    /// The key with this id, if any.
    package func find(id: UUID) async throws -> APIKey? {
        try await executor.first("SELECT \(unsafeRaw: Self.columns) FROM api_keys WHERE id = \(id)").map(Self.decode)
    }

    /// The key whose keyed hash is `hash`, if any.
    package func find(hash: String) async throws -> APIKey? {
        try await executor.first("SELECT \(unsafeRaw: Self.columns) FROM api_keys WHERE key_hash = \(hash)").map(Self.decode)
    }

    /// The key that was regenerated from the key with this hash, while its grace period lasts.
    package func find(previousHash hash: String, validAt now: Date) async throws -> APIKey? {
        try await executor.first(
            """
            SELECT \(unsafeRaw: Self.columns) FROM api_keys WHERE previous_key_hash = \(hash) AND previous_key_expires_at > \(now)
            """
        ).map(Self.decode)
    }

    /// Keeps the replaced key's hash working until `until` (or not at all when nil).
    package func setPrevious(id: UUID, hash: String?, until: Date?) async throws {
        try await executor.execute("UPDATE api_keys SET previous_key_hash = \(hash), previous_key_expires_at = \(until) WHERE id = \(id)")
    }

    /// One page of keys, newest first; revoked keys only when asked for.
    package func list(_ page: PageRequest, includeRevoked: Bool = false) async throws -> Page<APIKey> {
        let filter: SQLQuery = includeRevoked ? "" : "WHERE revoked_at IS NULL"
        return try await executor.page(
            columns: "\(unsafeRaw: Self.columns)", from: "FROM api_keys \(filter)", orderBy: "created_at DESC, id DESC",
            limit: page.limit, offset: page.offset, decode: Self.decode)
    }

    /// The name and display prefix of each of the given keys that exists.
    package func namesAndPrefixes(ids: [UUID]) async throws -> [UUID: (String, String)] {
        guard !ids.isEmpty else { return [:] }
        var names: [UUID: (String, String)] = [:]
        for row in try await executor.query("SELECT id, name, key_prefix FROM api_keys WHERE id IN (\(list: ids))") {
            names[try row.uuid("id")] = (try row.string("name"), try row.string("key_prefix"))
        }
        return names
    }

    /// How many key records exist, revoked ones included.
    package func count() async throws -> Int {
        try await executor.first("SELECT COUNT(*) AS total FROM api_keys")?.int("total") ?? 0
    }

    static func decode(_ row: SQLRow) throws -> APIKey {
        var rateLimit: RateLimit?
        if let requests = try row.optionalInt("rate_limit_requests"), let window = try row.optionalInt("rate_limit_window_seconds") {
            rateLimit = RateLimit(requests: requests, windowSeconds: window)
        }
        let permissionNames = try JSONText.decodeStrings(try row.string("permissions"), column: "permissions")
        return APIKey(
            id: try row.uuid("id"),
            name: try row.string("name"),
            description: try row.optionalString("description"),
            prefix: try row.string("key_prefix"),
            keyHash: try row.string("key_hash"),
            permissions: try permissionNames.map {
                guard let permission = Permission(rawValue: $0) else {
                    throw StorageError.typeMismatch(column: "permissions", expected: "known permission", found: .text($0))
                }
                return permission
            },
            ipWhitelist: try JSONText.decodeStrings(try row.string("ip_whitelist"), column: "ip_whitelist"),
            rateLimit: rateLimit,
            expiresAt: try row.optionalDate("expires_at"),
            lastUsedAt: try row.optionalDate("last_used_at"),
            lastUsedAddress: try row.optionalString("last_used_ip"),
            revokedAt: try row.optionalDate("revoked_at"),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
    }
}
