import Foundation

/// Which webhooks a list shows.
package struct WebhookListFilter: Sendable, Equatable {
    /// Which webhooks by state: `active`, `disabled`, or `failing` (active, with failures in
    /// a row).
    package enum State: String, Sendable, CaseIterable {
        case active, disabled, failing
    }

    /// Text the name or URL contains, ignoring case.
    package var text: String?
    package var state: State?

    /// Creates a filter; nil fields do not filter.
    package init(text: String? = nil, state: State? = nil) {
        self.text = text
        self.state = state
    }
}

/// Reads and writes the `webhooks` table.
package struct WebhookStore: Sendable {
    let executor: any SQLExecutor
    let cipher: SecretCipher

    /// A store running its statements on `executor` (a driver, or an open transaction);
    /// signing secrets are encrypted with `cipher` on the way in and decrypted on the way out.
    package init(executor: any SQLExecutor, cipher: SecretCipher) {
        self.executor = executor
        self.cipher = cipher
    }

    private static let columns = """
        id, name, url, events, description, is_active, secret, consecutive_failures, disabled_reason, \
        disabled_at, max_retries, retry_delays_ms, previous_secret, previous_secret_expires_at, created_at, updated_at, \
        consecutive_failed_deliveries, circuit_state, circuit_failures, circuit_probes, circuit_opened_at, \
        circuit_next_probe_at, circuit_probe_until, circuit_closed_at, max_deliveries_per_second
        """

    /// The columns a new webhook is written with; the counters and the circuit start at
    /// their defaults.
    private static let insertedColumns = """
        id, name, url, events, description, is_active, secret, consecutive_failures, disabled_reason, \
        disabled_at, max_retries, retry_delays_ms, previous_secret, previous_secret_expires_at, created_at, updated_at, \
        max_deliveries_per_second
        """

    /// Stores a new webhook.
    package func insert(_ webhook: Webhook) async throws {
        try await executor.execute(
            """
            INSERT INTO webhooks (\(unsafeRaw: Self.insertedColumns))
            VALUES (\(webhook.id), \(webhook.name), \(webhook.url), \(JSONText.encode(webhook.events)), \(webhook.description),
                    \(webhook.isActive), \(try webhook.secret.map(cipher.seal)), \(webhook.consecutiveFailures), \(webhook.disabledReason),
                    \(webhook.disabledAt), \(webhook.maxRetries), \(webhook.retryDelaysMs.map(JSONText.encode)),
                    \(try webhook.previousSecret.map(cipher.seal)), \(webhook.previousSecretExpiresAt), \(webhook.createdAt), \(webhook.updatedAt),
                    \(webhook.maxDeliveriesPerSecond))
            """)
    }

    /// Writes every mutable field of an existing webhook but its secrets (so an update never
    /// rewrites, or loses, a stored secret it did not change); returns false when it is gone.
    @discardableResult
    package func update(_ webhook: Webhook) async throws -> Bool {
        try await executor.execute(
            """
            UPDATE webhooks SET name = \(webhook.name), url = \(webhook.url), events = \(JSONText.encode(webhook.events)),
                description = \(webhook.description), is_active = \(webhook.isActive),
                consecutive_failures = \(webhook.consecutiveFailures), disabled_reason = \(webhook.disabledReason),
                disabled_at = \(webhook.disabledAt), max_retries = \(webhook.maxRetries),
                retry_delays_ms = \(webhook.retryDelaysMs.map(JSONText.encode)), max_deliveries_per_second = \(webhook.maxDeliveriesPerSecond),
                updated_at = \(webhook.updatedAt)
            WHERE id = \(webhook.id)
            """) > 0
    }

    /// Writes a webhook's secret, the previous one and its expiry; returns false when it is gone.
    @discardableResult
    package func updateSecrets(_ webhook: Webhook) async throws -> Bool {
        try await executor.execute(
            """
            UPDATE webhooks SET secret = \(try webhook.secret.map(cipher.seal)),
                previous_secret = \(try webhook.previousSecret.map(cipher.seal)),
                previous_secret_expires_at = \(webhook.previousSecretExpiresAt), updated_at = \(webhook.updatedAt)
            WHERE id = \(webhook.id)
            """) > 0
    }

    /// The webhook with this id, if any.
    package func find(id: UUID) async throws -> Webhook? {
        try await executor.first("SELECT \(unsafeRaw: Self.columns) FROM webhooks WHERE id = \(id)").map(decode)
    }

    /// One page of webhooks, newest first.
    package func list(_ page: PageRequest, filter: WebhookListFilter = WebhookListFilter()) async throws -> Page<Webhook> {
        var conditions: [SQLQuery] = []
        if let text = filter.text, !text.isEmpty {
            // `!` escapes LIKE's wildcards in the search text; it needs no escaping itself in
            // any of the three dialects' string literals, unlike a backslash in MySQL.
            let pattern =
                "%"
                + text.lowercased().replacingOccurrences(of: "!", with: "!!").replacingOccurrences(of: "%", with: "!%")
                .replacingOccurrences(of: "_", with: "!_") + "%"
            conditions.append("(LOWER(name) LIKE \(pattern) ESCAPE '!' OR LOWER(url) LIKE \(pattern) ESCAPE '!')")
        }
        switch filter.state {
        case .active?: conditions.append("is_active = \(true)")
        case .disabled?: conditions.append("is_active = \(false)")
        case .failing?: conditions.append("is_active = \(true) AND consecutive_failures > 0")
        case nil: break
        }
        let condition = SQLQuery.whereClause(conditions)
        return try await executor.page(
            columns: "\(unsafeRaw: Self.columns)", from: "FROM webhooks\(condition)", orderBy: "created_at DESC, id DESC",
            limit: page.limit, offset: page.offset, decode: decode)
    }

    /// A webhook's URL, if it exists.
    package static func url(id: UUID, on executor: any SQLExecutor) async throws -> String? {
        try await executor.first("SELECT url FROM webhooks WHERE id = \(id)")?.string("url")
    }

    /// Id and subscribed event types of every active webhook, for fanning an event out
    /// (secrets are not read, so nothing is decrypted on the publish path).
    package static func activeSubscriptions(on executor: any SQLExecutor) async throws -> [(id: UUID, events: [String])] {
        try await executor.query("SELECT id, events FROM webhooks WHERE is_active = \(true)").map {
            (try $0.uuid("id"), try JSONText.decodeStrings(try $0.string("events"), column: "events"))
        }
    }

    /// Whether a webhook exists.
    package static func exists(id: UUID, on executor: any SQLExecutor) async throws -> Bool {
        try await executor.first("SELECT id FROM webhooks WHERE id = \(id)") != nil
    }

    /// Moves a webhook's announced health state from `old` to `new`; false when another
    /// process moved it first (a compare-and-set, so each change is announced once).
    package static func changeHealthState(id: UUID, from old: String, to new: String, at now: Date, on executor: any SQLExecutor)
        async throws -> Bool
    {
        try await executor.execute(
            """
            UPDATE webhooks SET health_state = \(new), health_changed_at = \(now)
            WHERE id = \(id) AND health_state = \(old)
            """) == 1
    }

    /// Every webhook's stored secret and previous secret as they are in the table (encrypted
    /// or not), for re-encryption.
    package func storedSecrets() async throws -> [(id: UUID, secret: String?, previous: String?)] {
        try await executor.query("SELECT id, secret, previous_secret FROM webhooks").map {
            (try $0.uuid("id"), try $0.optionalString("secret"), try $0.optionalString("previous_secret"))
        }
    }

    /// Writes stored secret text as given (already encrypted by the caller).
    package func replaceStoredSecrets(id: UUID, secret: String?, previous: String?) async throws {
        try await executor.execute("UPDATE webhooks SET secret = \(secret), previous_secret = \(previous) WHERE id = \(id)")
    }

    /// Deletes a webhook; returns false when it did not exist.
    package func delete(id: UUID) async throws -> Bool {
        try await executor.execute("DELETE FROM webhooks WHERE id = \(id)") > 0
    }

    /// A stored secret in the clear, or nil with `unreadable` set when this server's key
    /// cannot open it: one such row must not make listing or rotating webhooks fail.
    private func open(_ stored: String?, unreadable: inout Bool) -> String? {
        guard let stored else { return nil }
        do {
            return try cipher.open(stored)
        } catch {
            unreadable = true
            return nil
        }
    }

    func decode(_ row: SQLRow) throws -> Webhook {
        var unreadable = false
        var ignored = false
        var webhook = Webhook(
            id: try row.uuid("id"),
            name: try row.string("name"),
            url: try row.string("url"),
            events: try JSONText.decodeStrings(try row.string("events"), column: "events"),
            description: try row.optionalString("description"),
            isActive: try row.bool("is_active"),
            secret: open(try row.optionalString("secret"), unreadable: &unreadable),
            consecutiveFailures: try row.int("consecutive_failures"),
            disabledReason: try row.optionalString("disabled_reason"),
            disabledAt: try row.optionalDate("disabled_at"),
            maxRetries: try row.optionalInt("max_retries"),
            retryDelaysMs: try row.optionalString("retry_delays_ms").map { try JSONText.decodeIntegers($0, column: "retry_delays_ms") },
            previousSecret: open(try row.optionalString("previous_secret"), unreadable: &ignored),
            previousSecretExpiresAt: try row.optionalDate("previous_secret_expires_at"),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
        webhook.consecutiveFailedDeliveries = try row.int("consecutive_failed_deliveries")
        webhook.circuit = try Self.circuit(row)
        webhook.maxDeliveriesPerSecond = try row.optionalDouble("max_deliveries_per_second")
        webhook.secretIsUnreadable = unreadable
        return webhook
    }
}
