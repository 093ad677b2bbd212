import Core
import Foundation
import Testing

@Suite("Writing a batch's delivery states in one statement")
struct DeliveryStateUpdateTests {
    @Test(
        "Leased deliveries get their states and lose their leases: NULLs beside values, all-NULL columns, one listed twice, one left out",
        arguments: TestDriverKind.all)
    func batchStates(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            _ = try await server.components.webhooks.create(WebhookDraft(name: "a", url: "https://a.example/hook", events: ["*"]))
            for _ in 0..<4 {
                _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([]))
            }
            let store = DeliveryStore(executor: server.database.driver)
            // Leased, as a worker's claim leaves them: writing a state releases the lease.
            let claimed = try await server.database.driver.transaction { transaction in
                try await DeliveryStore(executor: transaction, cipher: server.components.cipher).claimDue(
                    worker: "recording", now: Timestamp.truncated(Date()), lease: .seconds(60), limit: 10, policy: CircuitPolicy())
            }
            try #require(claimed.count == 4)
            let queued = try await store.list(DeliveryLogFilter(), after: nil, limit: 10).map(\.delivery)
            try #require(queued.count == 4 && queued.allSatisfy { $0.lockedBy == "recording" })
            let base = Timestamp.truncated(Date())
            func state(
                _ delivery: Delivery, _ status: DeliveryStatus, count: Int, next: Date?, code: Int?, error: String?, at offset: Double,
                done: Bool
            ) -> Delivery {
                var changed = delivery
                changed.status = status
                changed.attemptCount = count
                changed.nextAttemptAt = next.map(Timestamp.rounded)
                changed.lastStatusCode = code
                changed.lastError = error
                changed.updatedAt = Timestamp.rounded(base.addingTimeInterval(offset))
                changed.completedAt = done ? changed.updatedAt : nil
                return changed
            }
            // Every column differs somewhere, with NULLs beside values; the first delivery is
            // listed twice and keeps its last state.
            let mixed = [
                state(queued[0], .failed, count: 9, next: nil, code: 503, error: "overwritten", at: 9, done: true),
                state(
                    queued[1], .pending, count: 2, next: base.addingTimeInterval(60.456), code: nil, error: "timed out after 10000 ms",
                    at: 0.789, done: false),
                state(queued[2], .failed, count: 3, next: nil, code: 500, error: "receiver answered HTTP 500", at: 1.001, done: true),
                state(queued[0], .succeeded, count: 1, next: nil, code: 200, error: nil, at: 0.123, done: true),
            ]
            let dialect = server.database.driver.dialect
            let queries = DeliveryStore.stateUpdateQueries(mixed, dialect: dialect)
            if dialect.batchesRowUpdates {
                #expect(queries.count == 1)
                #expect(queries[0].sql(in: dialect).components(separatedBy: " WHEN ").count - 1 == 4 * 7, "three rows padded to four")
            } else {
                #expect(queries.count == mixed.count)
            }
            _ = try await server.database.driver.executeAll(queries)
            for expected in mixed.dropFirst() {
                let stored = try #require(try await store.find(id: expected.id))
                #expect(stored.status == expected.status)
                #expect(stored.attemptCount == expected.attemptCount)
                #expect(stored.nextAttemptAt == expected.nextAttemptAt)
                #expect(stored.lastStatusCode == expected.lastStatusCode)
                #expect(stored.lastError == expected.lastError)
                #expect(stored.updatedAt == expected.updatedAt, "milliseconds kept")
                #expect(stored.completedAt == expected.completedAt)
                #expect(stored.lockedBy == nil && stored.lockedUntil == nil)
            }
            // A delivery not in the batch is left as it was, lease and all.
            #expect(try await store.find(id: queued[3].id) == queued[3])
            // Columns with nothing but NULLs bound (a CASE of those alone would be text on
            // PostgreSQL, which an integer column refuses; the ELSE column types it).
            let same = queued.map { state($0, .pending, count: 1, next: base, code: nil, error: nil, at: 2, done: false) }
            _ = try await server.database.driver.executeAll(DeliveryStore.stateUpdateQueries(same, dialect: dialect))
            for expected in same {
                let stored = try #require(try await store.find(id: expected.id))
                #expect(stored.status == .pending && stored.lastStatusCode == nil && stored.lastError == nil && stored.completedAt == nil)
                #expect(stored.nextAttemptAt == base && stored.updatedAt == Timestamp.rounded(base.addingTimeInterval(2)))
            }
        }
    }

    @Test("Large batches are split under every database's parameter limit, and any batch maps onto a few statement texts")
    func chunks() {
        let now = Date()
        let deliveries = (0..<(DeliveryStore.stateUpdateChunk * 2 + 1)).map { index in
            Delivery(
                id: UUID(), eventID: UUID(), webhookID: UUID(), eventType: "contact.created",
                status: index % 5 == 0 ? .pending : .succeeded,
                attemptCount: index % 3 + 1, nextAttemptAt: index % 5 == 0 ? now : nil, lastStatusCode: index % 7 == 0 ? nil : 200,
                createdAt: now, updatedAt: now.addingTimeInterval(Double(index)), completedAt: index % 5 == 0 ? nil : now)
        }
        let queries = DeliveryStore.stateUpdateQueries(deliveries, dialect: .postgres)
        #expect(queries.count == 3)
        #expect(queries.allSatisfy { $0.binds.count < 32_766 })
        let cases = queries.map { $0.sql(in: .sqlite).components(separatedBy: " WHEN ").count - 1 }
        #expect(cases == [DeliveryStore.stateUpdateChunk * 7, DeliveryStore.stateUpdateChunk * 7, 7])
        #expect(DeliveryStore.stateUpdateQueries(deliveries, dialect: .sqlite).count == deliveries.count, "SQLite: a statement per row")
        // Statement caches hold one entry per text: every batch size and mix of outcomes
        // must come down to the padded sizes: 1, 2, 4 … 128, 200.
        var texts = Set<String>()
        for count in 1...DeliveryStore.stateUpdateChunk {
            for query in DeliveryStore.stateUpdateQueries(Array(deliveries.shuffled().prefix(count)), dialect: .mysql) {
                texts.insert(query.sql(in: .mysql))
            }
        }
        #expect(texts.count == 9)
    }
}
