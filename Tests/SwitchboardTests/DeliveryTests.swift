import Core
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Testing

/// Independent signature checks, written from the Node receiver snippet and the Standard Webhooks
/// specification rather than with the signer under test.
enum ReceiverVerification {
    static func webhookSignatureIsValid(_ request: ReceivedRequest, secret: String) -> Bool {
        let mac = HMAC<SHA256>.authenticationCode(for: request.body, using: SymmetricKey(data: Array(secret.utf8)))
        let expected = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        return request.header("X-Webhook-Signature") == expected
    }

    static func standardSignatureIsValid(_ request: ReceivedRequest, secret: String, tolerance: TimeInterval = 300) -> Bool {
        guard let id = request.header("webhook-id"), let timestampText = request.header("webhook-timestamp"),
            let timestamp = TimeInterval(timestampText), abs(Date().timeIntervalSince1970 - timestamp) < tolerance,
            let signatures = request.header("webhook-signature"),
            secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6)))
        else { return false }
        let signed = Array("\(id).\(timestampText).".utf8) + request.body
        let expected = Data(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))).base64EncodedString()
        return signatures.split(separator: " ").contains { $0 == "v1,\(expected)" }
    }
}

@Suite("Delivery engine against real HTTP receivers")
struct DeliveryTests {
    /// Fast schedule for tests: three retries 100 ms apart.
    static func fastRetries(_ settings: inout ServerSettings) {
        settings.retryAttempts = 3
        settings.deliveryTimeoutMilliseconds = 2000
    }

    func makeWebhook(_ server: TestServer, url: String, events: [String] = ["*"], maxRetries: Int? = 3, delays: [Int]? = [100, 100, 100])
        async throws -> Webhook
    {
        try await server.components.webhooks.create(
            WebhookDraft(
                name: "receiver", url: url, events: events, maxRetries: maxRetries, retryDelaysMs: delays))
    }

    func deliveries(_ server: TestServer, webhook: UUID) async throws -> [DeliveryLog] {
        try await server.components.deliveryLogs.list(DeliveryLogFilter(webhookID: webhook), cursor: nil, limit: 100).entries
    }

