import Foundation
import Metrics

/// Turns send results into stored state: the attempt row, the delivery's next step (done,
/// retry at a time, or failed) and the webhook's failure count, auto-disabling it after too
/// many failures in a row or at once on `410 Gone`.
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
    /// Failed attempts in a row after which a webhook is disabled.
    let autoDisableThreshold: Int
    let environment: CoreEnvironment
    /// Called after each stored batch, so the health monitor can look at the webhooks again.
    let onRecorded: @Sendable () -> Void

    /// Creates a recorder.
    package init(
        driver: any StorageDriver, defaultPolicy: RetryPolicy, autoDisableThreshold: Int, environment: CoreEnvironment = .live,
        onRecorded: @escaping @Sendable () -> Void = {}
    ) {
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

    /// The delivery row after this outcome (as it will be written).
    package func nextState(for outcome: Outcome, retries: Bool = true) -> Delivery {
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
            if retries, let delay = policy(for: job).delay(afterAttempt: job.attemptNumber, retryAfter: result.retryAfter) {
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
        let threshold = autoDisableThreshold
        let environment = environment
        let states = outcomes.map { nextState(for: $0, retries: retries) }
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
        // Everything for the batch goes to the database in one round trip where the driver
        // allows it: attempts, delivery states, statistics, webhook failure counts.
        var queries = DeliveryStore.insertQueries(attempts) + states.map(DeliveryStore.updateQuery)
            + StatsStore.upsertQueries(samples, dialect: driver.dialect)
        if updatesHealth {
            queries += WebhookStore.failureCountQueries(
                for: outcomes.map { ($0.result.verdict, $0.job.webhookID) }, threshold: threshold,
                at: outcomes.map(\.finishedAt).max() ?? environment.currentTime())
        }
        let batch = queries
        _ = try await driver.transaction { transaction in
            try await transaction.executeAll(batch)
        }
        Self.countMetrics(outcomes, states: states)
        onRecorded()
    }

    /// Deliveries by what came of the attempt, and the attempts' latency histogram.
    private static func countMetrics(_ outcomes: [Outcome], states: [Delivery]) {
        var byOutcome: [String: Int] = [:]
        for state in states {
            let outcome = switch state.status {
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
        let queries = jobs.map { job in
            DeliveryStore.updateQuery(Delivery(
                id: job.deliveryID, eventID: job.eventID, webhookID: job.webhookID, eventType: job.eventType, status: .failed,
                attemptCount: job.attemptNumber - 1, nextAttemptAt: nil, lastError: Self.reasonNotToSend(job),
                createdAt: now, updatedAt: now, completedAt: now))
        }
        _ = try await driver.transaction { transaction in try await transaction.executeAll(queries) }
    }
}
