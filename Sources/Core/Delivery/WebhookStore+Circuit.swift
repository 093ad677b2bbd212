import Foundation

/// What one recorded attempt means for its webhook's counters and circuit.
package struct WebhookAttemptEffect: Sendable, Equatable {
    package var webhookID: UUID
    package var verdict: SendResult.Verdict
    /// The delivery ended `failed` with this attempt (counts towards auto-disable).
    package var deliveryFailed: Bool
    /// The attempt was its circuit's probe.
    package var isProbe: Bool
    /// The receiver's `Retry-After`, if it sent one.
    package var retryAfter: Duration?

    /// Creates an effect.
    package init(webhookID: UUID, verdict: SendResult.Verdict, deliveryFailed: Bool, isProbe: Bool, retryAfter: Duration? = nil) {
        self.retryAfter = retryAfter
        self.webhookID = webhookID
        self.verdict = verdict
        self.deliveryFailed = deliveryFailed
        self.isProbe = isProbe
    }
}

/// One webhook's attempts in a recorded batch, summed up in the order they ended.
package struct BatchRun: Sendable, Equatable {
    /// An answer that is not transient came (success or final status): the receiver is reachable.
    package var answered = false
    /// Transient failures after the last such answer (all of them if none).
    package var transientAfterAnswer = 0
    package var succeeded = false
    /// Failed attempts after the last success (all of them if none).
    package var failuresAfterSuccess = 0
    /// Deliveries that ended failed after the last success.
    package var failedDeliveriesAfterSuccess = 0
    /// A `410 Gone` came.
    package var gone = false
    /// The circuit's probe failed transiently.
    package var probeFailed = false
    /// The longest `Retry-After` among the transient failures after the last answer.
    package var retryAfter: Duration?

    /// The batch's runs by webhook; `effects` in the order the attempts ended.
    package static func runs(_ effects: [WebhookAttemptEffect]) -> [UUID: BatchRun] {
        var runs: [UUID: BatchRun] = [:]
        for effect in effects {
            var run = runs[effect.webhookID] ?? BatchRun()
            switch effect.verdict {
            case .success:
                run.answered = true
                run.succeeded = true
                run.transientAfterAnswer = 0
                run.retryAfter = nil
                run.failuresAfterSuccess = 0
                run.failedDeliveriesAfterSuccess = 0
            case .final, .gone:
                run.answered = true
                run.transientAfterAnswer = 0
                run.retryAfter = nil
                run.failuresAfterSuccess += 1
                run.gone = run.gone || effect.verdict == .gone
            case .retryable:
                run.transientAfterAnswer += 1
                run.failuresAfterSuccess += 1
                run.probeFailed = run.probeFailed || effect.isProbe
                if let retryAfter = effect.retryAfter { run.retryAfter = max(run.retryAfter ?? .zero, retryAfter) }
            }
            if effect.deliveryFailed { run.failedDeliveriesAfterSuccess += 1 }
            runs[effect.webhookID] = run
        }
        return runs
    }

    /// Whether the circuit is open after this batch, given how it stood before.
    package func leavesOpen(_ circuit: Circuit, threshold: Int) -> Bool {
        if answered { return transientAfterAnswer >= threshold }
        return circuit.state != .closed || circuit.failures + transientAfterAnswer >= threshold
    }
}

/// What recording needs to know of a webhook: its circuit and failure counts, read and locked
/// in the recording transaction, so the rules below decide on current values.
package struct WebhookStanding: Sendable, Equatable {
    package var circuit: Circuit
    /// Failed attempts since the last success.
    package var consecutiveFailures: Int
    /// Deliveries that ended failed since the last success (auto-disable counts these).
    package var consecutiveFailedDeliveries: Int
    package var isActive: Bool
    /// Why this batch disabled the webhook, when it did.
    package var disabledReason: String?

    package init(circuit: Circuit, consecutiveFailures: Int = 0, consecutiveFailedDeliveries: Int = 0, isActive: Bool = true) {
        self.circuit = circuit
        self.consecutiveFailures = consecutiveFailures
        self.consecutiveFailedDeliveries = consecutiveFailedDeliveries
        self.isActive = isActive
    }

    /// The changes others are told about, from this standing to `after`.
    package func changes(to after: WebhookStanding, id: UUID) -> [WebhookChange] {
        var changes: [WebhookChange] = []
        if circuit.state != .closed, after.circuit.state == .closed { changes.append(.circuitClosed(id)) }
        if circuit.state == .closed, after.circuit.state == .open { changes.append(.circuitOpened(id)) }
        if isActive, !after.isActive { changes.append(.disabled(id, reason: after.disabledReason ?? "")) }
        return changes
    }
}

