import Core
import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import HummingbirdTesting
import NIOCore
import Server
import Synchronization
import Testing

@Suite("Circuit breaker, auto-disable and fair claiming against real receivers")
struct CircuitBreakerTests {
    /// The retry defaults as they are; only the breaker's timings shortened.
    static func quickBreaker(_ settings: inout ServerSettings) {
        settings.deliveryTimeoutMilliseconds = 2000
        settings.circuitPolicy.probeInterval = .seconds(1)
        settings.circuitPolicy.maxProbeInterval = .seconds(2)
        settings.circuitPolicy.ramp = .seconds(1)
    }

    /// A port on 127.0.0.1 that refuses connections (a receiver that is down) yet stays
    /// reserved: a socket bound to it that never listens. Released, the port could go to
    /// another test's receiver while the suites run at once; call `release()` just before
    /// starting the receiver that comes back on it.
    final class DownPort: Sendable {
        let port: Int
        /// The socket while it holds the port; nil once released (so it is closed once).
        private let descriptor: Mutex<Int32?>

        init() throws {
            let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic -> Bool in
                    bind(socketDescriptor, generic, length) == 0 && getsockname(socketDescriptor, generic, &length) == 0
                }
            }
            guard socketDescriptor >= 0, bound else { throw POSIXError(.EADDRNOTAVAIL) }
            port = Int(UInt16(bigEndian: address.sin_port))
            descriptor = Mutex(socketDescriptor)
        }

        func release() {
            if let open = descriptor.withLock({ value -> Int32? in
                defer { value = nil }; return value
            }) {
                close(open)
            }
        }
    }

    func deliveries(_ server: TestServer, webhook: UUID) async throws -> [DeliveryLog] {
        try await server.components.deliveryLogs.list(DeliveryLogFilter(webhookID: webhook), cursor: nil, limit: 100).entries
    }

    func watch(_ server: TestServer, _ watcher: TestReceiver) async throws {
        _ = try await server.components.webhooks.create(
            WebhookDraft(
                name: "alerts", url: watcher.url, events: ["webhook.unhealthy", "webhook.recovered", "webhook.disabled"]))
    }

    func announced(_ watcher: TestReceiver) throws -> [String?] {
        try watcher.requests.map { try JSONValue.parse(Array($0.body))["type"]?.stringValue }
    }

    @Test(
        "A receiver down for seconds: the circuit opens, deliveries wait for probes, and every event arrives once it is back",
        arguments: TestDriverKind.all)
    func outage(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: Self.quickBreaker) { server in
            let down = try DownPort()
            defer { down.release() }
            let port = down.port
            try await withReceiver { watcher in
                try await watch(server, watcher)
                let webhook = try await server.components.webhooks.create(
                    WebhookDraft(
                        name: "down", url: "http://127.0.0.1:\(port)/hook", events: ["contact.created"]))
                let monitor = server.components.healthMonitor
                try await withRunningWorker(server) {
                    for number in 0..<40 {
                        _ = try await server.components.dispatcher.publish(
                            type: "contact.created", data: .object([("n", .integer(number))]))
                    }
                    try await eventually("circuit opened") {
                        try await server.components.webhooks.get(id: webhook.id).circuit.state != .closed
                    }
                    let seenOpen = Date()
                    let opened = try #require(try await server.components.webhooks.get(id: webhook.id).circuit.openedAt)
                    #expect(try await monitor.evaluate().map(\.eventType) == ["webhook.unhealthy"])
                    // /metrics counts the open circuit (this database's) and the change.
                    let samples = try await server.test { client in
                        let answer = try await client.execute(uri: "/metrics", method: .get, headers: [:], body: nil)
                        return PrometheusText.samples(String(buffer: answer.body))
                    }
                    let open =
                        (samples[#"switchboard_webhook_circuits{state="open"}"#] ?? 0)
                        + (samples[#"switchboard_webhook_circuits{state="half_open"}"#] ?? 0)
                    #expect(open == 1)
                    #expect((samples[#"switchboard_circuit_changes_total{change="opened"}"#] ?? 0) >= 1)
                    // The outage goes on: probes fail, nothing else is attempted.
                    try await Task.sleep(for: .seconds(4))
                    let during = try await server.components.webhooks.get(id: webhook.id)
                    #expect(during.isActive)
                    #expect(during.circuit.state != .closed)
                    #expect(during.circuit.probes >= 1, "probes were sent and failed: \(during.circuit)")
                    #expect(try await monitor.evaluate().isEmpty, "unhealthy is announced once")

                    down.release()
                    let receiver = try await TestReceiver.start(port: port)
                    let back = Date()
                    do {
                        try await eventually(timeout: .seconds(20), "every event delivered after the receiver came back") {
                            try await deliveries(server, webhook: webhook.id).filter { $0.delivery.status == .succeeded }.count == 40
                        }
                        let took = Date().timeIntervalSince(back)
                        #expect(took < 10, "delivered \(took) s after the receiver came back (probe wait ≤ 2 s, ramp 1 s)")
                        // Every event arrived. (At least once: an attempt that reached the receiver
                        // as it came back but timed out first is sent again, as always.)
                        #expect(Set(receiver.requests.compactMap { $0.header("webhook-id") }).count == 40)
                        #expect(receiver.requests.count <= 42, "\(receiver.requests.count) requests for 40 events")
                        #expect(try await monitor.evaluate().map(\.eventType) == ["webhook.recovered"])
                        try await eventually("both changes announced") { watcher.requests.count == 2 }
                    } catch {
                        await receiver.stop()
                        throw error
                    }
                    await receiver.stop()
                    // What was sent while the circuit was open: the probes only. (An attempt is
                    // stored when it ends; one that began before the circuit opened may end after:
                    // the HTTP client keeps retrying a refused connection until the deadline.)
                    // `openedAt` is the recording's clock, taken before its transaction commits:
                    // a claim that read the circuit still closed in that window sends what it
                    // took a moment after it, as any breaker lets requests already on their way
                    // through. Counted from when the open circuit was visible, plus a claim's
                    // round trip, only probes remain.
                    let logs = try await deliveries(server, webhook: webhook.id)
                    let failedWhileOpen = logs.flatMap(\.attempts).filter {
                        $0.responseStatus == nil
                            && $0.createdAt.addingTimeInterval(-Double($0.durationMs) / 1000) > seenOpen.addingTimeInterval(0.25)
                    }
                    let outage = back.timeIntervalSince(opened)
                    // Probes 1 s after opening, then every 2 s at most often.
                    #expect(
                        failedWhileOpen.count <= Int(outage / 2) + 2,
                        "\(failedWhileOpen.count) failed attempts in \(outage) s of open circuit: \(failedWhileOpen.map { "+\(($0.createdAt.timeIntervalSince(opened) * 1000).rounded()) ms #\($0.attemptNumber)" })"
                    )
                    #expect(logs.allSatisfy { $0.delivery.status == .succeeded })
                }
                let after = try await server.components.webhooks.get(id: webhook.id)
                #expect(after.isActive && after.circuit.state == .closed && after.consecutiveFailedDeliveries == 0)
                #expect(try announced(watcher) == ["webhook.unhealthy", "webhook.recovered"])
            }
        }
    }

    @Test(
        "A circuit open longer than the setting disables the webhook; re-enable and recover deliver the backlog",
        arguments: TestDriverKind.all)
    func openTooLong(_ kind: TestDriverKind) async throws {
        try await withTestServer(
            kind,
            configure: {
                Self.quickBreaker(&$0)
                $0.circuitPolicy.maxProbeInterval = .seconds(1)
                $0.circuitPolicy.disableAfter = .seconds(2)
            }
        ) { server in
            let down = try DownPort()
            defer { down.release() }
            let port = down.port
            try await withReceiver { watcher in
                try await watch(server, watcher)
                let webhook = try await server.components.webhooks.create(
                    WebhookDraft(
                        name: "gone away", url: "http://127.0.0.1:\(port)/hook", events: ["contact.created"]))
                try await withRunningWorker(server) {
                    for _ in 0..<8 { _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([])) }
                    try await eventually(timeout: .seconds(15), "disabled") {
                        try await !server.components.webhooks.get(id: webhook.id).isActive
                    }
                    let disabled = try await server.components.webhooks.get(id: webhook.id)
                    #expect(disabled.disabledReason == "receiver unreachable: its circuit stayed open longer than 2 s")
                    #expect(try await server.components.healthMonitor.evaluate().compactMap(\.eventType).contains("webhook.disabled"))
                    try await eventually("disabling announced") { try announced(watcher).contains("webhook.disabled") }
                    // The backlog ends failed with the way back in its error, not lost.
                    try await eventually("backlog failed") {
                        try await deliveries(server, webhook: webhook.id).allSatisfy { $0.delivery.status == .failed }
                    }
                    #expect(
                        try await deliveries(server, webhook: webhook.id).contains { $0.delivery.lastError?.contains("recover") == true })

                    down.release()
                    let receiver = try await TestReceiver.start(port: port)
                    do {
                        let enabled = try await server.components.webhooks.update(id: webhook.id, changes: WebhookChanges(isActive: true))
                        #expect(enabled.circuit.state == .closed)
                        let requeued = try await server.components.deliveryLogs.recover(
                            webhookID: webhook.id, since: Date().addingTimeInterval(-3600))
                        #expect(requeued == 8)
                        try await eventually(timeout: .seconds(15), "backlog delivered after recover") {
                            try await deliveries(server, webhook: webhook.id).allSatisfy { $0.delivery.status == .succeeded }
                        }
                        #expect(receiver.requests.count == 8)
                    } catch {
                        await receiver.stop()
                        throw error
                    }
                    await receiver.stop()
                }
            }
        }
    }

    @Test("One slow receiver holds at most its per-webhook share of the slots; the others keep flowing", arguments: TestDriverKind.all)
    func slowReceiverDoesNotBlockOthers(_ kind: TestDriverKind) async throws {
        try await withTestServer(
            kind,
            configure: {
                $0.deliveryConcurrency = 8
                $0.circuitPolicy.perWebhookConcurrency = 2
                $0.deliveryTimeoutMilliseconds = 15_000
            }
        ) { server in
            // The issue's slow receiver: ten seconds per answer.
            try await withReceiver({ _, _ in ScriptedResponse(delay: .seconds(10)) }) { slow in
                try await withReceiver { fast in
                    let slowHook = try await server.components.webhooks.create(
                        WebhookDraft(name: "slow", url: slow.url, events: ["contact.created"]))
                    var fastHooks: [UUID] = []
                    for number in 0..<3 {
                        fastHooks.append(
                            try await server.components.webhooks.create(
                                WebhookDraft(
                                    name: "fast \(number)", url: fast.url + "?n=\(number)", events: ["contact.created"])
                            ).id)
                    }
                    try await withRunningWorker(server) {
                        let started = Date()
                        for _ in 0..<30 { _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([])) }
                        try await eventually(timeout: .seconds(60), "the fast receivers' 90 deliveries") {
                            var done = 0
                            for id in fastHooks {
                                done += try await deliveries(server, webhook: id).filter { $0.delivery.status == .succeeded }.count
                            }
                            return done == 90
                        }
                        let took = Date().timeIntervalSince(started)
                        // Loose, as machines running the whole suite at once are slow: the fast ones
                        // finish long before the slow one could (30 × 10 s / 2 = 150 s); the
                        // benchmark measures the rate (benchmarks/fairness).
                        let slowDone = try await deliveries(server, webhook: slowHook.id).filter { $0.delivery.status == .succeeded }.count
                        #expect(slowDone <= Int(took / 10 + 1) * 2, "the slow receiver had \(slowDone) done after \(took) s")
                        #expect(slowDone < 30)
                    }
                    // Never more than two requests at the slow receiver at once.
                    let arrivals = slow.requests.map(\.receivedAt).sorted()
                    let overlapping = arrivals.map { time in arrivals.filter { $0 <= time && $0 > time.addingTimeInterval(-9.9) }.count }
                    #expect((overlapping.max() ?? 0) <= 2, "at most 2 in flight at the slow receiver: \(overlapping.max() ?? 0)")
                }
            }
        }
    }

    @Test("One delivery the receiver cannot take does not keep the circuit open: probes rotate", arguments: TestDriverKind.all)
    func probesRotate(_ kind: TestDriverKind) async throws {
        try await withTestServer(
            kind,
            configure: {
                Self.quickBreaker(&$0)
                $0.circuitPolicy.failureThreshold = 2
                $0.circuitPolicy.maxProbeInterval = .seconds(1)
            }
        ) { server in
            // The receiver chokes on one payload (n = 0) and takes every other.
            try await withReceiver({ request, _ in
                request.bodyText.contains(#""n":0"#) ? ScriptedResponse(status: .internalServerError) : ScriptedResponse()
            }) { receiver in
                let webhook = try await server.components.webhooks.create(
                    WebhookDraft(
                        name: "picky", url: receiver.url, events: ["contact.created"], maxRetries: 20, retryDelaysMs: [100]))
                try await withRunningWorker(server) {
                    _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([("n", .integer(0))]))
                    try await eventually("circuit opened by the bad delivery") {
                        try await server.components.webhooks.get(id: webhook.id).circuit.state != .closed
                    }
                    for number in 1...5 {
                        _ = try await server.components.dispatcher.publish(
                            type: "contact.created", data: .object([("n", .integer(number))]))
                    }
                    try await eventually(timeout: .seconds(15), "the five good deliveries") {
                        try await deliveries(server, webhook: webhook.id).filter { $0.delivery.status == .succeeded }.count == 5
                    }
                }
                let bad = try #require(try await deliveries(server, webhook: webhook.id).first { $0.delivery.status != .succeeded })
                // Its attempts while held did not use up its 20 retries.
                #expect(bad.delivery.status == .pending, "\(bad.delivery.status) after \(bad.attempts.count) attempts")
            }
        }
    }

    @Test("A batch is read in the order its attempts ended: a success after failures closes, failures after a success count")
    func batchOrder() {
        let id = UUID()
        func effect(_ verdict: SendResult.Verdict, failed: Bool = false) -> WebhookAttemptEffect {
            WebhookAttemptEffect(webhookID: id, verdict: verdict, deliveryFailed: failed, isProbe: false)
        }
        let closed = Circuit()
        let recovered = BatchRun.runs(Array(repeating: effect(.retryable), count: 5) + [effect(.success)])[id]!
        #expect(recovered.answered && recovered.transientAfterAnswer == 0 && recovered.failuresAfterSuccess == 0)
        #expect(!recovered.leavesOpen(closed, threshold: 5))
        let failing = BatchRun.runs([effect(.success)] + Array(repeating: effect(.retryable), count: 5))[id]!
        #expect(failing.leavesOpen(closed, threshold: 5) && failing.failuresAfterSuccess == 5)
        let answeredBadly = BatchRun.runs([effect(.retryable), effect(.final, failed: true), effect(.retryable)])[id]!
        #expect(answeredBadly.transientAfterAnswer == 1 && answeredBadly.failedDeliveriesAfterSuccess == 1 && !answeredBadly.succeeded)
        var open = Circuit()
        open.state = .open
        #expect(BatchRun.runs([effect(.retryable)])[id]!.leavesOpen(open, threshold: 5))
        #expect(!BatchRun.runs([effect(.final, failed: true)])[id]!.leavesOpen(open, threshold: 5))
    }

    @Test("Probe waits double up to the maximum; the ramp after closing grows from 1 to the cap")
    func policyArithmetic() {
        var policy = CircuitPolicy()
        policy.probeInterval = .seconds(5)
        policy.maxProbeInterval = .seconds(300)
        #expect((0...8).map { policy.probeDelay(afterFailedProbes: $0) } == [5, 10, 20, 40, 80, 160, 300, 300, 300].map { .seconds($0) })
        #expect(policy.probeDelay(afterFailedProbes: 10_000) == .seconds(300))
        policy.perWebhookConcurrency = 16
        policy.ramp = .seconds(30)
        let closed = Date(timeIntervalSince1970: 1_000_000)
        #expect(policy.concurrencyLimit(closedAt: closed, now: closed) == 1)
        #expect(policy.concurrencyLimit(closedAt: closed, now: closed.addingTimeInterval(15)) == 8)
        #expect(policy.concurrencyLimit(closedAt: closed, now: closed.addingTimeInterval(30)) == 16)
        #expect(policy.concurrencyLimit(closedAt: nil, now: closed) == 16)
        var circuit = Circuit()
        #expect(!circuit.probeIsDue(now: closed))
        circuit.state = .open
        circuit.nextProbeAt = closed.addingTimeInterval(1)
        #expect(!circuit.probeIsDue(now: closed) && circuit.probeIsDue(now: closed.addingTimeInterval(1)))
        circuit.state = .halfOpen
        circuit.probeUntil = closed.addingTimeInterval(60)
        #expect(!circuit.probeIsDue(now: closed.addingTimeInterval(59)) && circuit.probeIsDue(now: closed.addingTimeInterval(60)))
    }
}
