import Core
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The transactional outbox on every database: rows the CRM committed become exactly one
/// event each, rows of rolled-back transactions never do, bad rows are kept aside with the
/// reason without holding up the rest, and relays in several processes share the work.
@Suite("Transactional outbox")
struct OutboxTests {
    struct RolledBack: Error {}

    /// The `n` of every event delivered to the webhook, from the delivery log.
    static func deliveredNumbers(_ server: TestServer, webhookID: UUID) async throws -> [Int] {
        var numbers: [Int] = []
        var cursor: String?
        repeat {
            let page = try await server.components.deliveryLogs.list(DeliveryLogFilter(webhookID: webhookID), cursor: cursor, limit: 100)
            for entry in page.entries {
                let event = try #require(try await EventStore(executor: server.database.driver).find(id: entry.delivery.eventID))
                numbers.append(try #require(try JSONValue.parse(Array(event.payload.utf8))["n"]?.intValue))
            }
            cursor = page.nextCursor
        } while cursor != nil
        return numbers
    }

    static func subscriber(_ server: TestServer) async throws -> UUID {
        try await server.components.webhooks.create(
            WebhookDraft(name: "CRM events", url: "http://127.0.0.1:9/crm", events: ["contact.created", "contact.updated"])
        ).id
    }

    @Test(
        "committed rows become exactly one event each, rolled-back rows none, bad rows are kept aside with the reason",
        arguments: TestDriverKind.all)
    func exactlyOnce(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            let webhookID = try await Self.subscriber(server)
            let driver = server.database.driver
            for n in 0..<60 {
                let data = #"{"n":\#(n)}"#
                if n % 6 == 5 {
                    // The CRM's transaction fails after inserting: the row must never publish.
                    await #expect(throws: RolledBack.self) {
                        try await driver.transaction { transaction in
                            try await OutboxStore(executor: transaction).insert(eventType: "contact.created", data: data)
                            throw RolledBack()
                        }
                    }
                } else {
                    try await driver.transaction { transaction in
                        try await OutboxStore(executor: transaction).insert(eventType: "contact.created", data: data)
                    }
                }
            }
            let outbox = OutboxStore(executor: driver)
            try await outbox.insert(eventType: "invoice.unknown", data: #"{"n":100}"#)
            try await outbox.insert(eventType: "contact.updated", data: "{not json")
            try await outbox.insert(eventType: "webhook.disabled", data: #"{"n":101}"#)
            try await outbox.insert(eventType: "contact.updated", data: #"{"n":102}"#, idempotencyKey: "contact-102")
            try await outbox.insert(eventType: "contact.updated", data: #"{"n":103}"#, idempotencyKey: "contact-102")

            let relay = OutboxRelay(driver: driver, catalog: server.components.catalog, batch: 7)
            var total = OutboxRelay.Pass()
            while true {
                let pass = try await relay.relayOnce()
                if pass.rows == 0 { break }
                total.published += pass.published
                total.duplicates += pass.duplicates
                total.rejected += pass.rejected
            }
            #expect(total == OutboxRelay.Pass(published: 51, duplicates: 1, rejected: 3))
            let numbers = try await Self.deliveredNumbers(server, webhookID: webhookID)
            let committed = (0..<60).filter { $0 % 6 != 5 }
            #expect(numbers.sorted() == (committed + [102]).sorted(), "each committed row once; the repeated idempotency key once")
            #expect(!(try await outbox.hasRows()))
            let rejected = try await outbox.rejected(limit: 10, offset: 0)
            #expect(rejected.total == 3)
            #expect(Set(rejected.items.map(\.row.eventType)) == ["invoice.unknown", "contact.updated", "webhook.disabled"])
            #expect(rejected.items.first { $0.row.eventType == "invoice.unknown" }?.reason.contains("unknown event_type") == true)
            #expect(rejected.items.first { $0.row.eventType == "contact.updated" }?.reason.contains("not JSON") == true)
            let counts = try await outbox.counts()
            #expect(counts.waiting == 0 && counts.rejected == 3)
        }
    }

    @Test(
        "a row whose created_at cannot be read (text an ORM wrote, epoch seconds) is rejected with the reason, and the rows behind it are relayed"
    )
    func unreadableRows() async throws {
        // SQLite's columns take any value; PostgreSQL's and MariaDB's types refuse these rows.
        try await withTestServer(.sqlite) { server in
            let webhookID = try await Self.subscriber(server)
            let driver = server.database.driver
            let outbox = OutboxStore(executor: driver)
            try await outbox.insert(eventType: "contact.created", data: #"{"n":1}"#)
            try await driver.execute(
                "INSERT INTO switchboard_outbox (event_type, data, created_at) VALUES ('contact.created', '{\"n\":2}', 'yesterday')")
            try await driver.execute(
                "INSERT INTO switchboard_outbox (event_type, data, created_at) VALUES ('contact.created', '{\"n\":3}', 1733600000)")
            try await outbox.insert(eventType: "contact.updated", data: #"{"n":4}"#)
            let relay = OutboxRelay(driver: driver, catalog: server.components.catalog)
            #expect(try await relay.relayOnce() == OutboxRelay.Pass(published: 2, rejected: 2))
            #expect(try await Self.deliveredNumbers(server, webhookID: webhookID).sorted() == [1, 4])
            #expect(!(try await outbox.hasRows()))
            let rejected = try await outbox.rejected(limit: 10, offset: 0).items
            #expect(rejected.count == 2)
            #expect(
                rejected.allSatisfy { $0.reason.contains("cannot be read") && $0.reason.contains("created_at") },
                "\(rejected.map(\.reason))")
            #expect(Set(rejected.map(\.row.data)) == [#"{"n":2}"#, #"{"n":3}"#])
            #expect(rejected.contains { $0.reason.contains("yesterday") })
        }
    }

    @Test("two relays working the same outbox at once publish every row once", arguments: TestDriverKind.all)
    func concurrentRelays(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            let webhookID = try await Self.subscriber(server)
            let driver = server.database.driver
            for n in 0..<300 {
                try await OutboxStore(executor: driver).insert(eventType: "contact.created", data: #"{"n":\#(n)}"#)
            }
            let relays = (0..<2).map { _ in OutboxRelay(driver: driver, catalog: server.components.catalog, batch: 25) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for relay in relays {
                    group.addTask {
                        while try await relay.relayOnce().rows > 0 {}
                    }
                }
                try await group.waitForAll()
            }
            while try await relays[0].relayOnce().rows > 0 {}
            let numbers = try await Self.deliveredNumbers(server, webhookID: webhookID)
            #expect(numbers.count == 300)
            #expect(Set(numbers) == Set(0..<300))
        }
    }

    @Test(
        "on PostgreSQL the CRM's commit wakes the relay at once (LISTEN/NOTIFY); the other databases say they cannot announce, and are polled",
        arguments: TestDriverKind.all)
    func wakesOnCommit(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            let driver = server.database.driver
            guard kind == .postgres else {
                #expect(try await driver.listen(channel: OutboxRelay.channel, onNotification: {}) == false)
                return
            }
            let webhookID = try await Self.subscriber(server)
            let relay = OutboxRelay(driver: driver, catalog: server.components.catalog, interval: .seconds(60))
            var logger = Logger(label: "test-outbox")
            logger.logLevel = .warning
            let group = ServiceGroup(configuration: .init(services: [relay], gracefulShutdownSignals: [], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                // Its first pass finds nothing; then it waits 60 s for the poll, or for a commit.
                try await Task.sleep(for: .milliseconds(500))
                let committed = ContinuousClock.now
                try await driver.transaction { transaction in
                    try await OutboxStore(executor: transaction).insert(eventType: "contact.created", data: #"{"n":1}"#)
                }
                try await eventually(timeout: .seconds(40), "the row relayed") {
                    try await Self.deliveredNumbers(server, webhookID: webhookID) == [1]
                }
                // Far below the poll, with room for a machine busy with the rest of the suite.
                #expect(ContinuousClock.now - committed < .seconds(15), "woken by the commit, not the 60 s poll")
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}
