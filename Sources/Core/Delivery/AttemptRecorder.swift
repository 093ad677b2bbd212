import Foundation
import Logging
import Metrics

/// Turns send results into stored state: the attempt row, the delivery's next step (done,
/// retry at a time, held for the circuit's probe, or failed) and the webhook's failure counts
/// and circuit, auto-disabling it after too many failed deliveries in a row, after its circuit
/// stayed open too long, or at once on `410 Gone`.
package struct AttemptRecorder: Sendable {
    /// A job with what came of it.
    package struct Outcome: Sendable {
        package let job: DeliveryJob
        package let result: SendResult
        package let finishedAt: Date

        /// Creates an outcome.
        package init(job: DeliveryJob, result: SendResult, finishedAt: Date) {
            self.job = job
            self.result = result
            self.finishedAt = finishedAt
        }
    }

    let driver: any StorageDriver
    let defaultPolicy: RetryPolicy
    /// Failed deliveries in a row after which a webhook is disabled.
    let autoDisableThreshold: Int
    /// When circuits open, how probes back off, when an open circuit disables.
    let circuitPolicy: CircuitPolicy
    let environment: CoreEnvironment
    let logger: Logger
    /// Called after each stored batch, so the health monitor can look at the webhooks again.
    let onRecorded: @Sendable () -> Void

    /// Creates a recorder.
    package init(
        driver: any StorageDriver, defaultPolicy: RetryPolicy, autoDisableThreshold: Int, circuitPolicy: CircuitPolicy = CircuitPolicy(),
        environment: CoreEnvironment = .live, logger: Logger = Logger(label: "switchboard.circuit"),
        onRecorded: @escaping @Sendable () -> Void = {}
    ) {
        self.circuitPolicy = circuitPolicy
        self.logger = logger
        self.onRecorded = onRecorded
        self.driver = driver
        self.defaultPolicy = defaultPolicy
        self.autoDisableThreshold = autoDisableThreshold
        self.environment = environment
    }

    /// The retry policy for a job: the webhook's overrides over the server default.
    func policy(for job: DeliveryJob) -> RetryPolicy {
        var policy = defaultPolicy
        if let maxRetries = job.maxRetries { policy.maxRetries = maxRetries }
        if let delays = job.retryDelaysMs, !delays.isEmpty { policy.delays = delays.map { .milliseconds($0) } }
        return policy
    }

    /// The delivery row after this outcome (as it will be written). `held` says the webhook's
    /// circuit is (or is now being) opened: a transient failure with no retries left then
    /// waits for the circuit's probe instead of failing, so an outage spends no attempts.
    package func nextState(for outcome: Outcome, retries: Bool = true, held: Bool = false) -> Delivery {
        let job = outcome.job
        let result = outcome.result
        let now = outcome.finishedAt
        var delivery = Delivery(
            id: job.deliveryID, eventID: job.eventID, webhookID: job.webhookID, eventType: job.eventType, status: .failed,
            attemptCount: job.attemptNumber, nextAttemptAt: nil, lastStatusCode: result.status,
            lastError: result.error ?? result.status.map { "receiver answered HTTP \($0)" }, createdAt: now, updatedAt: now,
            completedAt: now)
        switch result.verdict {
        case .success:
            delivery.status = .succeeded
            delivery.lastError = nil
        case .retryable:
            if retries, held {
                // Waits for the circuit, not for its retry schedule: due again as soon as the
                // circuit closes (or the webhook is switched off and the delivery is failed).
                delivery.status = .pending
                delivery.nextAttemptAt = Timestamp.truncated(now.addingTimeInterval(circuitPolicy.probeInterval.seconds))
                delivery.completedAt = nil
            } else if retries,
                let delay = policy(for: job).delay(afterAttempt: job.attemptNumber - job.heldAttempts, retryAfter: result.retryAfter)
            {
                delivery.status = .pending
                delivery.nextAttemptAt = Timestamp.truncated(now.addingTimeInterval(delay.seconds))
                delivery.completedAt = nil
            }
        case .final:
            if let status = result.status, (300..<400).contains(status) {
                delivery.lastError = "receiver answered HTTP \(status); redirects are not followed, point the webhook at the final URL"
            }
        case .gone:
            delivery.lastError = "receiver answered 410 Gone; the webhook was disabled"
        }
        return delivery
    }

    /// Stores a batch of outcomes in one transaction. `retries: false` makes every failure
    /// final; `updatesHealth: false` leaves the webhooks' failure counts alone (test sends).
    package func record(_ outcomes: [Outcome], retries: Bool = true, updatesHealth: Bool = true) async throws {
        guard !outcomes.isEmpty else { return }
        let environment = environment
        let attempts = outcomes.map { outcome in
            DeliveryAttempt(
                id: environment.newID(), deliveryID: outcome.job.deliveryID, attemptNumber: outcome.job.attemptNumber,
                requestHeaders: Dictionary(outcome.result.requestHeaders, uniquingKeysWith: { first, _ in first }),
                responseStatus: outcome.result.status, responseBodyExcerpt: outcome.result.bodyExcerpt,
                durationMs: Int((outcome.result.duration.seconds * 1000).rounded()), error: outcome.result.error,
                createdAt: outcome.finishedAt)
        }
        // Statistics count every attempt, test sends included: they reached the receiver too.
        let samples = zip(outcomes, attempts).map { outcome, attempt in
            StatsStore.Sample(
                webhookID: outcome.job.webhookID, success: outcome.result.verdict == .success, milliseconds: attempt.durationMs,
                at: attempt.createdAt)
        }
        // The circuit's times are the recording's, not the attempts': a circuit is open from
        // when this transaction says so, and probes are timed from then.
        let now = environment.currentTime()
        let webhookIDs = Array(Set(outcomes.map(\.job.webhookID)))
        // Relaxed: an outcome lost with its commit (a power cut) leaves the delivery leased,
        // so it is sent again when the lease runs out; at-least-once allows that, and
        // everything in this transaction (attempt, statistics, circuit) is lost together.
        let (states, changes) = try await driver.transaction(.relaxed) { transaction -> ([Delivery], [WebhookChange]) in
            // The circuits as they are now (another server may have opened one since these
            // jobs were claimed), locked so servers recording for one webhook take turns,
            // decide whether a transient failure waits for the probe.
            let standings = updatesHealth ? try await WebhookStore.lockedStandings(ids: webhookIDs, on: transaction) : [:]
            let held = self.heldWebhooks(outcomes, circuits: standings.mapValues(\.circuit))
            let heldOutcomes = outcomes.filter { outcome in
                outcome.result.verdict == .retryable && (outcome.job.isProbe || held.contains(outcome.job.webhookID))
            }
            let heldIDs = Set(heldOutcomes.map(\.job.deliveryID))
            let states = outcomes.map { outcome in
                self.nextState(for: outcome, retries: retries, held: heldIDs.contains(outcome.job.deliveryID))
            }
            // Everything for the batch goes to the database in one round trip where the driver
            // allows it: attempts, delivery states, statistics, webhook counters and circuits.
            var queries =
                DeliveryStore.insertQueries(attempts) + DeliveryStore.stateUpdateQueries(states, dialect: self.driver.dialect)
                + StatsStore.upsertQueries(samples, dialect: self.driver.dialect)
            if retries, let query = DeliveryStore.heldAttemptsQuery(Array(heldIDs)) { queries.append(query) }
            var statements: [WebhookStatement] = []
            if updatesHealth {
                let effects = zip(outcomes, states).map { outcome, state in
                    WebhookAttemptEffect(
                        webhookID: outcome.job.webhookID, verdict: outcome.result.verdict, deliveryFailed: state.status == .failed,
                        isProbe: outcome.job.isProbe, retryAfter: outcome.result.retryAfter)
                }
                statements = WebhookStore.attemptStatements(
                    effects, standings: standings, policy: self.circuitPolicy, autoDisableThreshold: self.autoDisableThreshold, at: now)
            }
            let counts = try await transaction.executeAll(queries + statements.map(\.query))
            let changes = zip(statements, counts.suffix(statements.count)).flatMap { statement, count in
                count > 0 ? statement.changes : []
            }
            return (states, changes)
        }
        Self.countMetrics(outcomes, states: states)
        report(changes, outcomes: outcomes)
        onRecorded()
    }

    /// Webhooks whose circuit is open after this batch: it was open or half-open and no
    /// answer closed it, or this batch's transient failures open it.
    func heldWebhooks(_ outcomes: [Outcome], circuits: [UUID: Circuit]) -> Set<UUID> {
        let runs = BatchRun.runs(
            outcomes.map { outcome in
                WebhookAttemptEffect(
                    webhookID: outcome.job.webhookID, verdict: outcome.result.verdict, deliveryFailed: false, isProbe: outcome.job.isProbe)
            })
        return Set(
            runs.compactMap { id, run in
                guard let circuit = circuits[id] else { return nil }
                return run.leavesOpen(circuit, threshold: circuitPolicy.failureThreshold) ? id : nil
            })
    }

    /// Logs and counts the circuits opened and closed and the webhooks disabled, and the
    /// probes sent.
    private func report(_ changes: [WebhookChange], outcomes: [Outcome]) {
        for change in changes {
            switch change {
            case .circuitOpened(let id):
                logger.warning(
                    "circuit opened: deliveries wait for a probe",
                    metadata: [
                        "webhook": "\(id)", "probe_in": "\(circuitPolicy.probeInterval)",
                    ])
                Counter(label: "switchboard_circuit_changes_total", dimensions: [("change", "opened")]).increment()
            case .circuitClosed(let id):
                logger.info("circuit closed: deliveries flow again", metadata: ["webhook": "\(id)"])
                Counter(label: "switchboard_circuit_changes_total", dimensions: [("change", "closed")]).increment()
            case .disabled(let id, let reason):
                logger.warning("webhook disabled", metadata: ["webhook": "\(id)", "reason": "\(reason)"])
                Counter(label: "switchboard_circuit_changes_total", dimensions: [("change", "disabled")]).increment()
            }
        }
        for outcome in outcomes where outcome.job.isProbe {
            let result = outcome.result.verdict == .retryable ? "failed" : "answered"
            Counter(label: "switchboard_circuit_probes_total", dimensions: [("outcome", result)]).increment()
        }
    }

    /// Deliveries by what came of the attempt, and the attempts' latency histogram.
    private static func countMetrics(_ outcomes: [Outcome], states: [Delivery]) {
        var byOutcome: [String: Int] = [:]
        for state in states {
            let outcome =
                switch state.status {
                case .succeeded: "succeeded"
                case .pending: "retry_scheduled"
                default: "failed"
                }
            byOutcome[outcome, default: 0] += 1
        }
        for (outcome, count) in byOutcome {
            Counter(label: "switchboard_deliveries_total", dimensions: [("outcome", outcome)]).increment(by: count)
        }
        let latency = Metrics.Timer(label: "switchboard_delivery_attempt_duration_seconds")
        for outcome in outcomes { latency.record(duration: outcome.result.duration) }
    }

    /// Why a claimed job is failed without being sent, or nil when it may be sent.
    package static func reasonNotToSend(_ job: DeliveryJob) -> String? {
        if !job.webhookIsActive { return "webhook is disabled; re-enable it and use POST /api/webhooks/:id/recover to resend" }
        return job.unsendableReason
    }

    /// Marks claimed deliveries that cannot be sent (their webhook was switched off, or its
    /// secret cannot be decrypted) as failed, with the reason, without an attempt.
    package func failWithoutSending(_ jobs: [DeliveryJob]) async throws {
        guard !jobs.isEmpty else { return }
        let now = environment.currentTime()
        try await storeFailed(
            jobs.map { job in
                Self.failed(job, attempts: job.attemptNumber - 1, status: nil, reason: Self.reasonNotToSend(job), at: now)
            })
    }

    /// Marks a delivery whose outcome the database keeps refusing as failed, with the reason,
    /// and nothing of the receiver's answer (which may be what it refuses), so that it no
    /// longer holds back the outcomes recorded after it. The attempt was made: retrying the
    /// delivery sends it again.
    package func setAside(_ outcome: Outcome, because error: any Error) async throws {
        let answer = outcome.result.status.map { "the receiver answered HTTP \($0)" } ?? "the attempt got no answer"
        let reason =
            "\(answer), but the result could not be stored (\(String(describing: error).prefix(300))); retry the delivery to send it again"
        try await storeFailed([
            Self.failed(
                outcome.job, attempts: outcome.job.attemptNumber, status: outcome.result.status, reason: StorableText.clean(reason),
                at: environment.currentTime())
        ])
    }

    /// A job's delivery as failed for `reason`, its lease released.
    private static func failed(_ job: DeliveryJob, attempts: Int, status: Int?, reason: String?, at now: Date) -> Delivery {
        Delivery(
            id: job.deliveryID, eventID: job.eventID, webhookID: job.webhookID, eventType: job.eventType, status: .failed,
            attemptCount: attempts, nextAttemptAt: nil, lastStatusCode: status, lastError: reason, createdAt: now, updatedAt: now,
            completedAt: now)
    }

    private func storeFailed(_ deliveries: [Delivery]) async throws {
        let queries = DeliveryStore.stateUpdateQueries(deliveries, dialect: driver.dialect)
        _ = try await driver.transaction { transaction in try await transaction.executeAll(queries) }
    }
}
