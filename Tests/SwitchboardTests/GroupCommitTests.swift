import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Synchronization
import Testing

@Suite("Group commit: concurrent publishes share transactions, each answered for itself")
struct GroupCommitTests {
    @Test("Submissions that arrive during a commit are committed together; each gets its own answer")
    func batchesAndAnswers() async throws {
        let batches = Mutex<[[Int]]>([])
        let group = GroupCommit<Int, Int>(maxBatch: 16) { items in
            batches.withLock { $0.append(items) }
            try? await Task.sleep(for: .milliseconds(20))
            return items.map { $0 == 13 ? .failure(FaultInjectingDriver.InjectedFault()) : .success($0 * 2) }
        }
        let answers = await withTaskGroup(of: (Int, Int?).self) { tasks in
            for item in 0..<100 {
                tasks.addTask { (item, try? await group.submit(item)) }
            }
            var answers: [Int: Int?] = [:]
            for await (item, answer) in tasks { answers[item] = answer }
            return answers
        }
        #expect(answers.count == 100)
        for item in 0..<100 {
            #expect(answers[item] == (item == 13 ? nil : item * 2), "item \(item)")
        }
        let sizes = batches.withLock { $0.map(\.count) }
        #expect(sizes.reduce(0, +) == 100)
        #expect(sizes.allSatisfy { $0 <= 16 })
        // 100 submissions at once behind 20 ms commits: far fewer commits than submissions.
        #expect(sizes.count <= 20, "batch sizes \(sizes)")
        // Each item was committed exactly once.
        #expect(Set(batches.withLock { $0.flatMap { $0 } }).count == 100)

        // A lone submission commits at once, with nobody else.
        #expect(try await group.submit(7) == 14)
        #expect(batches.withLock { $0.last } == [7])
    }