extension BatchRun {
    /// The circuit breaker and auto-disable, as pure rules: the standing after this batch, in
    /// the order its attempts ended, so a success after failures counts as the latest word.
    /// - A failed probe reopens a half-open circuit with a longer wait (or the receiver's
    ///   `Retry-After`, if longer), and disables the webhook once its circuit has been open
    ///   longer than `disableAfter`.
    /// - An answer that is not transient (success or final status) shows the receiver is
    ///   reachable: it closes the circuit; the transient failures after it are the new run.
    /// - A run reaching the threshold opens a closed circuit.
    /// - Deliveries that ended failed after the last success count towards
    ///   `autoDisableThreshold`; `410 Gone` disables at once. The first reason to disable wins.
    package func apply(to standing: WebhookStanding, policy: CircuitPolicy, autoDisableThreshold: Int, at now: Date) -> WebhookStanding {
        var next = standing
        func disable(_ reason: String) {
            guard next.isActive else { return }
            next.isActive = false
            next.disabledReason = reason
        }
        let retryAfter = min(self.retryAfter ?? .zero, policy.maxRetryAfter)
        if probeFailed {
            if next.circuit.state == .halfOpen {
                next.circuit.state = .open
                next.circuit.probes += 1
                next.circuit.nextProbeAt = now.addingTimeInterval(
                    max(policy.probeDelay(afterFailedProbes: next.circuit.probes), retryAfter).seconds)
                next.circuit.probeUntil = nil
            }
            if next.circuit.state == .open, let opened = next.circuit.openedAt,
                opened <= now.addingTimeInterval(-policy.disableAfter.seconds)
            {
                disable("receiver unreachable: its circuit stayed open longer than \(WebhookStore.describe(policy.disableAfter))")
            }
        }
        if answered {
            if next.circuit.state != .closed {
                next.circuit = Circuit(
                    state: .closed, failures: 0, probes: 0, openedAt: nil, nextProbeAt: nil, probeUntil: nil, closedAt: now)
            }
            next.circuit.failures = transientAfterAnswer
        } else {
            next.circuit.failures += transientAfterAnswer
        }
        if succeeded {
            next.consecutiveFailures = failuresAfterSuccess
            next.consecutiveFailedDeliveries = failedDeliveriesAfterSuccess
        } else {
            next.consecutiveFailures += failuresAfterSuccess
            next.consecutiveFailedDeliveries += failedDeliveriesAfterSuccess
        }
        if gone { disable("receiver answered 410 Gone") }
        if failedDeliveriesAfterSuccess > 0, next.consecutiveFailedDeliveries >= autoDisableThreshold {
            disable("\(autoDisableThreshold) consecutive failed deliveries")
        }
        if transientAfterAnswer > 0, next.circuit.state == .closed, next.circuit.failures >= policy.failureThreshold {
            next.circuit.state = .open
            next.circuit.openedAt = now
            next.circuit.nextProbeAt = now.addingTimeInterval(max(policy.probeInterval, retryAfter).seconds)
            next.circuit.probes = 0
            next.circuit.probeUntil = nil
        }
        return next
    }
}

/// A change to a webhook's circuit or activity that a statement makes when it changes a row.
package enum WebhookChange: Sendable, Equatable {
    case circuitOpened(UUID)
    case circuitClosed(UUID)
    case disabled(UUID, reason: String)
}

/// A statement with the changes it announces when it affects a row.
package struct WebhookStatement: Sendable {
    package var query: SQLQuery
    package var changes: [WebhookChange]
}

extension WebhookStore {
    static let circuitColumns = circuitColumns(of: nil)

    /// The circuit's columns, qualified with a table alias when given.
    static func circuitColumns(of alias: String?) -> String {
        [
            "circuit_state", "circuit_failures", "circuit_probes", "circuit_opened_at", "circuit_next_probe_at", "circuit_probe_until",
            "circuit_closed_at",
        ].map { column in alias.map { "\($0).\(column)" } ?? column }.joined(separator: ", ")
    }

