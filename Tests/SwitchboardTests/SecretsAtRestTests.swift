import Core
import Foundation
import Testing

@Suite("Secrets at rest")
struct SecretsAtRestTests {
    @Test("Webhook secrets are stored encrypted and read back; old plaintext rows are encrypted at start")
    func encrypted() async throws {
        try await withTestServer { server in
            let webhook = try await server.components.webhooks.create(
                WebhookDraft(name: "s", url: "https://a.example", events: ["*"], secret: "my-plaintext-signing-secret"))
            #expect(try await server.components.webhooks.get(id: webhook.id).secret == "my-plaintext-signing-secret")
            let rotated = try await server.components.webhooks.rotateSecret(id: webhook.id, newSecret: nil, overlap: .seconds(3600))
            let stored = try #require(
                try await server.database.driver.first("SELECT secret, previous_secret FROM webhooks WHERE id = \(webhook.id)"))
            #expect(try stored.string("secret").hasPrefix("enc:v1:"))
            #expect(try stored.string("previous_secret").hasPrefix("enc:v1:"))
            #expect(try await server.components.webhooks.get(id: webhook.id).previousSecret == "my-plaintext-signing-secret")

            // A row written before encryption existed.
            let legacy = UUID()
            let now = Date()
            try await server.database.driver.execute(
                """
                INSERT INTO webhooks (id, name, url, events, is_active, secret, consecutive_failures, created_at, updated_at)
                VALUES (\(legacy), \("legacy"), \("https://b.example"), \("[\"*\"]"), \(true), \("legacy-plain-secret-value"), \(0), \(now), \(now))
                """)
            #expect(try await server.components.webhooks.get(id: legacy).secret == "legacy-plain-secret-value")
            #expect(try await server.components.cipher.encryptPlaintextSecrets(driver: server.database.driver) == 1)
            #expect(try await server.components.cipher.encryptPlaintextSecrets(driver: server.database.driver) == 0)
            #expect(try await server.components.webhooks.get(id: legacy).secret == "legacy-plain-secret-value")

            // Secrets that only ever went through Switchboard never reach the file in plaintext.
            // (The legacy row was written in plaintext by this test; its old bytes may stay in
            // free pages until SQLite reuses them, which README tells operators to VACUUM away.)
            let bytes = try server.database.rawBytes()
            for secret in ["my-plaintext-signing-secret", try #require(rotated.secret)] {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is not stored in plaintext")
            }

            // Another server secret cannot read them; the webhook still reads, marked.
            let other = WebhookService(driver: server.database.driver, cipher: SecretCipher(serverSecret: "a-completely-different-key"))
            let unreadable = try await other.get(id: webhook.id)
            #expect(unreadable.secret == nil && unreadable.secretIsUnreadable)
        }
    }
}

@Suite("A webhook whose secret cannot be decrypted")
struct UnreadableSecretTests {
    @Test("its deliveries fail with the reason; another webhook's deliveries go out; a test send is refused", arguments: TestDriverKind.all)
    func poisonedRow(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            try await withReceiver { receiver in
                let poisoned = try await server.components.webhooks.create(
                    WebhookDraft(name: "poisoned", url: receiver.url + "?poisoned", events: ["*"]))
                let healthy = try await server.components.webhooks.create(WebhookDraft(name: "healthy", url: receiver.url, events: ["*"]))
                // As written by a server with another WEBHOOK_SECRET_KEY sharing the database.
                let foreign = try SecretCipher(serverSecret: "another-server-secret-entirely").seal(
                    "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0")
                try await server.database.driver.execute("UPDATE webhooks SET secret = \(foreign) WHERE id = \(poisoned.id)")
                try await withRunningWorker(server) {
                    for _ in 0..<3 { _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([])) }
                    try await eventually("the healthy webhook's three deliveries") {
                        let logs = try await server.components.deliveryLogs.list(
                            DeliveryLogFilter(webhookID: healthy.id, statuses: [.succeeded]), cursor: nil, limit: 10)
                        return logs.entries.count == 3
                    }
                    try await eventually("the poisoned webhook's three deliveries failed") {
                        let logs = try await server.components.deliveryLogs.list(
                            DeliveryLogFilter(webhookID: poisoned.id, statuses: [.failed]), cursor: nil, limit: 10)
                        return logs.entries.count == 3
                    }
                    let failed = try await server.components.deliveryLogs.list(
                        DeliveryLogFilter(webhookID: poisoned.id), cursor: nil, limit: 10)
                    for entry in failed.entries {
                        #expect(entry.delivery.lastError == DeliveryStore.unreadableSecretReason)
                        #expect(entry.attempts.isEmpty)
                    }
                    #expect(!receiver.requests.contains { $0.uri.contains("poisoned") })
                }
                try await server.test { client in
                    expectError(
                        try await client.send(.post, "/api/webhooks/\(poisoned.id)/test", key: server.adminKey), .conflict,
                        code: "secret_unreadable")
                    // Rotating gives it a readable secret again.
                    #expect(
                        try await client.send(
                            .post, "/api/webhooks/\(poisoned.id)/rotate-secret", key: server.adminKey, json: #"{"overlapHours":0}"#
                        ).status == .ok)
                    #expect(try await client.send(.post, "/api/webhooks/\(poisoned.id)/test", key: server.adminKey).status == .ok)
                }
            }
        }
    }
}
