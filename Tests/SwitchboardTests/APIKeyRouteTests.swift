import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("API key routes")
struct APIKeyRouteTests {
    @Test("Create shows the key once; list and get never show it or its hash")
    func createAndList() async throws {
        try await withTestServer { server in
            try await server.test { client in
                let body =
                    #"{"name":"My API Key","permissions":["read:contacts","write:contacts"],"description":"API key for contact management","expiresAt":"2099-01-01T00:00:00Z"}"#
                let created = try await client.send(.post, "/api/api-keys", key: server.adminKey, json: body)
                #expect(created.status == .created)
                let data = try #require(created.body["data"])
                let plaintext = try #require(data["key"]?.stringValue)
                #expect(SecretMaterial.looksLikeAPIKey(plaintext))
                #expect(data["prefix"]?.stringValue == String(plaintext.prefix(12)))
                #expect(data["permissions"]?.arrayValue.compactMap(\.stringValue) == ["read:contacts", "write:contacts"])
                #expect(data["expiresAt"]?.stringValue == "2099-01-01T00:00:00.000Z")
                #expect(data["status"]?.stringValue == "active")
                let id = try #require(data["id"]?.stringValue)

                let listed = try await client.send(.get, "/api/api-keys", key: server.adminKey)
                #expect(listed.status == .ok)
                #expect(listed.body["pagination"]?["total"]?.intValue == 2)
                let fetched = try await client.send(.get, "/api/api-keys/\(id)", key: server.adminKey)
                for text in [listed.body.compactText, fetched.body.compactText] {
                    #expect(!text.contains(plaintext))
                    #expect(!text.contains("\"key\""))
                    #expect(!text.lowercased().contains("hash"))
                }
                #expect(fetched.body["data"]?["name"]?.stringValue == "My API Key")

                // The new key works for what it holds.
                expectError(try await client.send(.get, "/api/webhooks", key: plaintext), .forbidden, code: "insufficient_permissions")
            }
            let bytes = try server.database.rawBytes()
            #expect(bytes.range(of: Data(server.adminKey.utf8)) == nil, "no plaintext key in the database file")
        }
    }

    @Test("Regenerate: the new key works, the old one stops")
    func regenerate() async throws {
        try await withTestServer { server in
            let issued = try await server.apiKeys.create(APIKeyDraft(name: "k", permissions: [.readWebhooks]))
            try await server.test { client in
                #expect(try await client.send(.get, "/api/webhooks", key: issued.plaintext).status == .ok)
                let regenerated = try await client.send(
                    .post, "/api/api-keys/\(issued.record.id.uuidString)/regenerate", key: server.adminKey)
                #expect(regenerated.status == .ok)
                let newKey = try #require(regenerated.body["data"]?["key"]?.stringValue)
                #expect(newKey != issued.plaintext)
                expectError(try await client.send(.get, "/api/webhooks", key: issued.plaintext), .unauthorized, code: "invalid_api_key")
                #expect(try await client.send(.get, "/api/webhooks", key: newKey).status == .ok)
            }
        }
    }

    @Test("Delete revokes: the key is refused, reads answer 404, and the record stays listable")
    func revoke() async throws {
        try await withTestServer { server in
            let issued = try await server.apiKeys.create(APIKeyDraft(name: "k", permissions: [.readWebhooks]))
            let id = issued.record.id.uuidString
            try await server.test { client in
                let deleted = try await client.send(.delete, "/api/api-keys/\(id)", key: server.adminKey)
                #expect(deleted.status == .ok)
                #expect(deleted.body["data"]?["status"]?.stringValue == "revoked")
                expectError(try await client.send(.get, "/api/webhooks", key: issued.plaintext), .unauthorized, code: "key_revoked")
                expectError(try await client.send(.get, "/api/api-keys/\(id)", key: server.adminKey), .notFound, code: "not_found")
                expectError(try await client.send(.delete, "/api/api-keys/\(id)", key: server.adminKey), .notFound, code: "not_found")
                expectError(
                    try await client.send(.post, "/api/api-keys/\(id)/regenerate", key: server.adminKey), .notFound, code: "not_found")

                let active = try await client.send(.get, "/api/api-keys", key: server.adminKey)
                #expect(active.body["pagination"]?["total"]?.intValue == 1)
                let all = try await client.send(.get, "/api/api-keys?include_revoked=true", key: server.adminKey)
                #expect(all.body["pagination"]?["total"]?.intValue == 2)
                // By id: the admin key and this one can share a creation millisecond, and
                // then their order in the list (newest first) is their ids' random bits.
                let revoked = all.body["data"]?.arrayValue.first { $0["id"]?.stringValue?.lowercased() == id.lowercased() }
                #expect(revoked?["status"]?.stringValue == "revoked")
                expectError(
                    try await client.send(.get, "/api/api-keys?include_revoked=maybe", key: server.adminKey), .badRequest,
                    code: "invalid_query")
                expectError(
                    try await client.send(.delete, "/api/api-keys/\(UUID().uuidString)", key: server.adminKey), .notFound, code: "not_found"
                )
            }
        }
    }

    @Test(
        "Invalid key requests",
        arguments: [
            (#"{"permissions":["*"]}"#, HTTPResponse.Status.unprocessableContent, "validation_failed"),
            (#"{"name":"k","permissions":[]}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"k","permissions":["read:everything"]}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"k","permissions":["*"],"expiresAt":"2001-01-01T00:00:00Z"}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"k","permissions":["*"],"expiresAt":"tomorrow"}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"k","permissions":["*"],"ipWhitelist":"x"}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"k","permissions":["*"],"ipWhitelist":["10.0.0.300"]}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"k","permissions":["*"],"rateLimit":{"requests":5}}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"k","permissions":["*"],"rateLimit":{"requests":5,"windowSeconds":60,"burst":2}}"#, .badRequest, "unknown_field"),
            (#"{"name":"k","permissions":["*"],"scopes":["x"]}"#, .badRequest, "unknown_field"),
        ])
    func invalid(body: String, status: HTTPResponse.Status, code: String) async throws {
        try await withTestServer { server in
            try await server.test { client in
                expectError(try await client.send(.post, "/api/api-keys", key: server.adminKey, json: body), status, code: code)
            }
        }
    }
}
