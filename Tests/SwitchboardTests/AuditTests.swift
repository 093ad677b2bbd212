import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Audit trail")
struct AuditTests {
    @Test("Mutations are recorded with actor, action, target and redacted changes")
    func recordsMutations() async throws {
        try await withTestServer { server in
            try await server.test { client in
                let created = try await client.send(
                    .post, "/api/webhooks", key: server.adminKey,
                    json: #"{"name":"audited","url":"https://a.example","events":["*"],"secret":"super-secret-value-123"}"#)
                let webhookID = try #require(created.body["data"]?["id"]?.stringValue)
                _ = try await client.send(.patch, "/api/webhooks/\(webhookID)", key: server.adminKey, json: #"{"name":"renamed"}"#)
                let rotated = try await client.send(
                    .post, "/api/webhooks/\(webhookID)/rotate-secret", key: server.adminKey, json: #"{"secret":"another-secret-value-456"}"#
                )
                #expect(rotated.status == .ok)
                let key = try await client.send(
                    .post, "/api/api-keys", key: server.adminKey, json: #"{"name":"k","permissions":["read:webhooks"]}"#)
                let keyID = try #require(key.body["data"]?["id"]?.stringValue)
                let plaintext = try #require(key.body["data"]?["key"]?.stringValue)
                _ = try await client.send(.delete, "/api/api-keys/\(keyID)", key: server.adminKey)
                // Failures and reads are not audited.
                _ = try await client.send(.post, "/api/webhooks", key: server.adminKey, json: #"{"name":""}"#)
                _ = try await client.send(.get, "/api/webhooks", key: server.adminKey)

                let trail = try await client.send(.get, "/api/audit-logs", key: server.adminKey)
                #expect(trail.status == .ok)
                let entries = trail.body["data"]?.arrayValue ?? []
                #expect(
                    entries.compactMap { $0["action"]?.stringValue } == [
                        "api_key.revoked", "api_key.created", "webhook.secret_rotated", "webhook.updated", "webhook.created",
                    ])
                let first = try #require(entries.last)
                #expect(first["targetId"]?.stringValue == webhookID)
                #expect(first["targetType"]?.stringValue == "webhook")
                #expect(first["changes"]?["secret"]?.stringValue == "[redacted]")
                #expect(first["changes"]?["name"]?.stringValue == "audited")
                let adminID = try #require(try await server.apiKeys.list(try PageRequest()).items.first { $0.permissions == [.all] }?.id)
                #expect(first["actorKeyId"]?.stringValue == adminID.uuidString.lowercased())
                #expect(entries[0]["targetId"]?.stringValue == keyID)

                let text = trail.body.compactText
                for secret in ["super-secret-value-123", "another-secret-value-456", plaintext, server.adminKey] {
                    #expect(!text.contains(secret))
                }
                let stored = try await server.database.driver.query("SELECT changes FROM audit_logs").compactMap {
                    try $0.optionalString("changes")
                }.joined()
                #expect(!stored.contains("super-secret-value-123") && !stored.contains("another-secret-value-456"))

                let filtered = try await client.send(
                    .get, "/api/audit-logs?action=webhook.updated&target=\(webhookID)", key: server.adminKey)
                #expect(filtered.body["data"]?.arrayValue.count == 1)
                let byActor = try await client.send(
                    .get, "/api/audit-logs?actor=\(adminID.uuidString)&since=2000-01-01T00:00:00Z&limit=2", key: server.adminKey)
                #expect(byActor.body["data"]?.arrayValue.count == 2)
                for query in ["actor=x", "since=soon", "limit=0", "limit=501"] {
                    expectError(
                        try await client.send(.get, "/api/audit-logs?\(query)", key: server.adminKey), .badRequest, code: "invalid_query")
                }
            }
        }
    }
}
