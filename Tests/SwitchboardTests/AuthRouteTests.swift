import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Authentication and permissions")
struct AuthRouteTests {
    @Test("Missing, malformed, unknown, revoked and expired keys get 401")
    func unauthenticated() async throws {
        try await withTestServer { server in
            let revoked = try await server.apiKeys.create(ApiKeyDraft(name: "r", permissions: [.all]))
            _ = try await server.apiKeys.revoke(id: revoked.record.id)
            try await server.test { client in
                expectError(try await client.send(.get, "/api/webhooks"), .unauthorized, code: "missing_api_key")
                expectError(try await client.send(.get, "/api/webhooks", headers: [.authorization: "Basic dXNlcjpwdw=="]), .unauthorized, code: "invalid_authorization")
                expectError(try await client.send(.get, "/api/webhooks", key: "sbk_nope"), .unauthorized, code: "invalid_api_key")
                expectError(try await client.send(.get, "/api/webhooks", key: SecretMaterial.newApiKey()), .unauthorized, code: "invalid_api_key")
                expectError(try await client.send(.get, "/api/webhooks", key: revoked.plaintext), .unauthorized, code: "key_revoked")
            }
        }
    }

    @Test("A key past its expiry gets 401 key_expired")
    func expired() async throws {
        try await withTestServer { server in
            let draft = ApiKeyDraft(name: "soon", permissions: [.all], expiresAt: Date().addingTimeInterval(1))
            let issued = try await server.apiKeys.create(draft)
            try await server.test { client in
                #expect(try await client.send(.get, "/api/webhooks", key: issued.plaintext).status == .ok)
                try await Task.sleep(for: .milliseconds(1100))
                expectError(try await client.send(.get, "/api/webhooks", key: issued.plaintext), .unauthorized, code: "key_expired")
            }
        }
    }

    @Test("Every API route answers 403 without its permission and passes with it")
    func permissionMatrix() async throws {
        try await withTestServer { server in
            let existingWebhook = try await WebhookService(driver: server.database.driver)
                .create(WebhookDraft(name: "n", url: "https://a.example", events: ["*"])).id.uuidString
            let victimKey = try await server.apiKeys.create(ApiKeyDraft(name: "victim", permissions: [.readContacts])).record.id.uuidString
            var keysByPermission: [Permission: String] = [:]
            for permission in Permission.allCases {
                keysByPermission[permission] = try await server.key([permission])
            }
            let keys = keysByPermission
            let bodies: [APIRoute: String] = [
                .createWebhook: #"{"name":"n","url":"https://a.example","events":["*"]}"#,
                .updateWebhook: #"{"name":"renamed"}"#,
                .createApiKey: #"{"name":"k","permissions":["read:webhooks"]}"#,
                .regenerateApiKey: "{}",
            ]
            try await server.test { client in
                for route in APIRoute.allCases {
                    let id = route.path.hasPrefix("/api/api-keys") ? victimKey : existingWebhook
                    let path = route.path.replacingOccurrences(of: ":id", with: id)
                    let method = HTTPRequest.Method(rawValue: route.method)!
                    for permission in Permission.allCases where permission != route.permission && permission != .all {
                        let result = try await client.send(method, path, key: keys[permission], json: bodies[route])
                        expectError(result, .forbidden, code: "insufficient_permissions")
                    }
                    // Deleting is tried last so the resource exists for every other check.
                    guard route != .deleteWebhook, route != .deleteApiKey else { continue }
                    for permission in Set([route.permission, .all]) {
                        let result = try await client.send(method, path, key: keys[permission], json: bodies[route])
                        #expect((200..<300).contains(result.status.code), "\(route) with \(permission): \(result.body.compactText)")
                    }
                }
                #expect(try await client.send(.delete, "/api/webhooks/\(existingWebhook)", key: keys[.deleteWebhooks]).status == .ok)
                #expect(try await client.send(.delete, "/api/api-keys/\(victimKey)", key: keys[.all]).status == .ok)
            }
        }
    }
}
