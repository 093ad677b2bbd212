import Foundation

/// Reads and writes the `webhooks` table.
public struct WebhookStore: Sendable {
    let executor: any SQLExecutor

    /// A store running its statements on `executor` (a driver, or an open transaction).
    public init(executor: any SQLExecutor) {
        self.executor = executor
    }

    private static let columns = """
        id, name, url, events, description, is_active, secret, consecutive_failures, disabled_reason, \
        disabled_at, max_attempts, retry_delays_ms, previous_secret, previous_secret_expires_at, created_at, updated_at
        """

    /// Stores a new webhook.
    public func insert(_ webhook: Webhook) async throws {
        try await executor.execute("""
            INSERT INTO webhooks (\(unsafeRaw: Self.columns))
            VALUES (\(webhook.id), \(webhook.name), \(webhook.url), \(JSONText.encode(webhook.events)), \(webhook.description),
                    \(webhook.isActive), \(webhook.secret), \(webhook.consecutiveFailures), \(webhook.disabledReason),
                    \(webhook.disabledAt), \(webhook.maxAttempts), \(webhook.retryDelaysMilliseconds.map(JSONText.encode)),
                    \(webhook.previousSecret), \(webhook.previousSecretExpiresAt), \(webhook.createdAt), \(webhook.updatedAt))
            """)
    }

    /// Writes every mutable field of an existing webhook; returns false when it is gone.
    @discardableResult
    public func update(_ webhook: Webhook) async throws -> Bool {
        try await executor.execute("""
            UPDATE webhooks SET name = \(webhook.name), url = \(webhook.url), events = \(JSONText.encode(webhook.events)),
                description = \(webhook.description), is_active = \(webhook.isActive), secret = \(webhook.secret),
                consecutive_failures = \(webhook.consecutiveFailures), disabled_reason = \(webhook.disabledReason),
                disabled_at = \(webhook.disabledAt), max_attempts = \(webhook.maxAttempts),
                retry_delays_ms = \(webhook.retryDelaysMilliseconds.map(JSONText.encode)), previous_secret = \(webhook.previousSecret),
                previous_secret_expires_at = \(webhook.previousSecretExpiresAt), updated_at = \(webhook.updatedAt)
            WHERE id = \(webhook.id)
            """) > 0
    }

    /// The webhook with this id, if any.
    public func find(id: UUID) async throws -> Webhook? {
        try await executor.first("SELECT \(unsafeRaw: Self.columns) FROM webhooks WHERE id = \(id)").map(Self.decode)
    }

    /// One page of webhooks, newest first.
    public func list(_ page: PageRequest) async throws -> Page<Webhook> {
        let rows = try await executor.query("""
            SELECT \(unsafeRaw: Self.columns) FROM webhooks ORDER BY created_at DESC, id DESC
            LIMIT \(page.limit) OFFSET \(page.offset)
            """)
        let total = try await executor.first("SELECT COUNT(*) AS total FROM webhooks")?.int("total") ?? 0
        return Page(items: try rows.map(Self.decode), total: total, limit: page.limit, offset: page.offset)
    }

    /// Every active webhook, for fanning an event out.
    public func active() async throws -> [Webhook] {
        try await executor.query("SELECT \(unsafeRaw: Self.columns) FROM webhooks WHERE is_active = \(true)").map(Self.decode)
    }

    /// Deletes a webhook; returns false when it did not exist.
    public func delete(id: UUID) async throws -> Bool {
        try await executor.execute("DELETE FROM webhooks WHERE id = \(id)") > 0
    }

    static func decode(_ row: SQLRow) throws -> Webhook {
        Webhook(
            id: try row.uuid("id"),
            name: try row.string("name"),
            url: try row.string("url"),
            events: try JSONText.decodeStrings(try row.string("events"), column: "events"),
            description: try row.optionalString("description"),
            isActive: try row.bool("is_active"),
            secret: try row.optionalString("secret"),
            consecutiveFailures: try row.int("consecutive_failures"),
            disabledReason: try row.optionalString("disabled_reason"),
            disabledAt: try row.optionalDate("disabled_at"),
            maxAttempts: try row.optionalInt("max_attempts"),
            retryDelaysMilliseconds: try row.optionalString("retry_delays_ms").map { try JSONText.decodeIntegers($0, column: "retry_delays_ms") },
            previousSecret: try row.optionalString("previous_secret"),
            previousSecretExpiresAt: try row.optionalDate("previous_secret_expires_at"),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
    }
}
