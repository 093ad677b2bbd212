import Foundation

/// Where a webhook's circuit breaker stands. Stored in `webhooks.circuit_state`, shared by
/// every server on the database.
package enum CircuitState: String, Sendable, Equatable, CaseIterable {
    /// Deliveries flow (ramping up for `CircuitPolicy.ramp` after the circuit closed).
    case closed
    /// The receiver failed too often in a row: deliveries wait, spending no attempts, until
    /// the next probe.
    case open
    /// One server is sending the probe (leased until `Circuit.probeUntil`).
    case halfOpen = "half_open"

    /// The spelling the API uses.
    package var apiName: String { self == .halfOpen ? "half-open" : rawValue }
}

/// A webhook's circuit breaker as stored.
package struct Circuit: Sendable, Equatable {
    package var state: CircuitState = .closed
    /// Transient failures in a row (no answer, timeout, 408, 429, 5xx).
    package var failures = 0
    /// Probes that failed since the circuit opened; the next probe waits longer for each.
    package var probes = 0
    package var openedAt: Date?
    package var nextProbeAt: Date?
    /// While half-open: when the probe's lease runs out and another may be sent.
    package var probeUntil: Date?
    /// When the circuit last closed (the ramp starts there).
    package var closedAt: Date?

    /// A closed circuit with nothing counted.
    package init() {}

    /// Creates a circuit with these fields.
    package init(
        state: CircuitState, failures: Int, probes: Int, openedAt: Date?, nextProbeAt: Date?, probeUntil: Date?, closedAt: Date?
    ) {
        self.state = state
        self.failures = failures
        self.probes = probes
        self.openedAt = openedAt
        self.nextProbeAt = nextProbeAt
        self.probeUntil = probeUntil
        self.closedAt = closedAt
    }

    /// Whether a probe may be claimed at `now`: the circuit is open and its probe is due, or
    /// half-open and the server that took the probe let its lease run out.
    package func probeIsDue(now: Date) -> Bool {
        switch state {
        case .closed: false
        case .open: (nextProbeAt ?? .distantPast) <= now
        case .halfOpen: (probeUntil ?? .distantPast) <= now
        }
    }
}

/// The circuit breaker's and the fair scheduler's settings (README "Circuit breaker").
package struct CircuitPolicy: Sendable, Equatable {
    /// Transient failures in a row that open a circuit (`CIRCUIT_FAILURE_THRESHOLD`).
    package var failureThreshold = 5
    /// The wait before the first probe (`CIRCUIT_PROBE_INITIAL_SECONDS`); it doubles after
    /// each failed probe, up to `maxProbeInterval`.
    package var probeInterval: Duration = .seconds(5)
    /// The longest wait between probes (`CIRCUIT_PROBE_MAX_SECONDS`).
    package var maxProbeInterval: Duration = .seconds(60)
    /// How long after closing a webhook's concurrency climbs back from 1 to its cap
    /// (`CIRCUIT_RAMP_SECONDS`).
    package var ramp: Duration = .seconds(30)
    /// How long a circuit may stay open before the webhook is disabled
    /// (`CIRCUIT_DISABLE_AFTER_SECONDS`, a day by default).
    package var disableAfter: Duration = .seconds(86_400)
    /// Requests in flight to one webhook at once, over all servers
    /// (`WEBHOOK_CONCURRENCY_PER_WEBHOOK`).
    package var perWebhookConcurrency = 16
    /// Deliveries started per second for webhooks without their own
    /// `maxDeliveriesPerSecond` (`WEBHOOK_MAX_DELIVERIES_PER_SECOND`); nil: no limit.
    package var defaultMaxDeliveriesPerSecond: Double?
    /// How much unused throttle allowance carries over, so claiming a little late (the
    /// claim loop's pace) does not lower the rate; also the largest burst after a pause.
    package var throttleCarryOver: Duration = .seconds(1)
    /// The longest `Retry-After` the probe schedule honours (as retries do).
    package var maxRetryAfter: Duration = .seconds(3600)

    /// The default policy.
    package init() {}

    /// How many deliveries a webhook throttled to `rate` per second may start at `nowMs`
    /// (ms since 1970), given when its next one was allowed (`nextMs`), and the `nextMs` to
    /// store when `count` of them are started.
    package func throttleAllowance(rate: Double, nextMs: Int64, nowMs: Int64) -> (allowed: Int, start: Double, cost: Double) {
        let cost = 1000 / rate
        let start = max(Double(nextMs), Double(nowMs) - throttleCarryOver.seconds * 1000)
        guard start <= Double(nowMs) else { return (0, start, cost) }
        return (Int(((Double(nowMs) - start) / cost).rounded(.down)) + 1, start, cost)
    }

    /// The wait before the next probe once `failedProbes` probes have failed.
    package func probeDelay(afterFailedProbes failedProbes: Int) -> Duration {
        let doubled = probeInterval * Int(pow(2.0, Double(min(failedProbes, 30))))
        return min(doubled, maxProbeInterval)
    }

    /// How many requests a webhook may have in flight at `now`: the cap, or during the ramp
    /// after its circuit closed a share of it growing linearly from 1.
    package func concurrencyLimit(closedAt: Date?, now: Date) -> Int {
        guard let closedAt, ramp > .zero else { return perWebhookConcurrency }
        let elapsed = now.timeIntervalSince(closedAt)
        guard elapsed < ramp.seconds else { return perWebhookConcurrency }
        return max(1, min(perWebhookConcurrency, Int(Double(perWebhookConcurrency) * max(0, elapsed) / ramp.seconds)))
    }
}
