import Core
import Foundation
import Server
import Testing

@Suite("Handing a publish's deliveries straight to the local worker")
struct HandoffTests {
    /// An idle worker looks for due deliveries once a minute: only a handoff sends at once.
    static func slowPolling(_ settings: inout ServerSettings) {
        settings.pollIntervalMilliseconds = 60_000
        settings.deliveryTimeoutMilliseconds = 5000
    }

    func statuses(_ server: TestServer, webhook: UUID) async throws -> [DeliveryStatus] {
        try await server.components.deliveryLogs.list(DeliveryLogFilter(webhookID: webhook), cursor: nil, limit: 100).entries.map(
            \.delivery.status)
    }

    @Test("A publish hands its delivery to the running worker, which sends it without a claim", arguments: TestDriverKind.all)
    func handsOver(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: Self.slowPolling) { server in
            try await withReceiver { receiver in
                let webhook = try await server.components.webhooks.create(WebhookDraft(name: "r", url: receiver.url, events: ["*"]))
                let worker = try #require(server.components.worker)
                try await withRunningWorker(server) {
                    try await eventually("the first claim measured the room") { worker.acceptsHandoffs }
                    let published = try await server.components.dispatcher.publish(
                        type: "contact.created", data: .object([("id", .integer(7))]))
                    #expect(published.deliveryCount == 1)
                    // Counted when its transaction committed, before the publish answered.
                    #expect(worker.handedOverCount == 1)
                    try await eventually("delivered") { receiver.requests.count == 1 }
                    try await eventually("recorded") { try await statuses(server, webhook: webhook.id) == [.succeeded] }
                    #expect(receiver.requests.first?.header("webhook-id") == published.event.id.uuidString.lowercased())
                    try await eventually("its place freed") { worker.inFlightCount == 0 }
                }
            }
        }
    }

    @Test("WEBHOOK_HANDOFF=false: every delivery waits for a claim")
    func switchedOff() async throws {
        try await withTestServer(configure: { $0.handoff = false }) { server in
            try await withReceiver { receiver in
                _ = try await server.components.webhooks.create(WebhookDraft(name: "r", url: receiver.url, events: ["*"]))
                let worker = try #require(server.components.worker)
                try await withRunningWorker(server) {
                    try await eventually("the first claim measured the room") { worker.acceptsHandoffs }
                    _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([]))
                    try await eventually("delivered after a claim") { receiver.requests.count == 1 }
                    #expect(worker.handedOverCount == 0)
                }
            }
        }
    }

    @Test("No more handed over than the webhook's concurrency cap; the rest wait for a claim", arguments: TestDriverKind.all)
    func capHolds(_ kind: TestDriverKind) async throws {
        try await withTestServer(
            kind,
            configure: {
                Self.slowPolling(&$0)
                $0.circuitPolicy.perWebhookConcurrency = 2
            }
        ) { server in
            try await withReceiver({ _, _ in ScriptedResponse(delay: .milliseconds(1500)) }) { receiver in
                let webhook = try await server.components.webhooks.create(WebhookDraft(name: "slow", url: receiver.url, events: ["*"]))
                let worker = try #require(server.components.worker)
                try await withRunningWorker(server) {
                    try await eventually("the first claim measured the room") { worker.acceptsHandoffs }
                    for number in 0..<4 {
                        _ = try await server.components.dispatcher.publish(
                            type: "contact.created", data: .object([("n", .integer(number))]))
                    }
                    #expect(worker.handedOverCount == 2)
                    let now = try await statuses(server, webhook: webhook.id)
                    #expect(now.filter { $0 == .inProgress }.count == 2, "\(now)")
                    #expect(now.filter { $0 == .pending }.count == 2, "\(now)")
                    try await eventually("all four delivered") {
                        try await statuses(server, webhook: webhook.id) == Array(repeating: .succeeded, count: 4)
                    }
                    // The last two only once the first two had answered.
                    let arrivals = receiver.requests.map(\.receivedAt).sorted()
                    try #require(arrivals.count == 4)
                    #expect(arrivals[2].timeIntervalSince(arrivals[0]) > 1.2, "\(arrivals)")
                }
            }
        }
    }

    @Test("A webhook whose circuit is open takes no handoff", arguments: TestDriverKind.all)
    func openCircuitBars(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: CircuitBreakerTests.quickBreaker) { server in
            let down = try CircuitBreakerTests.DownPort()
            defer { down.release() }
            let webhook = try await server.components.webhooks.create(
                WebhookDraft(
                    name: "down", url: "http://127.0.0.1:\(down.port)/hook", events: ["contact.created"]))
            let worker = try #require(server.components.worker)
            try await withRunningWorker(server) {
                for number in 0..<8 {
                    _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([("n", .integer(number))]))
                }
                try await eventually("circuit opened") { try await server.components.webhooks.get(id: webhook.id).circuit.state != .closed }
                // A claim that began before the circuit opened may still have seen it closed.
                let measured = worker.roomsMeasured
                try await eventually("two claims since") { worker.roomsMeasured >= measured + 2 && worker.acceptsHandoffs }
                let before = worker.handedOverCount
                for number in 0..<5 {
                    _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([("late", .integer(number))]))
                }
                #expect(try await server.components.webhooks.get(id: webhook.id).circuit.state != .closed)
                #expect(worker.handedOverCount == before)
            }
        }
    }

    @Test("Grouped publishes where one fails: its places go back, every accepted event arrives once", arguments: TestDriverKind.all)
    func failedGroupGivesBack(_ kind: TestDriverKind) async throws {
        // A claim's room is good for two poll intervals. The tests' 20 ms poll gives 40 ms, and
        // on SQLite the claim that renews it waits for the writer, which these groups hold 30 ms
        // each: under load no room was left by the time a group reserved (nothing handed over).
        try await withTestServer(
            kind,
            configure: {
                $0.deliveryConcurrency = 8; $0.pollIntervalMilliseconds = 500
            }
        ) { server in
            try await withReceiver { receiver in
                _ = try await server.components.webhooks.create(WebhookDraft(name: "r", url: receiver.url, events: ["*"]))
                let worker = try #require(server.components.worker)
                // Transactions held open 30 ms so publishes are grouped; a "poison" payload
                // fails its statement and the shared transaction with it.
                let faulty = FaultInjectingDriver(base: server.database.driver, failOnValue: "poison", transactionDelay: .milliseconds(30))
                let dispatcher = EventDispatcher(driver: faulty, handoff: { worker.handoffTicket() })
                try await withRunningWorker(server) {
                    try await eventually("the first claim measured the room") { worker.acceptsHandoffs }
                    let outcomes = await withTaskGroup(of: (Int, PublishedEvent?).self) { tasks in
                        for index in 0..<30 {
                            tasks.addTask {
                                let data: JSONValue =
                                    index % 10 == 4 ? .object([("poison", .bool(true))]) : .object([("n", .integer(index))])
                                return (index, try? await dispatcher.publish(type: "contact.created", data: data))
                            }
                        }
                        return await tasks.reduce(into: [Int: PublishedEvent?]()) { $0[$1.0] = $1.1 }
                    }
                    let accepted = (0..<30).compactMap { outcomes[$0] ?? nil }
                    #expect(accepted.count == 27)
                    #expect((0..<30).filter { (outcomes[$0] ?? nil) == nil } == [4, 14, 24])
                    try await eventually("every accepted event delivered") { receiver.requests.count >= 27 }
                    let ids = Set(receiver.requests.compactMap { $0.header("webhook-id") })
                    #expect(ids == Set(accepted.map { $0.event.id.uuidString.lowercased() }))
                    #expect(receiver.requests.count == 27, "each once")
                    #expect(worker.handedOverCount > 0)
                    // No place was kept by a transaction that failed.
                    try await eventually("every place free") { worker.inFlightCount == 0 }
                }
            }
        }
    }
}
