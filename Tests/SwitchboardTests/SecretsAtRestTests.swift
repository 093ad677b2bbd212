import Core
import Foundation
import Testing

@Suite("Secrets at rest")
struct SecretsAtRestTests {
    @Test("Webhook secrets are stored encrypted and read back; old plaintext rows are encrypted at start")
    func encrypted() async throws {
        try await withTestServer { server in
            let webhook = try await server.components.webhooks.create(WebhookDraft(name: "s", url: "https://a.example", events: ["*"], secret: "my-plaintext-signing-secret"))
            #expect(try await server.components.webhooks.get(id: webhook.id).secret == "my-plaintext-signing-secret")
            let rotated = try await server.components.webhooks.rotateSecret(id: webhook.id, newSecret: nil, overlap: .seconds(3600))
            let stored = try #require(try await server.database.driver.first("SELECT secret, previous_secret FROM webhooks WHERE id = \(webhook.id)"))
            #expect(try stored.string("secret").hasPrefix("enc:v1:"))
            #expect(try stored.string("previous_secret").hasPrefix("enc:v1:"))
            #expect(try await server.components.webhooks.get(id: webhook.id).previousSecret == "my-plaintext-signing-secret")

            // A row written before encryption existed.
            let legacy = UUID()
            let now = Date()
            try await server.database.driver.execute("""
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

            // Another server secret cannot read them.
            let other = WebhookService(driver: server.database.driver, cipher: SecretCipher(serverSecret: "a-completely-different-key"))
            await #expect(throws: StorageError.self) { try await other.get(id: webhook.id) }
        }
    }
}