    @Test(
        "Grouped publishes where one fails: it alone gets an error; every publish answered 2xx is stored with its deliveries",
        arguments: TestDriverKind.all)
    func oneFailingPublish(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            _ = try await server.components.webhooks.create(WebhookDraft(name: "all", url: "https://a.example", events: ["*"]))
            _ = try await server.components.webhooks.create(
                WebhookDraft(name: "contacts", url: "https://b.example", events: ["contact.created"]))
            // Every transaction is held open 30 ms, so the publishes pile up and are grouped;
            // any statement carrying a "poison" payload fails, and with it the shared
            // transaction it is in.
            let faulty = FaultInjectingDriver(base: server.database.driver, failOnValue: "poison", transactionDelay: .milliseconds(30))
            let dispatcher = EventDispatcher(driver: faulty)
            let outcomes = await withTaskGroup(of: (Int, Result<PublishedEvent, any Error>).self) { tasks in
                for index in 0..<60 {
                    tasks.addTask {
                        let data: JSONValue =
                            index % 10 == 3 ? .object([("poison", .bool(true))]) : .object([("n", .number(Double(index)))])
                        do {
                            return (
                                index,
                                .success(try await dispatcher.publish(type: "contact.created", data: data, idempotencyKey: "key-\(index)"))
                            )
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                var outcomes: [Int: Result<PublishedEvent, any Error>] = [:]
                for await (index, outcome) in tasks { outcomes[index] = outcome }
                return outcomes
            }
            let driver = server.database.driver
            var accepted: [PublishedEvent] = []
            for index in 0..<60 {
                switch try #require(outcomes[index]) {
                case .success(let published):
                    #expect(index % 10 != 3, "a poisoned publish was answered as accepted")
                    #expect(published.deliveryCount == 2)
                    accepted.append(published)
                case .failure(let error):
                    #expect(index % 10 == 3, "publish \(index) failed: \(error)")
                    #expect(error is FaultInjectingDriver.InjectedFault)
                }
            }
            #expect(accepted.count == 54)
            // Every accepted event is stored, with its deliveries; nothing else is.
            #expect(try await driver.first("SELECT COUNT(*) AS n FROM events")?.int("n") == 54)
            #expect(try await driver.first("SELECT COUNT(*) AS n FROM webhook_deliveries")?.int("n") == 108)
            for published in accepted {
                let stored = try await EventStore(executor: driver).find(id: published.event.id)
                #expect(stored?.payload == published.event.payload)
                #expect(try await DeliveryStore(executor: driver).count(eventID: published.event.id) == 2)
            }

            // Without a poisoned publish among them, concurrent publishes share transactions
            // (one timestamp per transaction).
            let clean = try await withThrowingTaskGroup(of: PublishedEvent.self) { tasks in
                for index in 0..<30 {
                    tasks.addTask { try await dispatcher.publish(type: "contact.updated", data: .object([("n", .number(Double(index)))])) }
                }
                return try await tasks.reduce(into: []) { $0.append($1) }
            }
            #expect(clean.count == 30)
            #expect(Set(clean.map(\.event.createdAt)).count < 10, "transactions: \(Set(clean.map(\.event.createdAt)).count)")
            #expect(try await driver.first("SELECT COUNT(*) AS n FROM events")?.int("n") == 84)

            // The idempotency keys of the accepted ones hold; the failed ones' are free.
            let again = try await dispatcher.publish(type: "contact.created", data: .object([]), idempotencyKey: "key-0")
            #expect(again.isDuplicate)
            let retried = try await server.components.dispatcher.publish(
                type: "contact.created", data: .object([]), idempotencyKey: "key-3")
            #expect(!retried.isDuplicate)
        }
    }

    @Test("POST /api/events/batch stores the valid events in one go and answers each at its index", arguments: TestDriverKind.all)
    func batchRoute(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: { $0.maxEventBytes = 2048 }) { server in
            _ = try await server.components.webhooks.create(WebhookDraft(name: "all", url: "https://a.example", events: ["*"]))
            let publisher = try await server.key([.writeEvents])
            try await server.test { client in
                let all = try await client.send(
                    .post, "/api/events/batch", key: publisher,
                    json: """
                        {"events":[{"type":"contact.created","data":{"id":1}},{"type":"property.created","data":[1],"idempotencyKey":"p1"}]}
                        """)
                #expect(all.status == .accepted)
                #expect(all.body["data"]?["accepted"]?.intValue == 2)
                #expect(all.body["data"]?["failed"]?.intValue == 0)
                let first = all.body["data"]?["results"]?[0]
                #expect(first?["index"]?.intValue == 0)
                #expect(first?["success"] == .bool(true))
                #expect(first?["deliveries"]?.intValue == 1)
                let p1 = all.body["data"]?["results"]?[1]?["eventId"]

                let big = String(repeating: "x", count: 4096)
                let mixed = try await client.send(
                    .post, "/api/events/batch", key: publisher,
                    json: """
                        {"events":[{"type":"contact.created","data":{"id":2}},{"type":"contact.exploded","data":{}},\
                        {"type":"property.created","data":[2],"idempotencyKey":"p1"},\
                        {"type":"contact.created","data":"\(big)"},{"type":"webhook.test","data":{}},\
                        {"type":"contact.deleted","data":{"id":3},"idempotencyKey":"d3"},{"type":"contact.deleted","data":{"id":4},"idempotencyKey":"d3"}]}
                        """)
                #expect(mixed.status.code == 207)
                #expect(mixed.body["success"] == .bool(true))
                #expect(mixed.body["data"]?["accepted"]?.intValue == 4)
                #expect(mixed.body["data"]?["failed"]?.intValue == 3)
                let results = mixed.body["data"]?["results"]
                for (index, code) in [(1, "validation_failed"), (3, "payload_too_large"), (4, "reserved_event_type")] {
                    #expect(results?[index]?["index"]?.intValue == index)
                    #expect(results?[index]?["success"] == .bool(false))
                    #expect(results?[index]?["error"]?["code"]?.stringValue == code, "event \(index)")
                }
                // The idempotency key answers with the earlier batch's event; a key repeated
                // within the batch answers with the batch's first event of that key.
                #expect(results?[2]?["eventId"] == p1)
                #expect(results?[2]?["duplicate"] == .bool(true))
                #expect(results?[6]?["eventId"] == results?[5]?["eventId"])
                #expect(results?[6]?["duplicate"] == .bool(true))
                #expect(results?[5]?["duplicate"] == .bool(false))

                // A malformed event rejects the whole request, naming its index; nothing of it
                // is stored.
                for (events, status, code) in [
                    (#"[{"type":"contact.created","data":{}},"text"]"#, HTTPResponse.Status.unprocessableContent, "validation_failed"),
                    (#"[{"type":"contact.created","data":{}},{"type":"contact.created"}]"#, .unprocessableContent, "validation_failed"),
                    (#"[{"type":"contact.created","data":{},"extra":1}]"#, .badRequest, "unknown_field"),
                    (#"[{"type":"contact.created","data":{},"idempotencyKey":""}]"#, .unprocessableContent, "validation_failed"),
                ] {
                    let answer = try await client.send(.post, "/api/events/batch", key: publisher, json: #"{"events":\#(events)}"#)
                    expectError(answer, status, code: code)
                    #expect(answer.body["error"]?["message"]?.stringValue?.hasPrefix("events[") == true, "\(answer.body.compactText)")
                }
                expectError(
                    try await client.send(.post, "/api/events/batch", key: publisher, json: #"{"events":[]}"#), .unprocessableContent,
                    code: "validation_failed")
                let tooMany =
                    "{\"events\":[" + Array(repeating: #"{"type":"contact.created","data":{}}"#, count: 1001).joined(separator: ",") + "]}"
                expectError(
                    try await client.send(.post, "/api/events/batch", key: publisher, json: tooMany), .unprocessableContent,
                    code: "validation_failed")
                expectError(
                    try await client.send(.post, "/api/events/batch", key: publisher, json: #"{"events":{}}"#), .unprocessableContent,
                    code: "validation_failed")
                expectError(
                    try await client.send(.post, "/api/events/batch", key: publisher, json: #"[1]"#), .badRequest, code: "invalid_json")
                let reader = try await server.key([.readWebhooks])
                expectError(
                    try await client.send(
                        .post, "/api/events/batch", key: reader, json: #"{"events":[{"type":"contact.created","data":{}}]}"#), .forbidden,
                    code: "insufficient_permissions")
            }
            // Stored: 2 + 2 new events (ids 2, 3), each with one delivery.
            let driver = server.database.driver
            #expect(try await driver.first("SELECT COUNT(*) AS n FROM events")?.int("n") == 4)
            #expect(try await driver.first("SELECT COUNT(*) AS n FROM webhook_deliveries")?.int("n") == 4)
        }
    }
}