    /// Reads the circuit columns of a row.
    static func circuit(_ row: SQLRow) throws -> Circuit {
        let text = try row.string("circuit_state")
        guard let state = CircuitState(rawValue: text) else {
            throw StorageError.typeMismatch(column: "circuit_state", expected: "circuit state", found: .text(text))
        }
        return Circuit(
            state: state, failures: try row.int("circuit_failures"), probes: try row.int("circuit_probes"),
            openedAt: try row.optionalDate("circuit_opened_at"), nextProbeAt: try row.optionalDate("circuit_next_probe_at"),
            probeUntil: try row.optionalDate("circuit_probe_until"), closedAt: try row.optionalDate("circuit_closed_at"))
    }

    /// The standings of the given webhooks, their rows locked until the transaction ends (in
    /// id order, as claims lock them), so servers recording at once for one webhook take
    /// turns and each sees the other's counts.
    package static func lockedStandings(ids: [UUID], on executor: any SQLExecutor) async throws -> [UUID: WebhookStanding] {
        guard !ids.isEmpty else { return [:] }
        let lock = executor.dialect.rowLockClause.map { " " + $0 } ?? ""
        let ordered = ids.sorted { $0.uuidString < $1.uuidString }
        var result: [UUID: WebhookStanding] = [:]
        for row in try await executor.query(
            """
            SELECT id, \(unsafeRaw: circuitColumns), consecutive_failures, consecutive_failed_deliveries, is_active
            FROM webhooks WHERE id IN (\(list: ordered)) ORDER BY id\(unsafeRaw: lock)
            """)
        {
            result[try row.uuid("id")] = WebhookStanding(
                circuit: try circuit(row), consecutiveFailures: try row.int("consecutive_failures"),
                consecutiveFailedDeliveries: try row.int("consecutive_failed_deliveries"), isActive: try row.bool("is_active"))
        }
        return result
    }

    /// What limits claiming for one webhook: its circuit and its throttle.
    package struct ClaimGate: Sendable {
        package var circuit: Circuit
        /// Deliveries per second, when throttled (its own, or the server's default).
        package var rate: Double?
        /// When its next delivery may start, ms since 1970 (the throttle's compare-and-set value).
        package var throttleNextMs: Int64

        package init(circuit: Circuit, rate: Double? = nil, throttleNextMs: Int64 = 0) {
            self.circuit = circuit
            self.rate = rate
            self.throttleNextMs = throttleNextMs
        }
    }

    /// Active webhooks whose circuit or throttle limits claiming: circuit not closed, closed
    /// after `rampSince` (still ramping up), or throttled. Usually few, so a short read;
    /// with a default rate (`defaultRate`), every active webhook.
    package static func claimGates(rampSince: Date, defaultRate: Double?, on executor: any SQLExecutor) async throws -> [UUID: ClaimGate] {
        let condition: SQLQuery =
            defaultRate != nil
            ? "is_active = \(true)"
            : """
            is_active = \(true) AND (circuit_state <> \(CircuitState.closed.rawValue) OR circuit_closed_at > \(rampSince)
                OR max_deliveries_per_second IS NOT NULL)
            """
        var result: [UUID: ClaimGate] = [:]
        for row in try await executor.query(
            """
            SELECT id, \(unsafeRaw: circuitColumns), max_deliveries_per_second, throttle_next_ms FROM webhooks WHERE \(condition)
            """)
        {
            result[try row.uuid("id")] = ClaimGate(
                circuit: try circuit(row), rate: try row.optionalDouble("max_deliveries_per_second") ?? defaultRate,
                throttleNextMs: Int64(try row.int("throttle_next_ms")))
        }
        return result
    }

    /// The ids of the active webhooks (the claim compares them with the ones it leaves out).
    package static func activeIDs(on executor: any SQLExecutor) async throws -> Set<UUID> {
        Set(try await executor.query("SELECT id FROM webhooks WHERE is_active = \(true)").map { try $0.uuid("id") })
    }

    /// Moves a throttled webhook's next start from `old` to `new`; false when another server
    /// claimed for it since `old` was read.
    package static func advanceThrottle(id: UUID, from old: Int64, to new: Int64, on executor: any SQLExecutor) async throws -> Bool {
        try await executor.execute(
            """
            UPDATE webhooks SET throttle_next_ms = \(new) WHERE id = \(id) AND throttle_next_ms = \(old)
            """) == 1
    }