    @Test("A published event arrives once, signed both ways, with the documented body and headers", arguments: TestDriverKind.all)
    func deliversSigned(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: Self.fastRetries) { server in
            try await withReceiver { receiver in
                let webhook = try await makeWebhook(server, url: receiver.url, events: ["contact.created"])
                let other = try await makeWebhook(server, url: receiver.url, events: ["property.deleted"])
                try await withRunningWorker(server) {
                    let data = try JSONValue.parse(
                        Array(#"{"name":"Ann / Bob","n":1.5,"big":1e21,"small":1e-7,"list":[1,2,3],"nested":{"ok":true}}"#.utf8))
                    let published = try await server.components.dispatcher.publish(type: "contact.created", data: data)
                    #expect(published.deliveryCount == 1)
                    try await eventually("one request") { receiver.requests.count == 1 }
                    try await eventually("delivery succeeded") {
                        try await deliveries(server, webhook: webhook.id).first?.delivery.status == .succeeded
                    }
                    let request = try #require(receiver.requests.first)
                    let secret = try #require(webhook.secret)
                    #expect(ReceiverVerification.webhookSignatureIsValid(request, secret: secret))
                    #expect(ReceiverVerification.standardSignatureIsValid(request, secret: secret))
                    #expect(!ReceiverVerification.webhookSignatureIsValid(request, secret: secret + "x"))
                    #expect(request.header("webhook-id") == published.event.id.uuidString.lowercased())
                    #expect(request.header("X-Webhook-Event") == "contact.created")
                    #expect(request.header("User-Agent") == "Switchboard/\(SwitchboardApp.version)")
                    #expect(request.header("Content-Type") == "application/json")
                    let expectedBody =
                        #"{"id":"\#(published.event.id.uuidString.lowercased())","type":"contact.created","timestamp":"\#(Timestamp.format(published.event.createdAt))","data":{"name":"Ann / Bob","n":1.5,"big":1e+21,"small":1e-7,"list":[1,2,3],"nested":{"ok":true}}}"#
                    #expect(request.bodyText == expectedBody)
                    #expect(try await deliveries(server, webhook: other.id).isEmpty)
                    let log = try #require(try await deliveries(server, webhook: webhook.id).first)
                    #expect(log.attempts.count == 1)
                    #expect(log.attempts.first?.responseStatus == 200)
                    #expect(log.attempts.first?.responseBodyExcerpt == "ok")
                    #expect(log.attempts.first?.requestHeaders["X-Webhook-Signature"]?.hasPrefix("sha256=") == true)
                }
            }
        }
    }

    @Test("Retryable answers are retried on the schedule until one succeeds", arguments: TestDriverKind.all, [500, 502, 503, 408, 429])
    func retriesThenSucceeds(_ kind: TestDriverKind, status: Int) async throws {
        try await withTestServer(kind, configure: Self.fastRetries) { server in
            try await withReceiver({ _, index in
                index < 2 ? ScriptedResponse(status: HTTPResponse.Status(code: status), body: "try later") : ScriptedResponse()
            }) { receiver in
                let webhook = try await makeWebhook(server, url: receiver.url, delays: [150, 300])
                try await withRunningWorker(server) {
                    _ = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([]))
                    try await eventually("succeeded after retries") {
                        try await deliveries(server, webhook: webhook.id).first?.delivery.status == .succeeded
                    }
                }
                let log = try #require(try await deliveries(server, webhook: webhook.id).first)
                #expect(log.attempts.map(\.responseStatus) == [status, status, 200])
                #expect(log.attempts.map(\.attemptNumber) == [1, 2, 3])
                let times = receiver.requests.map(\.receivedAt)
                try #require(times.count == 3)
                // Jitter is ±10 %: 150 ms → at least 135 ms, 300 ms → at least 270 ms.
                #expect(times[1].timeIntervalSince(times[0]) >= 0.13)
                #expect(times[2].timeIntervalSince(times[1]) >= 0.26)
                let refreshed = try await server.components.webhooks.get(id: webhook.id)
                #expect(refreshed.consecutiveFailures == 0, "a success resets the failure count")
            }
        }
    }

