import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Key regeneration grace and usage")
struct KeyLifecycleTests {
    @Test("With a grace period the old key keeps working until it ends")
    func grace() async throws {
        try await withTestServer { server in
            let issued = try await server.apiKeys.create(APIKeyDraft(name: "k", permissions: [.readWebhooks]))
            try await server.test { client in
                let regenerated = try await client.send(
                    .post, "/api/api-keys/\(issued.record.id.uuidString)/regenerate", key: server.adminKey,
                    json: #"{"gracePeriodSeconds":5}"#)
                #expect(regenerated.status == .ok)
                let newKey = try #require(regenerated.body["data"]?["key"]?.stringValue)
                #expect(try await client.send(.get, "/api/webhooks", key: issued.plaintext).status == .ok)
                #expect(try await client.send(.get, "/api/webhooks", key: newKey).status == .ok)
                // Five seconds leave room for a loaded machine between regeneration and the checks.
                try await Task.sleep(for: .milliseconds(5200))
                expectError(try await client.send(.get, "/api/webhooks", key: issued.plaintext), .unauthorized, code: "invalid_api_key")
                #expect(try await client.send(.get, "/api/webhooks", key: newKey).status == .ok)
                expectError(
                    try await client.send(
                        .post, "/api/api-keys/\(issued.record.id.uuidString)/regenerate", key: server.adminKey,
                        json: #"{"gracePeriodSeconds":-5}"#),
                    .unprocessableContent, code: "validation_failed")
            }
        }
    }

    @Test("Revoking ends the grace period too")
    func revokeEndsGrace() async throws {
        try await withTestServer { server in
            let issued = try await server.apiKeys.create(APIKeyDraft(name: "k", permissions: [.readWebhooks]))
            _ = try await server.apiKeys.regenerate(id: issued.record.id, gracePeriod: 3600)
            _ = try await server.apiKeys.revoke(id: issued.record.id)
            try await server.test { client in
                expectError(try await client.send(.get, "/api/webhooks", key: issued.plaintext), .unauthorized, code: "key_revoked")
            }
        }
    }

    @Test("Usage counts requests per day, route group and status class")
    func usage() async throws {
        try await withTestServer { server in
            let issued = try await server.apiKeys.create(APIKeyDraft(name: "k", permissions: [.readWebhooks]))
            try await server.test { client in
                for _ in 0..<3 { _ = try await client.send(.get, "/api/webhooks", key: issued.plaintext) }
                _ = try await client.send(.get, "/api/webhooks/\(UUID().uuidString)", key: issued.plaintext)
                _ = try await client.send(.post, "/api/webhooks", key: issued.plaintext, json: "{}")
                _ = try await client.send(.get, "/api/webhooks/logs", key: issued.plaintext)
                let usage = try await client.send(.get, "/api/api-keys/\(issued.record.id.uuidString)/usage", key: server.adminKey)
                #expect(usage.status == .ok)
                #expect(usage.body["data"]?["totalRequests"]?.intValue == 6)
                let rows = usage.body["data"]?["days"]?.arrayValue ?? []
                let today = String(Timestamp.format(Date()).prefix(10))
                func count(_ group: String, _ status: String) -> Int? {
                    rows.first {
                        $0["routeGroup"]?.stringValue == group && $0["statusClass"]?.stringValue == status
                            && $0["day"]?.stringValue == today
                    }?["requests"]?.intValue
                }
                #expect(count("webhook", "2xx") == 3)
                #expect(count("webhook", "4xx") == 2)
                #expect(count("delivery", "2xx") == 1)
                let past = try await client.send(
                    .get, "/api/api-keys/\(issued.record.id.uuidString)/usage?since=2020-01-01T00:00:00Z&until=2020-01-31T00:00:00Z",
                    key: server.adminKey)
                #expect(past.body["data"]?["totalRequests"]?.intValue == 0)
                expectError(
                    try await client.send(.get, "/api/api-keys/\(issued.record.id.uuidString)/usage?since=never", key: server.adminKey),
                    .badRequest, code: "invalid_query")
                expectError(
                    try await client.send(
                        .get, "/api/api-keys/\(issued.record.id.uuidString)/usage?since=2021-01-01T00:00:00Z&until=2020-01-01T00:00:00Z",
                        key: server.adminKey), .badRequest, code: "invalid_query")
            }
        }
    }
}
