import Synchronization
import Core
import Foundation
import Testing

@Suite("Stores and services on every database")
struct StoreTests {
    @Test("A list page and its total come from one query; a page past the end still has the total", arguments: TestDriverKind.all)
    func listPages(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            for index in 0..<5 {
                _ = try await server.components.webhooks.create(
                    WebhookDraft(name: "w\(index)", url: "https://a.example/\(index)", events: ["*"]))
            }
            var names: [String] = []
            for offset in stride(from: 0, to: 5, by: 2) {
                let page = try await server.components.webhooks.list(try PageRequest(limit: 2, offset: offset))
                #expect(page.total == 5)
                #expect(page.items.count == min(2, 5 - offset))
                names += page.items.map(\.name)
            }
            #expect(names.sorted() == ["w0", "w1", "w2", "w3", "w4"])
            let beyond = try await server.components.webhooks.list(try PageRequest(limit: 2, offset: 10))
            #expect(beyond.items.isEmpty)
            #expect(beyond.total == 5)
            let filtered = try await server.components.webhooks.list(
                try PageRequest(limit: 2, offset: 0), filter: WebhookListFilter(text: "w3"))
            #expect(filtered.items.map(\.name) == ["w3"])
            #expect(filtered.total == 1)
            let none = try await server.components.webhooks.list(
                try PageRequest(limit: 2, offset: 0), filter: WebhookListFilter(text: "nothing"))
            #expect(none.items.isEmpty && none.total == 0)
        }
    }

    @Test("Webhook store: insert, find, page, update, delete", arguments: TestDriverKind.all)
    func webhookStore(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind) { database in
            let store = WebhookStore(executor: database.driver, cipher: testCipher)
            let base = Timestamp.truncated(Date())
            var created: [Webhook] = []
            for index in 0..<5 {
                let webhook = Webhook(
                    id: UUID(), name: "hook \(index)", url: "https://example.com/\(index)", events: ["contact.created", "*"],
                    description: index == 0 ? nil : "d\(index)", isActive: index % 2 == 0, secret: "s3cret-s3cret-s3cret",
                    createdAt: base.addingTimeInterval(Double(index)), updatedAt: base)
                try await store.insert(webhook)
                created.append(webhook)
            }
            #expect(try await store.find(id: created[0].id) == created[0])
            #expect(try await store.find(id: UUID()) == nil)

            let page = try await store.list(try PageRequest(limit: 2, offset: 1))
            #expect(page.total == 5)
            #expect(page.items.map(\.name) == ["hook 3", "hook 2"])

            var changed = created[1]
            changed.name = "renamed"
            changed.isActive = true
            changed.disabledAt = base
            #expect(try await store.update(changed))
            #expect(try await store.find(id: changed.id) == changed)

            #expect(try await store.delete(id: changed.id))
            #expect(try await !store.delete(id: changed.id))
            #expect(try await store.list(try PageRequest()).total == 4)
        }
    }

    @Test("Transactions commit together or not at all", arguments: TestDriverKind.all)
    func transactions(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind) { database in
            let driver = database.driver
            let now = Date()
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await driver.transaction { tx in
                    try await tx.execute("INSERT INTO event_types (name, description, created_at) VALUES (\("a.b"), \("x"), \(now))")
                    throw Boom()
                }
            }
            #expect(try await driver.query("SELECT name FROM event_types").isEmpty)

            try await driver.transaction { tx in
                try await tx.execute("INSERT INTO event_types (name, description, created_at) VALUES (\("a.b"), \("x"), \(now))")
                // Reads inside the transaction see its own writes.
                #expect(try await tx.query("SELECT name FROM event_types").count == 1)
            }
            #expect(try await driver.query("SELECT name FROM event_types").count == 1)
        }
    }

    @Test("Concurrent transactions and writes do not interleave", arguments: TestDriverKind.all)
    func concurrentWrites(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind) { database in
            let driver = database.driver
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        if index % 2 == 0 {
                            try await driver.transaction { tx in
                                try await tx.execute(
                                    "INSERT INTO event_types (name, description, created_at) VALUES (\("t.\(index)"), \("x"), \(Date()))")
                                try await tx.execute("UPDATE event_types SET description = \("y") WHERE name = \("t.\(index)")")
                            }
                        } else {
                            try await driver.execute(
                                "INSERT INTO event_types (name, description, created_at) VALUES (\("w.\(index)"), \("x"), \(Date()))")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await driver.first("SELECT COUNT(*) AS n FROM event_types")?.int("n") == 40)
            #expect(try await driver.first("SELECT COUNT(*) AS n FROM event_types WHERE description = \("y")")?.int("n") == 20)
        }
    }

    @Test("Unique violations surface as StorageError.uniqueViolation", arguments: TestDriverKind.all)
    func uniqueViolation(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind) { database in
            let insert: SQLQuery = "INSERT INTO event_types (name, description, created_at) VALUES (\("a.b"), \("x"), \(Date()))"
            try await database.driver.execute(insert)
            await #expect {
                try await database.driver.execute(insert)
            } throws: { error in
                if case StorageError.uniqueViolation = error { true } else { false }
            }
        }
    }

    @Test("Webhook service validates fields", arguments: TestDriverKind.all)
    func webhookValidation(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind) { database in
            let service = WebhookService(driver: database.driver, cipher: testCipher)
            let good = WebhookDraft(name: "n", url: "https://example.com/hook", events: ["contact.created"])
            let created = try await service.create(good)
            #expect(created.secret?.hasPrefix("whsec_") == true)
            #expect(created.isActive)

            var bad = good
            bad.url = "ftp://example.com"
            await #expect(throws: SwitchboardError.self) { try await service.create(bad) }
            bad = good
            bad.events = ["contact.exploded"]
            await #expect(throws: SwitchboardError.self) { try await service.create(bad) }
            bad = good
            bad.name = "   "
            await #expect(throws: SwitchboardError.self) { try await service.create(bad) }

            let deduplicated = try await service.create(
                WebhookDraft(name: "n", url: "http://a.example", events: ["*", "*", "contact.created"]))
            #expect(deduplicated.events == ["*", "contact.created"])
        }
    }

    @Test("Re-enabling a disabled webhook clears its failure state", arguments: TestDriverKind.all)
    func reenable(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind) { database in
            let service = WebhookService(driver: database.driver, cipher: testCipher)
            var webhook = try await service.create(WebhookDraft(name: "n", url: "https://example.com", events: ["*"]))
            webhook.isActive = false
            webhook.consecutiveFailures = 10
            webhook.disabledReason = "10 consecutive failures"
            webhook.disabledAt = Timestamp.truncated(Date())
            try await WebhookStore(executor: database.driver, cipher: testCipher).update(webhook)

            let enabled = try await service.update(id: webhook.id, changes: WebhookChanges(isActive: true))
            #expect(enabled.isActive)
            #expect(enabled.consecutiveFailures == 0)
            #expect(enabled.disabledReason == nil)
            #expect(enabled.disabledAt == nil)
        }
    }

    @Test("API keys: verify, revoke, regenerate, expire; only hashes stored", arguments: TestDriverKind.all)
    func apiKeyLifecycle(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind) { database in
            let clock = MutableClock(Date())
            let service = APIKeyService(
                driver: database.driver, secrets: SecretMaterial(serverSecret: "server-secret-for-tests"), defaultExpiryDays: 365,
                environment: CoreEnvironment(now: { clock.now }))
            let issued = try await service.create(APIKeyDraft(name: "k", permissions: [.readWebhooks, .readWebhooks]))
            #expect(issued.record.permissions == [.readWebhooks])
            #expect(issued.record.expiresAt.map { abs($0.timeIntervalSince(clock.now) - 365 * 86_400) < 1 } == true)
            #expect(try await service.authenticate(token: issued.plaintext).id == issued.record.id)

            let regenerated = try await service.regenerate(id: issued.record.id)
            await #expect(throws: SwitchboardError(.unauthenticated, code: "invalid_api_key", message: "the API key is not valid")) {
                try await service.authenticate(token: issued.plaintext)
            }
            #expect(try await service.authenticate(token: regenerated.plaintext).id == issued.record.id)

            clock.advance(366 * 86_400)
            await #expect { try await service.authenticate(token: regenerated.plaintext) } throws: {
                ($0 as? SwitchboardError)?.code == "key_expired"
            }

            let other = try await service.create(APIKeyDraft(name: "k2", permissions: [.all]))
            _ = try await service.revoke(id: other.record.id)
            await #expect { try await service.authenticate(token: other.plaintext) } throws: {
                ($0 as? SwitchboardError)?.code == "key_revoked"
            }

            let stored = try await database.driver.query("SELECT * FROM api_keys").flatMap(\.values).map { "\($0)" }.joined()
            for plaintext in [issued.plaintext, regenerated.plaintext, other.plaintext] {
                #expect(!stored.contains(plaintext))
            }
            guard database.path != nil else { return }
            let bytes = try database.rawBytes()
            for plaintext in [issued.plaintext, regenerated.plaintext, other.plaintext] {
                #expect(bytes.range(of: Data(plaintext.utf8)) == nil)
            }
        }
    }

    @Test("Bootstrap creates one admin key only when none exists", arguments: TestDriverKind.all)
    func bootstrap(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind) { database in
            let service = APIKeyService(
                driver: database.driver, secrets: SecretMaterial(serverSecret: "server-secret-for-tests"), defaultExpiryDays: 0)
            let admin = try #require(try await service.bootstrapAdminKeyIfNeeded())
            #expect(admin.record.permissions == [.all])
            #expect(admin.record.expiresAt == nil)
            #expect(try await service.bootstrapAdminKeyIfNeeded() == nil)
        }
    }
}

/// The cipher tests use for webhook secrets.
let testCipher = SecretCipher(serverSecret: TestServer.secret)

/// A clock tests can move.
final class MutableClock: Sendable {
    private let storage: Mutex<Date>

    init(_ start: Date) { storage = Mutex(start) }

    var now: Date { storage.withLock { $0 } }

    func advance(_ seconds: TimeInterval) {
        storage.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

@Suite("Transactions")
struct TransactionScopeTests {
    @Test("The driver itself called inside one of its transactions throws at once instead of waiting for it", arguments: TestDriverKind.all)
    func outerDriverInsideTransaction(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind) { database in
            let driver = database.driver
            await #expect(throws: StorageError.self) {
                try await driver.transaction { _ in try await driver.execute("DELETE FROM audit_logs") }
            }
            await #expect(throws: StorageError.self) {
                try await driver.transaction { _ in
                    try await driver.transaction { inner in try await inner.execute("DELETE FROM audit_logs") }
                }
            }
            // The executor the body is given works, and so does the driver afterwards.
            _ = try await driver.transaction { transaction in try await transaction.execute("DELETE FROM audit_logs") }
            #expect(try await driver.query("SELECT COUNT(*) AS n FROM audit_logs").first?.int("n") == 0)
        }
    }
}