    /// Takes the probe of a webhook whose circuit is open with its probe due (or half-open
    /// with the probe's lease run out), leased until `until`; false when another server took
    /// it first.
    package static func takeProbe(id: UUID, now: Date, until: Date, on executor: any SQLExecutor) async throws -> Bool {
        try await executor.execute(
            """
            UPDATE webhooks SET circuit_state = \(CircuitState.halfOpen.rawValue), circuit_probe_until = \(until)
            WHERE id = \(id) AND ((circuit_state = \(CircuitState.open.rawValue) AND circuit_next_probe_at <= \(now))
                OR (circuit_state = \(CircuitState.halfOpen.rawValue) AND circuit_probe_until <= \(now)))
            """) == 1
    }

    /// Closes a webhook's circuit and clears its failure counts (re-enabling it by hand).
    package func resetFailures(id: UUID) async throws {
        try await executor.execute(
            """
            UPDATE webhooks SET consecutive_failures = 0, consecutive_failed_deliveries = 0,
                circuit_state = \(CircuitState.closed.rawValue), circuit_failures = 0, circuit_probes = 0, circuit_opened_at = NULL,
                circuit_next_probe_at = NULL, circuit_probe_until = NULL
            WHERE id = \(id)
            """)
    }

    /// Active webhooks by circuit state, for `/metrics`.
    package static func circuitCounts(on executor: any SQLExecutor) async throws -> [CircuitState: Int] {
        var counts = Dictionary(uniqueKeysWithValues: CircuitState.allCases.map { ($0, 0) })
        for row in try await executor.query(
            """
            SELECT circuit_state, COUNT(*) AS n FROM webhooks WHERE is_active = \(true) GROUP BY circuit_state
            """)
        {
            if let state = CircuitState(rawValue: try row.string("circuit_state")) { counts[state] = try row.int("n") }
        }
        return counts
    }

    /// The statements that apply a batch of attempts to their webhooks, given their standings
    /// as read (and locked) in the same transaction: the rules (`BatchRun.apply`) decide, and
    /// each webhook whose standing changed gets one statement writing the result.
    static func attemptStatements(
        _ effects: [WebhookAttemptEffect], standings: [UUID: WebhookStanding], policy: CircuitPolicy, autoDisableThreshold: Int,
        at now: Date
    ) -> [WebhookStatement] {
        let runs = BatchRun.runs(effects)
        return runs.keys.sorted(by: { $0.uuidString < $1.uuidString }).compactMap { id in
            guard let run = runs[id], let before = standings[id] else { return nil }
            let after = run.apply(to: before, policy: policy, autoDisableThreshold: autoDisableThreshold, at: now)
            guard after != before else { return nil }
            return WebhookStatement(query: standingUpdate(id: id, after, disabledAt: now), changes: before.changes(to: after, id: id))
        }
    }

    /// Writes a webhook's standing (and, when it was just disabled, why and when).
    static func standingUpdate(id: UUID, _ standing: WebhookStanding, disabledAt now: Date) -> SQLQuery {
        let circuit = standing.circuit
        var query: SQLQuery = """
            UPDATE webhooks SET circuit_state = \(circuit.state.rawValue), circuit_failures = \(circuit.failures),
                circuit_probes = \(circuit.probes), circuit_opened_at = \(circuit.openedAt), circuit_next_probe_at = \(circuit.nextProbeAt),
                circuit_probe_until = \(circuit.probeUntil), circuit_closed_at = \(circuit.closedAt),
                consecutive_failures = \(standing.consecutiveFailures), consecutive_failed_deliveries = \(standing.consecutiveFailedDeliveries)
            """
        if let reason = standing.disabledReason, !standing.isActive {
            query.append(", is_active = \(false), disabled_reason = \(reason), disabled_at = \(now), updated_at = \(now)")
        }
        query.append(" WHERE id = \(id)")
        return query
    }

    /// "24 h", "90 s": a duration as the disable reason states it.
    static func describe(_ duration: Duration) -> String {
        let seconds = Int(duration.seconds.rounded())
        if seconds % 3600 == 0 { return "\(seconds / 3600) h" }
        if seconds % 60 == 0 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }
}
