import Core
import Foundation
import Testing

@Suite("Retention clean-up on every database")
struct CleanupTests {
    @Test("Cleanup deletes exactly what is past its cut-off, in batches, and a dry run only counts", arguments: TestDriverKind.all)
    func cleanup(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind) { database in
            let driver = database.driver
            let now = Timestamp.truncated(Date())
            let old = now.addingTimeInterval(-100 * 86_400)
            let recent = now.addingTimeInterval(-10 * 86_400)
            let webhook = Webhook(
                id: UUID(), name: "w", url: "https://example.com/h", events: ["*"], description: nil, isActive: true,
                secret: "s3cret-s3cret-s3cret", createdAt: old, updatedAt: old)
            try await WebhookStore(executor: driver, cipher: testCipher).insert(webhook)

            func event(_ at: Date, key: String? = nil) async throws -> UUID {
                let id = UUID()
                try await driver.execute(
                    "INSERT INTO events (id, type, payload, idempotency_key, created_at) VALUES (\(id), \("contact.created"), \("{}"), \(key), \(at))"
                )
                return id
            }
            func delivery(_ event: UUID, _ status: DeliveryStatus, _ at: Date) async throws -> UUID {
                let id = UUID()
                try await driver.execute(
                    """
                    INSERT INTO webhook_deliveries (id, event_id, webhook_id, event_type, status, attempt_count, created_at, updated_at)
                    VALUES (\(id), \(event), \(webhook.id), \("contact.created"), \(status.rawValue), \(1), \(at), \(at))
                    """)
                try await driver.execute(
                    """
                    INSERT INTO webhook_attempts (id, delivery_id, attempt_number, request_headers, duration_ms, created_at)
                    VALUES (\(UUID()), \(id), \(1), \("{}"), \(5), \(at))
                    """)
                return id
            }
            func apiKey(expiresAt: Date?) async throws -> UUID {
                let id = UUID()
                try await driver.execute(
                    """
                    INSERT INTO api_keys (id, name, key_prefix, key_hash, permissions, ip_whitelist, expires_at, created_at, updated_at)
                    VALUES (\(id), \("k"), \("sbk_x"), \(UUID().uuidString), \("[]"), \("[]"), \(expiresAt), \(old), \(old))
                    """)
                try await driver.execute(
                    """
                    INSERT INTO api_key_usage (key_id, day, route_group, status_class, requests) VALUES (\(id), \("2026-01-01"), \("webhooks"), \("2xx"), \(3))
                    """)
                return id
            }

            let allGone = try await event(old)
            _ = try await delivery(allGone, .succeeded, old)
            _ = try await delivery(allGone, .failed, old)
            let stillQueued = try await event(old)
            let pending = try await delivery(stillQueued, .pending, old)
            let partly = try await event(old)
            _ = try await delivery(partly, .succeeded, old)
            let inFlight = try await delivery(partly, .inProgress, old)
            let young = try await event(recent, key: "young-key")
            let youngDelivery = try await delivery(young, .succeeded, recent)
            let fresh = try await event(now, key: "fresh-key")
            let orphan = try await event(old)
            _ = try await apiKey(expiresAt: now.addingTimeInterval(-40 * 86_400))
            let recentlyExpired = try await apiKey(expiresAt: now.addingTimeInterval(-10 * 86_400))
            let neverExpires = try await apiKey(expiresAt: nil)

            var expected = CleanupReport()
            expected.deliveries = 3
            expected.events = 2
            expected.idempotencyKeys = 1
            expected.apiKeys = 1
            let cleaner = RetentionCleaner(
                driver: driver, policy: RetentionPolicy(deliveryLogDays: 90, expiredKeyGraceDays: 30, batchSize: 2))

            #expect(try await cleaner.run(now: now, dryRun: true) == expected)
            #expect(try await driver.first("SELECT COUNT(*) AS n FROM webhook_deliveries")?.int("n") == 6)

            #expect(try await cleaner.run(now: now) == expected)
            let deliveries = Set(try await driver.query("SELECT id FROM webhook_deliveries").map { try $0.uuid("id") })
            #expect(deliveries == [pending, inFlight, youngDelivery])
            let attempts = Set(try await driver.query("SELECT delivery_id FROM webhook_attempts").map { try $0.uuid("delivery_id") })
            #expect(attempts == deliveries)
            let events = try await driver.query("SELECT id, idempotency_key FROM events")
            #expect(Set(try events.map { try $0.uuid("id") }) == [stillQueued, partly, young, fresh])
            #expect(!Set(try events.map { try $0.uuid("id") }).contains(orphan))
            let keys = Dictionary(uniqueKeysWithValues: try events.map { (try $0.uuid("id"), try $0.optionalString("idempotency_key")) })
            #expect(keys[young] == .some(nil))
            #expect(keys[fresh] == .some("fresh-key"))
            let apiKeys = Set(try await driver.query("SELECT id FROM api_keys").map { try $0.uuid("id") })
            #expect(apiKeys == [recentlyExpired, neverExpires])
            let usage = Set(try await driver.query("SELECT key_id FROM api_key_usage").map { try $0.uuid("key_id") })
            #expect(usage == apiKeys)

            // Nothing left to do: a second run removes nothing.
            #expect(try await cleaner.run(now: now) == CleanupReport())
        }
    }
}
