import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Testing

@Suite("Event, log and webhook-action routes")
struct DeliveryRouteTests {
    @Test("POST /api/events answers 202 with the event id and delivery count; errors are 4xx")
    func publish() async throws {
        try await withTestServer(configure: { $0.maxEventBytes = 2048 }) { server in
            _ = try await server.components.webhooks.create(WebhookDraft(name: "a", url: "https://a.example", events: ["contact.created"]))
            _ = try await server.components.webhooks.create(WebhookDraft(name: "b", url: "https://b.example", events: ["*"]))
            try await server.test { client in
                let published = try await client.send(
                    .post, "/api/events", key: server.adminKey, json: #"{"type":"contact.created","data":{"id":7},"idempotencyKey":"k1"}"#)
                #expect(published.status == .accepted)
                #expect(published.body["data"]?["deliveries"]?.intValue == 2)
                #expect(published.body["data"]?["duplicate"] == .bool(false))
                let again = try await client.send(
                    .post, "/api/events", key: server.adminKey, json: #"{"type":"contact.created","data":{"id":8}}"#,
                    headers: [.init("Idempotency-Key")!: "k1"])
                #expect(again.body["data"]?["eventId"] == published.body["data"]?["eventId"])
                #expect(again.body["data"]?["duplicate"] == .bool(true))
                // Idempotency keys belong to the API key that used them: another key's "k1"
                // is a new event, and cannot fetch the first key's.
                let otherPublisher = try await server.key([.writeEvents])
                let separate = try await client.send(
                    .post, "/api/events", key: otherPublisher, json: #"{"type":"contact.created","data":{"id":9},"idempotencyKey":"k1"}"#)
                #expect(separate.body["data"]?["duplicate"] == .bool(false))
                #expect(separate.body["data"]?["eventId"] != published.body["data"]?["eventId"])

                let other = try await client.send(
                    .post, "/api/events", key: server.adminKey, json: #"{"type":"property.deleted","data":[1,2]}"#)
                #expect(other.body["data"]?["deliveries"]?.intValue == 1)

                expectError(
                    try await client.send(.post, "/api/events", key: server.adminKey, json: #"{"type":"contact.exploded","data":{}}"#),
                    .unprocessableContent, code: "validation_failed")
                expectError(
                    try await client.send(.post, "/api/events", key: server.adminKey, json: #"{"type":"contact.created"}"#),
                    .unprocessableContent, code: "validation_failed")
                expectError(
                    try await client.send(
                        .post, "/api/events", key: server.adminKey, json: #"{"type":"contact.created","data":{},"extra":1}"#), .badRequest,
                    code: "unknown_field")
                let big = #"{"type":"contact.created","data":""# + String(repeating: "x", count: 4096) + #""}"#
                expectError(
                    try await client.send(.post, "/api/events", key: server.adminKey, json: big), .contentTooLarge,
                    code: "payload_too_large")
                let longKey = String(repeating: "k", count: 256)
                expectError(
                    try await client.send(
                        .post, "/api/events", key: server.adminKey,
                        json: #"{"type":"contact.created","data":{},"idempotencyKey":"\#(longKey)"}"#), .unprocessableContent,
                    code: "validation_failed")
            }
        }
    }

    @Test("A write:events key can neither publish nor register Switchboard's own webhook.* events")
    func reservedEventTypes() async throws {
        try await withTestServer { server in
            let publisher = try await server.key([.writeEvents])
            try await server.test { client in
                for type in ["webhook.disabled", "webhook.unhealthy", "webhook.recovered", "webhook.test"] {
                    expectError(
                        try await client.send(.post, "/api/events", key: publisher, json: #"{"type":"\#(type)","data":{}}"#),
                        .unprocessableContent, code: "reserved_event_type")
                }
                expectError(
                    try await client.send(.post, "/api/event-types", key: publisher, json: #"{"name":"webhook.forged","description":"x"}"#),
                    .unprocessableContent, code: "reserved_event_type")
                #expect(
                    try await client.send(.post, "/api/events", key: publisher, json: #"{"type":"contact.created","data":{}}"#).status
                        == .accepted)
            }
        }
    }

    @Test("Every /api answer, success or error, is marked Cache-Control: no-store; other routes are not")
    func noStore() async throws {
        try await withTestServer { server in
            try await server.test { client in
                let created = try await client.send(
                    .post, "/api/api-keys", key: server.adminKey, json: #"{"name":"k","permissions":["read:webhooks"]}"#)
                #expect(created.status == .created)
                #expect(created.headers[.cacheControl] == "no-store")
                #expect(try await client.send(.get, "/api/webhooks", key: server.adminKey).headers[.cacheControl] == "no-store")
                #expect(try await client.send(.get, "/api/webhooks").headers[.cacheControl] == "no-store")
                #expect(try await client.send(.get, "/api/nothing-here", key: server.adminKey).headers[.cacheControl] == "no-store")
                #expect(try await client.send(.get, "/health").headers[.cacheControl] == nil)
            }
        }
    }

    @Test("Custom event types: register, use, retire")
    func customEventTypes() async throws {
        try await withTestServer { server in
            try await server.test { client in
                let created = try await client.send(
                    .post, "/api/event-types", key: server.adminKey, json: #"{"name":"invoice.paid","description":"An invoice was paid"}"#)
                #expect(created.status == .created)
                expectError(
                    try await client.send(
                        .post, "/api/event-types", key: server.adminKey, json: #"{"name":"invoice.paid","description":"again"}"#),
                    .conflict, code: "event_type_exists")
                expectError(
                    try await client.send(
                        .post, "/api/event-types", key: server.adminKey, json: #"{"name":"contact.created","description":"x"}"#), .conflict,
                    code: "event_type_exists")
                for bad in ["Invoice.Paid", "invoice", "invoice.paid.now", "in voice.paid", ".paid"] {
                    expectError(
                        try await client.send(
                            .post, "/api/event-types", key: server.adminKey, json: #"{"name":"\#(bad)","description":"x"}"#),
                        .unprocessableContent, code: "validation_failed")
                }
                let listed = try await client.send(.get, "/api/event-types", key: server.adminKey)
                #expect(listed.body["data"]?.arrayValue.count == EventType.builtIn.count + 1)
                let hook = try await client.send(
                    .post, "/api/webhooks", key: server.adminKey, json: #"{"name":"n","url":"https://a.example","events":["invoice.paid"]}"#
                )
                #expect(hook.status == .created)
                #expect(
                    try await client.send(.post, "/api/events", key: server.adminKey, json: #"{"type":"invoice.paid","data":{}}"#).body[
                        "data"]?["deliveries"]?.intValue == 1)

                #expect(try await client.send(.delete, "/api/event-types/invoice.paid", key: server.adminKey).status == .ok)
                expectError(
                    try await client.send(.delete, "/api/event-types/invoice.paid", key: server.adminKey), .notFound, code: "not_found")
                expectError(
                    try await client.send(.delete, "/api/event-types/contact.created", key: server.adminKey), .conflict,
                    code: "built_in_event_type")
                expectError(
                    try await client.send(.post, "/api/events", key: server.adminKey, json: #"{"type":"invoice.paid","data":{}}"#),
                    .unprocessableContent, code: "validation_failed")
                // Registering it again brings it back.
                #expect(
                    try await client.send(
                        .post, "/api/event-types", key: server.adminKey, json: #"{"name":"invoice.paid","description":"back"}"#
                    ).status == .created)
            }
        }
    }

    @Test("GET /api/webhooks/logs filters and pages with a cursor")
    func logs() async throws {
        try await withTestServer { server in
            let a = try await server.components.webhooks.create(WebhookDraft(name: "a", url: "https://a.example", events: ["*"]))
            _ = try await server.components.webhooks.create(WebhookDraft(name: "b", url: "https://b.example", events: ["contact.created"]))
            for index in 0..<5 {
                _ = try await server.components.dispatcher.publish(
                    type: index.isMultiple(of: 2) ? "contact.created" : "contact.updated", data: .object([]))
            }
            try await server.test { client in
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let page = try await client.send(
                        .get, "/api/webhooks/logs?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), key: server.adminKey)
                    #expect(page.status == .ok)
                    seen += page.body["data"]?.arrayValue.compactMap { $0["id"]?.stringValue } ?? []
                    cursor = page.body["pagination"]?["next_cursor"]?.stringValue
                } while cursor != nil
                #expect(seen.count == 8)
                #expect(Set(seen).count == 8)

                let forA = try await client.send(
                    .get, "/api/webhooks/logs?webhook_id=\(a.id.uuidString)&event_type=contact.updated&status=pending", key: server.adminKey
                )
                #expect(forA.body["data"]?.arrayValue.count == 2)
                let entry = try #require(forA.body["data"]?.arrayValue.first)
                #expect(entry["attempts"]?.arrayValue.isEmpty == true)
                let single = try await client.send(.get, "/api/webhooks/logs/\(entry["id"]!.stringValue!)", key: server.adminKey)
                #expect(single.body["data"]?["id"] == entry["id"])
                let future = try await client.send(.get, "/api/webhooks/logs?since=2999-01-01T00:00:00Z", key: server.adminKey)
                #expect(future.body["data"]?.arrayValue.isEmpty == true)

                for query in ["status=done", "webhook_id=x", "since=yesterday", "limit=0", "limit=101", "cursor=nonsense"] {
                    let result = try await client.send(.get, "/api/webhooks/logs?\(query)", key: server.adminKey)
                    #expect(result.status == .badRequest, "\(query): \(result.body.compactText)")
                }
                expectError(
                    try await client.send(.get, "/api/webhooks/logs/\(UUID().uuidString)", key: server.adminKey), .notFound,
                    code: "not_found")
                expectError(
                    try await client.send(.post, "/api/webhooks/logs/\(UUID().uuidString)/retry", key: server.adminKey), .notFound,
                    code: "not_found")
                expectError(
                    try await client.send(.post, "/api/webhooks/\(a.id.uuidString)/recover", key: server.adminKey, json: "{}"),
                    .unprocessableContent, code: "validation_failed")
            }
        }
    }

    @Test("POST /api/webhooks/:id/test sends now and answers with the attempt")
    func testEndpoint() async throws {
        try await withReceiver({ _, _ in ScriptedResponse(status: .accepted, body: "thanks") }) { receiver in
            try await withTestServer { server in
                let webhook = try await server.components.webhooks.create(
                    WebhookDraft(name: "t", url: receiver.url, events: ["contact.created"]))
                try await server.test { client in
                    let result = try await client.send(
                        .post, "/api/webhooks/\(webhook.id.uuidString)/test", key: server.adminKey,
                        json: #"{"eventType":"property.updated"}"#)
                    #expect(result.status == .ok)
                    let data = try #require(result.body["data"])
                    #expect(data["delivered"] == .bool(true))
                    #expect(data["response"]?["status"]?.intValue == 202)
                    #expect(data["response"]?["body"]?.stringValue == "thanks")
                    #expect(data["request"]?["headers"]?["X-Webhook-Event"]?.stringValue == "property.updated")
                    #expect(data["request"]?["headers"]?["webhook-signature"]?.stringValue?.hasPrefix("v1,") == true)
                    let request = try #require(receiver.requests.first)
                    #expect(ReceiverVerification.webhookSignatureIsValid(request, secret: webhook.secret!))

                    let defaulted = try await client.send(.post, "/api/webhooks/\(webhook.id.uuidString)/test", key: server.adminKey)
                    #expect(defaulted.body["data"]?["request"]?["headers"]?["X-Webhook-Event"]?.stringValue == "webhook.test")
                    let logged = try await client.send(.get, "/api/webhooks/logs?webhook_id=\(webhook.id.uuidString)", key: server.adminKey)
                    #expect(logged.body["data"]?.arrayValue.count == 2)
                    #expect(logged.body["data"]?.arrayValue.allSatisfy { $0["status"]?.stringValue == "succeeded" } == true)
                    expectError(
                        try await client.send(
                            .post, "/api/webhooks/\(webhook.id.uuidString)/test", key: server.adminKey, json: #"{"eventType":"nope.nope"}"#),
                        .unprocessableContent, code: "validation_failed")
                    expectError(
                        try await client.send(.post, "/api/webhooks/\(UUID().uuidString)/test", key: server.adminKey), .notFound,
                        code: "not_found")
                }
            }
        }
    }

    @Test("Rotating a secret signs with both secrets during the overlap")
    func rotation() async throws {
        try await withReceiver { receiver in
            try await withTestServer { server in
                let webhook = try await server.components.webhooks.create(WebhookDraft(name: "r", url: receiver.url, events: ["*"]))
                let oldSecret = try #require(webhook.secret)
                try await server.test { client in
                    let rotated = try await client.send(
                        .post, "/api/webhooks/\(webhook.id.uuidString)/rotate-secret", key: server.adminKey, json: #"{"overlapHours":2}"#)
                    #expect(rotated.status == .ok)
                    let newSecret = try #require(rotated.body["data"]?["secret"]?.stringValue)
                    #expect(newSecret != oldSecret && newSecret.hasPrefix("whsec_"))
                    #expect(rotated.body["data"]?["previousSecretExpiresAt"]?.stringValue != nil)
                    _ = try await client.send(.post, "/api/webhooks/\(webhook.id.uuidString)/test", key: server.adminKey)
                    let request = try #require(receiver.requests.last)
                    #expect(ReceiverVerification.standardSignatureIsValid(request, secret: newSecret))
                    #expect(ReceiverVerification.standardSignatureIsValid(request, secret: oldSecret))
                    #expect(ReceiverVerification.webhookSignatureIsValid(request, secret: newSecret))

                    // Without overlap the old secret stops signing at once.
                    let immediate = try await client.send(
                        .post, "/api/webhooks/\(webhook.id.uuidString)/rotate-secret", key: server.adminKey, json: #"{"overlapHours":0}"#)
                    let newest = try #require(immediate.body["data"]?["secret"]?.stringValue)
                    _ = try await client.send(.post, "/api/webhooks/\(webhook.id.uuidString)/test", key: server.adminKey)
                    let last = try #require(receiver.requests.last)
                    #expect(ReceiverVerification.standardSignatureIsValid(last, secret: newest))
                    #expect(!ReceiverVerification.standardSignatureIsValid(last, secret: newSecret))
                    expectError(
                        try await client.send(
                            .post, "/api/webhooks/\(webhook.id.uuidString)/rotate-secret", key: server.adminKey,
                            json: #"{"overlapHours":-1}"#), .unprocessableContent, code: "validation_failed")
                }
            }
        }
    }
}