    @Test("Other 4xx answers and redirects are final after one attempt", arguments: TestDriverKind.all, [400, 401, 404, 422, 301, 302])
    func finalStatuses(_ kind: TestDriverKind, status: Int) async throws {
        try await withTestServer(kind, configure: Self.fastRetries) { server in
            try await withReceiver({ _, _ in
                ScriptedResponse(status: HTTPResponse.Status(code: status), headers: [.location: "http://127.0.0.1:1/elsewhere"])
            }) { receiver in
                let webhook = try await makeWebhook(server, url: receiver.url)
                try await withRunningWorker(server) {
                    _ = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([]))
                    try await eventually("failed") { try await deliveries(server, webhook: webhook.id).first?.delivery.status == .failed }
                }
                let log = try #require(try await deliveries(server, webhook: webhook.id).first)
                #expect(log.attempts.count == 1)
                #expect(log.delivery.lastStatusCode == status)
                #expect(receiver.requests.count == 1, "redirects are not followed")
            }
        }
    }

    @Test("Out of retries, a delivery fails after 1 + maxRetries attempts", arguments: TestDriverKind.all)
    func exhaustsRetries(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: Self.fastRetries) { server in
            try await withReceiver({ _, _ in ScriptedResponse(status: .internalServerError) }) { receiver in
                let webhook = try await makeWebhook(server, url: receiver.url, maxRetries: 2, delays: [100])
                try await withRunningWorker(server) {
                    _ = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([]))
                    try await eventually("failed") { try await deliveries(server, webhook: webhook.id).first?.delivery.status == .failed }
                }
                #expect(try await deliveries(server, webhook: webhook.id).first?.attempts.count == 3)
                #expect(receiver.requests.count == 3)
            }
        }
    }

    @Test("Retry-After is honoured", arguments: TestDriverKind.all)
    func retryAfter(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: Self.fastRetries) { server in
            try await withReceiver({ _, index in
                index == 0 ? ScriptedResponse(status: .tooManyRequests, headers: [.retryAfter: "1"]) : ScriptedResponse()
            }) { receiver in
                let webhook = try await makeWebhook(server, url: receiver.url, delays: [100])
                try await withRunningWorker(server) {
                    _ = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([]))
                    try await eventually("succeeded") {
                        try await deliveries(server, webhook: webhook.id).first?.delivery.status == .succeeded
                    }
                }
                let times = receiver.requests.map(\.receivedAt)
                try #require(times.count == 2)
                #expect(times[1].timeIntervalSince(times[0]) >= 0.95)
            }
        }
    }

    @Test("410 Gone disables the webhook at once", arguments: TestDriverKind.all)
    func goneDisables(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: Self.fastRetries) { server in
            try await withReceiver({ _, _ in ScriptedResponse(status: .gone) }) { receiver in
                let webhook = try await makeWebhook(server, url: receiver.url)
                try await withRunningWorker(server) {
                    _ = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([]))
                    try await eventually("disabled") { try await !server.components.webhooks.get(id: webhook.id).isActive }
                }
                let disabled = try await server.components.webhooks.get(id: webhook.id)
                #expect(disabled.disabledReason?.contains("410") == true)
                #expect(disabled.disabledAt != nil)
                #expect(receiver.requests.count == 1)
                // A disabled webhook gets no new deliveries.
                #expect(try await server.components.dispatcher.publish(type: "contact.updated", data: .object([])).deliveryCount == 0)
            }
        }
    }

    @Test(
        "A receiver answering 400 to everything is disabled after exactly 10 failed deliveries; re-enabling resets the counts",
        arguments: TestDriverKind.all)
    func autoDisable(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: Self.fastRetries) { server in
            try await withReceiver({ _, _ in ScriptedResponse(status: .badRequest) }) { receiver in
                let webhook = try await makeWebhook(server, url: receiver.url)
                try await withRunningWorker(server) {
                    // One at a time, so the count is exact: a 400 is final, one attempt each.
                    for number in 1...10 {
                        _ = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([]))
                        try await eventually("delivery \(number) failed") {
                            try await deliveries(server, webhook: webhook.id).filter { $0.delivery.status == .failed }.count == number
                        }
                        let current = try await server.components.webhooks.get(id: webhook.id)
                        #expect(current.consecutiveFailedDeliveries == number)
                        #expect(current.isActive == (number < 10), "still active after \(number) failed deliveries: \(current.isActive)")
                        #expect(current.circuit.state == .closed, "a receiver that answers is reachable: no circuit")
                    }
                }
                let disabled = try await server.components.webhooks.get(id: webhook.id)
                #expect(disabled.disabledReason == "10 consecutive failed deliveries")
                #expect(disabled.consecutiveFailures == 10)
                #expect(receiver.requests.count == 10)
                let enabled = try await server.components.webhooks.update(id: webhook.id, changes: WebhookChanges(isActive: true))
                #expect(
                    enabled.isActive && enabled.consecutiveFailures == 0 && enabled.consecutiveFailedDeliveries == 0
                        && enabled.disabledReason == nil)
                #expect(try await server.components.webhooks.get(id: webhook.id).consecutiveFailedDeliveries == 0)
            }
        }
    }

    @Test("The same idempotency key within 24 h returns the first event and delivers once", arguments: TestDriverKind.all)
    func idempotency(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: Self.fastRetries) { server in
            try await withReceiver { receiver in
                let webhook = try await makeWebhook(server, url: receiver.url)
                try await withRunningWorker(server) {
                    let first = try await server.components.dispatcher.publish(
                        type: "contact.created", data: .object([("a", .number(1))]), idempotencyKey: "order-42")
                    let second = try await server.components.dispatcher.publish(
                        type: "contact.created", data: .object([("a", .number(2))]), idempotencyKey: "order-42")
                    #expect(!first.isDuplicate)
                    #expect(second.isDuplicate)
                    #expect(second.event.id == first.event.id)
                    #expect(second.deliveryCount == 1)
                    try await eventually("delivered") {
                        try await deliveries(server, webhook: webhook.id).first?.delivery.status == .succeeded
                    }
                    try await Task.sleep(for: .milliseconds(200))
                }
                #expect(receiver.requests.count == 1)
            }
        }
    }

    @Test("Manual retry appends an attempt to a failed delivery; recover re-queues failed ones", arguments: TestDriverKind.all)
    func manualRetryAndRecover(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: Self.fastRetries) { server in
            let healthy = Mutex(false)
            try await withReceiver({ _, _ in healthy.withLock { $0 } ? ScriptedResponse() : ScriptedResponse(status: .badRequest) }) {
                receiver in
                let webhook = try await makeWebhook(server, url: receiver.url)
                try await withRunningWorker(server) {
                    for _ in 0..<3 { _ = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([])) }
                    try await eventually("three failed") {
                        try await deliveries(server, webhook: webhook.id).filter { $0.delivery.status == .failed }.count == 3
                    }
                    healthy.withLock { $0 = true }
                    let first = try #require(try await deliveries(server, webhook: webhook.id).first)
                    _ = try await server.components.deliveryLogs.retry(id: first.delivery.id)
                    try await eventually("retried one succeeded") {
                        try await server.components.deliveryLogs.get(id: first.delivery.id).delivery.status == .succeeded
                    }
                    let retried = try await server.components.deliveryLogs.get(id: first.delivery.id)
                    #expect(retried.attempts.map(\.responseStatus) == [400, 200])

                    let requeued = try await server.components.deliveryLogs.recover(
                        webhookID: webhook.id, since: Date().addingTimeInterval(-3600))
                    #expect(requeued == 2)
                    try await eventually("all succeeded") {
                        try await deliveries(server, webhook: webhook.id).allSatisfy { $0.delivery.status == .succeeded }
                    }
                }
            }
        }
    }

    @Test("A crashed worker's leases expire and another worker completes its deliveries", arguments: TestDriverKind.all)
    func leaseExpiry(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: Self.fastRetries) { server in
            try await withReceiver { receiver in
                let webhook = try await makeWebhook(server, url: receiver.url)
                for _ in 0..<5 { _ = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([])) }
                // A worker claims everything and dies without sending or recording anything.
                let claimed = try await server.database.driver.transaction { transaction in
                    try await DeliveryStore(executor: transaction, cipher: server.components.cipher).claimDue(
                        worker: "crashed", now: Timestamp.truncated(Date()), lease: .milliseconds(300), limit: 10, policy: CircuitPolicy())
                }
                #expect(claimed.count == 5)
                try await withRunningWorker(server) {
                    try await eventually("all delivered by the live worker") {
                        try await deliveries(server, webhook: webhook.id).allSatisfy { $0.delivery.status == .succeeded }
                    }
                }
                #expect(receiver.requests.count == 5)
                #expect(receiver.requests.first!.receivedAt.timeIntervalSince(Date()) > -10)
            }
        }
    }

    @Test("Shutdown lets requests in flight finish and records them", arguments: TestDriverKind.all)
    func gracefulShutdown(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: Self.fastRetries) { server in
            try await withReceiver({ _, _ in ScriptedResponse(delay: .milliseconds(400)) }) { receiver in
                let webhook = try await makeWebhook(server, url: receiver.url)
                try await withRunningWorker(server) {
                    for _ in 0..<4 { _ = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([])) }
                    try await eventually("requests in flight") { receiver.requests.count == 4 }
                }
                // The worker has stopped: every delivery it started is recorded as done.
                let logs = try await deliveries(server, webhook: webhook.id)
                #expect(logs.count == 4)
                #expect(logs.allSatisfy { $0.delivery.status == .succeeded && $0.attempts.count == 1 })
            }
        }
    }

    @Test("An accepted event always has its deliveries: a failed fan-out leaves no event", arguments: TestDriverKind.all)
    func atomicPublish(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            _ = try await server.components.webhooks.create(WebhookDraft(name: "n", url: "https://a.example", events: ["*"]))
            let faulty = FaultInjectingDriver(base: server.database.driver, failOn: "INSERT INTO webhook_deliveries")
            let dispatcher = EventDispatcher(driver: faulty)
            await #expect(throws: FaultInjectingDriver.InjectedFault.self) {
                try await dispatcher.publish(type: "contact.created", data: .object([]))
            }
            #expect(try await server.database.driver.first("SELECT COUNT(*) AS n FROM events")?.int("n") == 0)

            for _ in 0..<20 { _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([])) }
            let orphans = try await server.database.driver.first(
                """
                SELECT COUNT(*) AS n FROM events e WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)
                """)?.int("n")
            #expect(orphans == 0)
        }
    }
}

