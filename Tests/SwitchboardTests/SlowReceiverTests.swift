import Core
import Foundation
import Server
import Testing

/// Receivers that answer at once and then send their body a byte at a time. Before the whole
/// attempt had one deadline, such a receiver held its delivery slot (and on shutdown, the
/// process) for as long as it kept dribbling.
@Suite("Receivers that stall their answer")
struct SlowReceiverTests {
    static let timeoutMilliseconds = 1000

    static func settings(_ settings: inout ServerSettings) {
        settings.deliveryTimeoutMilliseconds = timeoutMilliseconds
    }

    @Test("a body sent a byte at a time ends the attempt as a timeout within WEBHOOK_TIMEOUT_MS + 1 s, and it is retried")
    func dribbleTimesOut() async throws {
        try await withTestServer(configure: Self.settings) { server in
            try await withReceiver({ _, _ in ScriptedResponse(dribble: .milliseconds(100)) }) { receiver in
                let webhook = try await server.components.webhooks.create(
                    WebhookDraft(
                        name: "dribbler", url: receiver.url, events: ["*"], maxRetries: 1, retryDelaysMs: [100]))
                try await withRunningWorker(server) {
                    _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([]))
                    try await eventually(timeout: .seconds(15), "two attempts, both timed out") {
                        let logs = try await server.components.deliveryLogs.list(
                            DeliveryLogFilter(webhookID: webhook.id), cursor: nil, limit: 10)
                        return logs.entries.first?.attempts.count == 2
                    }
                    let log = try #require(
                        try await server.components.deliveryLogs.list(
                            DeliveryLogFilter(webhookID: webhook.id), cursor: nil, limit: 10
                        ).entries.first)
                    #expect(log.delivery.status == .failed)
                    for attempt in log.attempts {
                        #expect(attempt.responseStatus == nil)
                        #expect(attempt.error?.contains("timed out") == true, "\(attempt.error ?? "-")")
                        #expect(attempt.durationMs <= Self.timeoutMilliseconds + 1000, "attempt took \(attempt.durationMs) ms")
                    }
                    #expect(receiver.requests.count == 2)
                }
            }
        }
    }

    @Test("64 dribbling receivers do not stop a healthy webhook's deliveries")
    func dribblersDoNotStarveOthers() async throws {
        try await withTestServer(configure: Self.settings) { server in
            try await withReceiver({ request, _ in
                request.uri.contains("slow") ? ScriptedResponse(dribble: .milliseconds(100)) : ScriptedResponse()
            }) { receiver in
                for index in 0..<64 {
                    _ = try await server.components.webhooks.create(
                        WebhookDraft(
                            name: "slow \(index)", url: receiver.url + "?slow=\(index)", events: ["*"], maxRetries: 0))
                }
                let healthy = try await server.components.webhooks.create(
                    WebhookDraft(
                        name: "healthy", url: receiver.url, events: ["contact.created"]))
                try await withRunningWorker(server) {
                    // The first event fills every slot with dribblers; the second must still arrive.
                    _ = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([]))
                    try await eventually("64 dribblers connected") { receiver.requests.count >= 64 }
                    _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([]))
                    try await eventually(timeout: .seconds(Self.timeoutMilliseconds / 1000 + 5), "the healthy webhook's delivery") {
                        let logs = try await server.components.deliveryLogs.list(
                            DeliveryLogFilter(webhookID: healthy.id), cursor: nil, limit: 10)
                        return logs.entries.first?.delivery.status == .succeeded
                    }
                }
            }
        }
    }
}
