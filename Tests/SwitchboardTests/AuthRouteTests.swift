import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Testing

@Suite("Authentication and permissions")
struct AuthRouteTests {
    @Test("Missing, malformed, unknown, revoked and expired keys get 401")
    func unauthenticated() async throws {
        try await withTestServer { server in
            let revoked = try await server.apiKeys.create(APIKeyDraft(name: "r", permissions: [.all]))
            _ = try await server.apiKeys.revoke(id: revoked.record.id)
            try await server.test { client in
                expectError(try await client.send(.get, "/api/webhooks"), .unauthorized, code: "missing_api_key")
                expectError(
                    try await client.send(.get, "/api/webhooks", headers: [.authorization: "Basic dXNlcjpwdw=="]), .unauthorized,
                    code: "invalid_authorization")
                expectError(try await client.send(.get, "/api/webhooks", key: "sbk_nope"), .unauthorized, code: "invalid_api_key")
                expectError(
                    try await client.send(.get, "/api/webhooks", key: SecretMaterial.newAPIKey()), .unauthorized, code: "invalid_api_key")
                expectError(try await client.send(.get, "/api/webhooks", key: revoked.plaintext), .unauthorized, code: "key_revoked")
            }
        }
    }

    @Test("A key past its expiry gets 401 key_expired")
    func expired() async throws {
        try await withTestServer { server in
            // Five seconds of validity: under a busy machine's load the first request has come
            // more than a second after creation.
            let expiresAt = Date().addingTimeInterval(5)
            let issued = try await server.apiKeys.create(APIKeyDraft(name: "soon", permissions: [.all], expiresAt: expiresAt))
            try await server.test { client in
                #expect(try await client.send(.get, "/api/webhooks", key: issued.plaintext).status == .ok)
                try await Task.sleep(for: .milliseconds(Int(max(0, expiresAt.timeIntervalSinceNow) * 1000) + 100))
                expectError(try await client.send(.get, "/api/webhooks", key: issued.plaintext), .unauthorized, code: "key_expired")
            }
        }
    }

    @Test("Every API route answers 403 without its permission and passes with it")
    func permissionMatrix() async throws {
        try await withTestServer { server in
            let existingWebhook = try await server.components.webhooks
                .create(WebhookDraft(name: "n", url: "https://a.example", events: ["*"])).id.uuidString
            let delivery = try await server.components.dispatcher.publish(type: "contact.created", data: .object([]))
            let deliveryID = try #require(
                try await server.components.deliveryLogs.list(DeliveryLogFilter(), cursor: nil, limit: 1).entries.first
            ).delivery.id
            #expect(delivery.deliveryCount == 1)
            _ = try await server.components.catalog.register(name: "invoice.retired", description: "to retire")
            let victimKey = try await server.apiKeys.create(APIKeyDraft(name: "victim", permissions: [.readContacts])).record.id.uuidString
            var keysByPermission: [Permission: String] = [:]
            for permission in Permission.allCases {
                keysByPermission[permission] = try await server.key([permission])
            }
            let keys = keysByPermission
            @Sendable func body(_ route: APIRoute, _ attempt: Int) -> String? {
                switch route {
                case .createWebhook: #"{"name":"n","url":"https://a.example","events":["*"]}"#
                case .updateWebhook: #"{"name":"renamed"}"#
                case .updateAPIKey: #"{"name":"victim renamed"}"#
                case .createAPIKey: #"{"name":"k","permissions":["read:webhooks"]}"#
                case .regenerateAPIKey, .testWebhook, .rotateWebhookSecret: "{}"
                case .createEventType: #"{"name":"invoice.n\#(attempt)","description":"d"}"#
                case .publishEvent: #"{"type":"contact.created","data":{}}"#
                case .publishEventBatch: #"{"events":[{"type":"contact.created","data":{}}]}"#
                case .recoverWebhook: #"{"since":"2020-01-01T00:00:00Z"}"#
                default: nil
                }
            }
            @Sendable func path(_ route: APIRoute) -> String {
                let id =
                    route.path.hasPrefix("/api/api-keys")
                    ? victimKey
                    : route.path.hasPrefix("/api/webhooks/logs") ? deliveryID.uuidString : existingWebhook
                return route.path.replacingOccurrences(of: ":id", with: id).replacingOccurrences(of: ":name", with: "invoice.retired")
            }
            let removals: Set<APIRoute> = [.deleteWebhook, .deleteAPIKey, .retireEventType]
            try await server.test { client in
                var attempt = 0
                for route in APIRoute.allCases {
                    let method = route.method
                    guard let required = route.permission else {
                        // Who am I and signing out: any key may.
                        for permission in Permission.allCases {
                            let result = try await client.send(method, path(route), key: keys[permission])
                            #expect((200..<300).contains(result.status.code), "\(route) with \(permission): \(result.body.compactText)")
                        }
                        continue
                    }
                    for permission in Permission.allCases where permission != required && permission != .all {
                        let result = try await client.send(method, path(route), key: keys[permission], json: body(route, 0))
                        expectError(result, .forbidden, code: "insufficient_permissions")
                    }
                    // Removals are tried last so the resources exist for every other check.
                    guard !removals.contains(route) else { continue }
                    for permission in Set([required, .all]) {
                        attempt += 1
                        if route == .deliveryStream {
                            // An event stream, not JSON (it ends after STREAM_MAX_SECONDS).
                            let stream = try await client.execute(
                                uri: path(route), method: method, headers: [.authorization: "Bearer \(keys[permission]!)"])
                            #expect(stream.status == .ok, "\(route) with \(permission)")
                            continue
                        }
                        let result = try await client.send(method, path(route), key: keys[permission], json: body(route, attempt))
                        #expect((200..<300).contains(result.status.code), "\(route) with \(permission): \(result.body.compactText)")
                    }
                }
                for route in removals.sorted(by: { $0.rawValue < $1.rawValue }) {
                    let result = try await client.send(route.method, path(route), key: keys[route.permission ?? .all])
                    #expect(result.status == .ok, "\(route): \(result.body.compactText)")
                }
            }
        }
    }
}