import Synchronization

/// Wraps a driver and fails any statement it is told to (by its SQL text or a bound value),
/// inside transactions too; optionally holds every transaction open a while first, so
/// concurrent callers pile up behind it.
struct FaultInjectingDriver: StorageDriver {
    struct InjectedFault: Error {}
    let base: any StorageDriver
    let fails: @Sendable (SQLQuery, SQLDialect) -> Bool
    var transactionDelay: Duration = .zero
    var dialect: SQLDialect { base.dialect }

    /// Fails statements whose SQL contains `failOn`.
    init(base: any StorageDriver, failOn: String) {
        self.base = base
        self.fails = { query, dialect in query.sql(in: dialect).contains(failOn) }
    }

    /// Fails statements with a bound text value containing `failOnValue`.
    init(base: any StorageDriver, failOnValue: String, transactionDelay: Duration = .zero) {
        self.base = base
        self.transactionDelay = transactionDelay
        self.fails = { query, _ in
            query.binds.contains { if case .text(let text) = $0 { text.contains(failOnValue) } else { false } }
        }
    }

    private var checked: FaultInjectingExecutor { FaultInjectingExecutor(base: base, fails: fails) }

    func query(_ query: SQLQuery) async throws -> [SQLRow] { try await checked.query(query) }

    func execute(_ query: SQLQuery) async throws -> Int { try await checked.execute(query) }

    func executeScript(_ sql: String) async throws { try await base.executeScript(sql) }

    func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        let fails = fails
        let delay = transactionDelay
        return try await base.transaction { transaction in
            if delay > .zero { try await Task.sleep(for: delay) }
            return try await body(FaultInjectingExecutor(base: transaction, fails: fails))
        }
    }

    func close() async throws {}
    func run() async throws {}
}

struct FaultInjectingExecutor: SQLExecutor {
    let base: any SQLExecutor
    let fails: @Sendable (SQLQuery, SQLDialect) -> Bool
    var dialect: SQLDialect { base.dialect }

    func query(_ query: SQLQuery) async throws -> [SQLRow] {
        if fails(query, dialect) { throw FaultInjectingDriver.InjectedFault() }
        return try await base.query(query)
    }

    func execute(_ query: SQLQuery) async throws -> Int {
        if fails(query, dialect) { throw FaultInjectingDriver.InjectedFault() }
        return try await base.execute(query)
    }

    func executeScript(_ sql: String) async throws { try await base.executeScript(sql) }
}
