import Core
import Foundation
import HTTPTypes
import Testing

/// The typed request bodies: unknown fields at any depth are refused with their path, `null`
/// only where a field may be null, and partial updates tell absent from null.
@Suite("Request bodies")
struct RequestBodyTests {
    @Test("unknown fields, nulls and partial updates")
    func strictBodies() async throws {
        try await withTestServer { server in
            try await server.test { client in
                let unknown = try await client.send(
                    .post, "/api/api-keys", key: server.adminKey,
                    json: #"{"name":"k","permissions":["read:webhooks"],"rateLimit":{"requests":5,"windowSeconds":60,"burst":2}}"#)
                expectError(unknown, .badRequest, code: "unknown_field")
                #expect(unknown.body["error"]?["message"]?.stringValue?.contains("rateLimit.burst") == true)
                #expect(unknown.body["error"]?["message"]?.stringValue?.contains("requests, windowSeconds") == true)

                let nullName = try await client.send(
                    .post, "/api/webhooks", key: server.adminKey, json: #"{"name":null,"url":"https://a.example","events":["*"]}"#)
                expectError(nullName, .unprocessableContent, code: "validation_failed")
                #expect(nullName.body["error"]?["message"]?.stringValue == "name must not be null")
                let badItem = try await client.send(
                    .post, "/api/webhooks", key: server.adminKey, json: #"{"name":"n","url":"https://a.example","events":["*",7]}"#)
                #expect(badItem.body["error"]?["message"]?.stringValue == "events[1] must be a string, not number")

                let created = try await client.send(
                    .post, "/api/webhooks", key: server.adminKey,
                    json: #"{"name":"n","url":"https://a.example","events":["*"],"description":"first","maxRetries":5}"#)
                let id = try #require(created.body["data"]?["id"]?.stringValue)
                // Typed answers keep their declared order and write every field, null included.
                #expect(
                    created.body["data"]?.keys == [
                        "id", "name", "url", "events", "description", "isActive", "hasSecret", "consecutiveFailures",
                        "consecutiveFailedDeliveries",
                        "circuit", "disabledReason",
                        "disabledAt", "maxRetries", "retryDelaysMs", "maxDeliveriesPerSecond", "previousSecretExpiresAt", "createdAt",
                        "updatedAt", "secret",
                    ])
                #expect(created.body["data"]?["disabledAt"] == .null)
                #expect(created.body["data"]?["id"]?.stringValue == id.lowercased())
                // Absent: unchanged. Null: cleared or back to the default.
                let renamed = try await client.send(.patch, "/api/webhooks/\(id)", key: server.adminKey, json: #"{"name":"renamed"}"#)
                #expect(renamed.body["data"]?["description"]?.stringValue == "first")
                #expect(renamed.body["data"]?["maxRetries"]?.intValue == 5)
                let cleared = try await client.send(
                    .patch, "/api/webhooks/\(id)", key: server.adminKey, json: #"{"description":null,"maxRetries":null}"#)
                #expect(cleared.body["data"]?["description"] == .null)
                #expect(cleared.body["data"]?["maxRetries"] == .null)
                expectError(
                    try await client.send(.patch, "/api/webhooks/\(id)", key: server.adminKey, json: #"{"isActive":null}"#),
                    .unprocessableContent, code: "validation_failed")
            }
        }
    }
}
