import Core
import Foundation
import Testing

/// The circuit breaker and auto-disable without a database: a batch's attempts, summed up per
/// webhook in the order they ended, turn one standing into the next.
@Suite("Circuit rules")
struct CircuitRulesTests {
    static let id = UUID()
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let policy = CircuitPolicy()

    static func run(_ verdicts: [SendResult.Verdict], failedDeliveries: Int = 0, probe: Bool = false, retryAfter: Duration? = nil)
        -> BatchRun
    {
        let effects = verdicts.enumerated().map { index, verdict in
            WebhookAttemptEffect(
                webhookID: id, verdict: verdict, deliveryFailed: index < failedDeliveries, isProbe: probe, retryAfter: retryAfter)
        }
        return BatchRun.runs(effects)[id]!
    }

    static func after(_ run: BatchRun, _ standing: WebhookStanding, autoDisable: Int = 10) -> WebhookStanding {
        run.apply(to: standing, policy: policy, autoDisableThreshold: autoDisable, at: now)
    }

    @Test("transient failures reaching the threshold open a closed circuit; the first probe waits the initial wait or a longer Retry-After")
    func opens() {
        let before = WebhookStanding(circuit: Circuit())
        let four = Self.after(Self.run(Array(repeating: .retryable, count: 4)), before)
        #expect(four.circuit.state == .closed && four.circuit.failures == 4)
        let five = Self.after(Self.run(Array(repeating: .retryable, count: 5)), before)
        #expect(five.circuit.state == .open && five.circuit.openedAt == Self.now)
        #expect(five.circuit.nextProbeAt == Self.now.addingTimeInterval(5))
        #expect(before.changes(to: five, id: Self.id) == [.circuitOpened(Self.id)])
        let told = Self.after(Self.run(Array(repeating: .retryable, count: 5), retryAfter: .seconds(120)), before)
        #expect(told.circuit.nextProbeAt == Self.now.addingTimeInterval(120))
    }

    @Test("an answer that is not transient closes the circuit; failures after it are the new run")
    func closes() {
        var open = Circuit()
        open.state = .halfOpen
        open.failures = 7
        open.probes = 2
        open.openedAt = Self.now.addingTimeInterval(-600)
        let before = WebhookStanding(circuit: open, consecutiveFailures: 9, consecutiveFailedDeliveries: 3)
        let after = Self.after(Self.run([.retryable, .success, .retryable]), before)
        #expect(after.circuit.state == .closed && after.circuit.closedAt == Self.now && after.circuit.openedAt == nil)
        #expect(after.circuit.failures == 1 && after.circuit.probes == 0)
        #expect(after.consecutiveFailures == 1 && after.consecutiveFailedDeliveries == 0)
        #expect(before.changes(to: after, id: Self.id) == [.circuitClosed(Self.id)])
        let final = Self.after(Self.run([.final]), before)
        #expect(final.circuit.state == .closed && final.consecutiveFailures == 10)
    }

    @Test("a failed probe reopens with a doubled wait, and disables once the circuit has been open too long")
    func probes() {
        var halfOpen = Circuit()
        halfOpen.state = .halfOpen
        halfOpen.probes = 1
        halfOpen.openedAt = Self.now.addingTimeInterval(-60)
        let reopened = Self.after(Self.run([.retryable], probe: true), WebhookStanding(circuit: halfOpen))
        #expect(reopened.circuit.state == .open && reopened.circuit.probes == 2 && reopened.circuit.probeUntil == nil)
        #expect(reopened.circuit.nextProbeAt == Self.now.addingTimeInterval(20))
        #expect(reopened.isActive)
        halfOpen.openedAt = Self.now.addingTimeInterval(-86_401)
        let before = WebhookStanding(circuit: halfOpen)
        let disabled = Self.after(Self.run([.retryable], probe: true), before)
        #expect(!disabled.isActive && disabled.disabledReason == "receiver unreachable: its circuit stayed open longer than 24 h")
        #expect(
            before.changes(to: disabled, id: Self.id) == [
                .disabled(Self.id, reason: "receiver unreachable: its circuit stayed open longer than 24 h")
            ])
    }

    @Test("410 disables at once; failed deliveries disable at the threshold; the first reason wins")
    func disables() {
        let gone = Self.after(Self.run([.gone]), WebhookStanding(circuit: Circuit()))
        #expect(!gone.isActive && gone.disabledReason == "receiver answered 410 Gone")
        let nine = WebhookStanding(circuit: Circuit(), consecutiveFailures: 9, consecutiveFailedDeliveries: 9)
        let tenth = Self.after(Self.run([.final], failedDeliveries: 1), nine)
        #expect(!tenth.isActive && tenth.disabledReason == "10 consecutive failed deliveries")
        let both = Self.after(Self.run([.gone], failedDeliveries: 1), nine)
        #expect(both.disabledReason == "receiver answered 410 Gone")
        let inactive = WebhookStanding(circuit: Circuit(), isActive: false)
        #expect(inactive.changes(to: Self.after(Self.run([.gone]), inactive), id: Self.id).isEmpty)
    }
}
