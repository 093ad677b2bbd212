import Core
import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle
import Testing
@testable import Server

/// Bytes from outside — a client's text, a receiver's answer — never fail a statement on any
/// database, and one outcome the database refuses never holds back the others. On PostgreSQL a
/// NUL in a receiver's body used to stop all recording in the process (SQLSTATE 22021, the
/// batch retried for ever with every later outcome joining it), and a NUL in a webhook's name
/// was a 500.
@Suite("Bytes from outside")
struct OutsideBytesTests {
    @Test(
        "a client's text with NUL is refused with 4xx saying so, and event data with it is accepted as it is", arguments: TestDriverKind.all
    )
    func clientText(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            try await server.test { client in
                let nulName = #"{"name":"a\u0000b","url":"https://example.com/h","events":["*"]}"#
                let refused = try await client.send(.post, "/api/webhooks", key: server.adminKey, json: nulName)
                expectError(refused, .unprocessableContent, code: "validation_failed")
                #expect(refused.body["error"]?["message"]?.stringValue?.contains("NUL") == true)
                let created = try await client.send(
                    .post, "/api/webhooks", key: server.adminKey, json: #"{"name":"ok","url":"https://example.com/h","events":["*"]}"#)
                let id = try #require(created.body["data"]?["id"]?.stringValue)
                expectError(
                    try await client.send(.patch, "/api/webhooks/\(id)", key: server.adminKey, json: #"{"description":"x\u0000"}"#),
                    .unprocessableContent, code: "validation_failed")
                expectError(
                    try await client.send(
                        .post, "/api/api-keys", key: server.adminKey, json: #"{"name":"k\u0000","permissions":["read:webhooks"]}"#),
                    .unprocessableContent, code: "validation_failed")
                expectError(
                    try await client.send(.post, "/api/event-types", key: server.adminKey, json: #"{"name":"a.b","description":"\u0000"}"#),
                    .unprocessableContent, code: "validation_failed")
                for uri in [
                    "/api/webhooks?q=%00", "/api/webhooks/logs?event_type=a%00", "/api/audit-logs?action=%00",
                    "/api/audit-logs?target=%00x",
                ] {
                    expectError(try await client.send(.get, uri, key: server.adminKey), .badRequest, code: "invalid_query")
                }
                expectError(try await client.send(.delete, "/api/event-types/a%00.b", key: server.adminKey), .notFound, code: "not_found")
                // Event data is stored as JSON text, where a NUL stays the escape it came as.
                let published = try await client.send(
                    .post, "/api/events", key: server.adminKey, json: #"{"type":"contact.created","data":{"note":"a\u0000b"}}"#)
                #expect(published.status == .accepted, "\(published.body.compactText)")
                let eventID = try #require(published.body["data"]?["eventId"]?.stringValue ?? published.body["data"]?["id"]?.stringValue)
                let stored = try await server.database.driver.first(
                    "SELECT payload FROM events WHERE id = \(try #require(UUID(uuidString: eventID)))")
                #expect(try stored?.string("payload") == #"{"note":"a\u0000b"}"#)
            }
        }
    }

    @Test(
        "a receiver's NUL and bytes that are not UTF-8 are kept as U+FFFD, and every webhook's attempts are recorded",
        arguments: TestDriverKind.all)
    func receiverBytes(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: DeliveryTests.fastRetries) { server in
            try await withReceiver({ request, _ in
                request.uri.hasPrefix("/hook?poison")
                    ? ScriptedResponse(status: .badRequest, bytes: [0x61, 0x00, 0xFF, 0x62]) : ScriptedResponse()
            }) { receiver in
                let poisoned = try await server.components.webhooks.create(
                    WebhookDraft(
                        name: "nul", url: receiver.url + "?poison", events: ["contact.created"], maxRetries: 0))
                let healthy = try await server.components.webhooks.create(
                    WebhookDraft(name: "fine", url: receiver.url, events: ["contact.created"]))
                try await withRunningWorker(server) {
                    for _ in 0..<5 { _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([])) }
                    try await eventually("every delivery recorded") {
                        let logs = try await server.components.deliveryLogs.list(DeliveryLogFilter(), cursor: nil, limit: 100).entries
                        return logs.count == 10 && logs.allSatisfy { $0.delivery.status == .succeeded || $0.delivery.status == .failed }
                    }
                }
                let bad = try await server.components.deliveryLogs.list(DeliveryLogFilter(webhookID: poisoned.id), cursor: nil, limit: 10)
                    .entries
                #expect(bad.count == 5 && bad.allSatisfy { $0.delivery.status == .failed && $0.attempts.count == 1 })
                let log = try await server.components.deliveryLogs.get(id: try #require(bad.first).delivery.id)
                #expect(log.attempts.first?.responseBodyExcerpt == "a\u{FFFD}\u{FFFD}b")
                #expect(log.attempts.first?.responseStatus == 400)
                let good = try await server.components.deliveryLogs.list(DeliveryLogFilter(webhookID: healthy.id), cursor: nil, limit: 10)
                    .entries
                #expect(good.count == 5 && good.allSatisfy { $0.delivery.status == .succeeded })
            }
        }
    }

    @Test(
        "an outcome the database keeps refusing is set aside as failed with the reason; the outcomes after it are recorded",
        arguments: TestDriverKind.all)
    func setAside(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            try await withReceiver({ request, _ in
                // The poisoned receiver answers first; the healthy one a moment later, so its
                // outcomes come after the batch that cannot be stored.
                request.uri.hasPrefix("/hook?poison") ? ScriptedResponse(body: "POISON") : ScriptedResponse(delay: .milliseconds(300))
            }) { receiver in
                let poisoned = try await server.components.webhooks.create(
                    WebhookDraft(name: "refused", url: receiver.url + "?poison", events: ["contact.created"]))
                let healthy = try await server.components.webhooks.create(
                    WebhookDraft(name: "fine", url: receiver.url, events: ["contact.created"]))
                // Every statement binding the receiver's text fails, as PostgreSQL refused a NUL.
                let refusing = FaultInjectingDriver(base: server.database.driver, failOnValue: "POISON")
                let recorder = AttemptRecorder(
                    driver: refusing, defaultPolicy: server.settings.retryPolicy, autoDisableThreshold: 10,
                    circuitPolicy: server.settings.circuitPolicy)
                let sender = HTTPWebhookSender(
                    client: server.components.httpClient, pinned: server.components.pinnedClients,
                    targetGuard: OutboundTargetGuard(policy: server.settings.outboundPolicy, resolver: SystemHostResolver()),
                    totalTimeout: .seconds(5), excerptBytes: 2048)
                let worker = DeliveryWorker(
                    driver: server.database.driver, sender: sender, recorder: recorder,
                    configuration: DeliveryWorkerConfiguration(concurrency: 8, pollInterval: .milliseconds(20)),
                    cipher: server.components.cipher,
                    version: "test")
                var logger = Logger(label: "test-worker")
                logger.logLevel = .critical
                let group = ServiceGroup(configuration: .init(services: [worker], gracefulShutdownSignals: [], logger: logger))
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    for _ in 0..<3 { _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([])) }
                    try await eventually("the healthy webhook's deliveries recorded") {
                        let logs = try await server.components.deliveryLogs.list(
                            DeliveryLogFilter(webhookID: healthy.id), cursor: nil, limit: 10
                        ).entries
                        return logs.count == 3 && logs.allSatisfy { $0.delivery.status == .succeeded && $0.attempts.count == 1 }
                    }
                    try await eventually("the refused outcomes set aside") {
                        let logs = try await server.components.deliveryLogs.list(
                            DeliveryLogFilter(webhookID: poisoned.id), cursor: nil, limit: 10
                        ).entries
                        return logs.count == 3 && logs.allSatisfy { $0.delivery.status == .failed }
                    }
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }
                let refused = try await server.components.deliveryLogs.list(
                    DeliveryLogFilter(webhookID: poisoned.id), cursor: nil, limit: 10
                ).entries
                for log in refused {
                    #expect(log.delivery.lastStatusCode == 200 && log.delivery.attemptCount == 1)
                    #expect(
                        log.delivery.lastError?.contains("the receiver answered HTTP 200, but the result could not be stored") == true,
                        "\(log.delivery.lastError ?? "-")")
                    #expect(log.delivery.lockedBy == nil, "its lease is released")
                }
            }
        }
    }
}
