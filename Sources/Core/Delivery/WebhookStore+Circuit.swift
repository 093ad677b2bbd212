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

/// A change to a webhook's circuit or activity that a statement makes when it changes a row.
package enum WebhookChange: Sendable, Equatable {
    case circuitOpened(UUID)
    case circuitClosed(UUID)
    case disabled(UUID, reason: String)
}

/// A statement with the change it announces when it affects a row (a compare-and-set: with
/// several servers on one database, exactly one sees its statement count the row).
package struct WebhookStatement: Sendable {
    package var query: SQLQuery
    package var change: WebhookChange?
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

    /// The circuits of the given webhooks, their rows locked until the transaction ends (in
    /// id order, as claims lock them), so servers recording at once for one webhook take
    /// turns and each sees the other's counts.
    package static func lockedCircuits(ids: [UUID], on executor: any SQLExecutor) async throws -> [UUID: Circuit] {
        guard !ids.isEmpty else { return [:] }
        let lock = executor.dialect.rowLockClause.map { " " + $0 } ?? ""
        let ordered = ids.sorted { $0.uuidString < $1.uuidString }
        var result: [UUID: Circuit] = [:]
        for row in try await executor.query("""
            SELECT id, \(unsafeRaw: circuitColumns) FROM webhooks WHERE id IN (\(list: ordered)) ORDER BY id\(unsafeRaw: lock)
            """) {
            result[try row.uuid("id")] = try circuit(row)
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
        let condition: SQLQuery = defaultRate != nil ? "is_active = \(true)" : """
            is_active = \(true) AND (circuit_state <> \(CircuitState.closed.rawValue) OR circuit_closed_at > \(rampSince)
                OR max_deliveries_per_second IS NOT NULL)
            """
        var result: [UUID: ClaimGate] = [:]
        for row in try await executor.query("""
            SELECT id, \(unsafeRaw: circuitColumns), max_deliveries_per_second, throttle_next_ms FROM webhooks WHERE \(condition)
            """) {
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
        try await executor.execute("""
            UPDATE webhooks SET throttle_next_ms = \(new) WHERE id = \(id) AND throttle_next_ms = \(old)
            """) == 1
    }

    /// Takes the probe of a webhook whose circuit is open with its probe due (or half-open
    /// with the probe's lease run out), leased until `until`; false when another server took
    /// it first.
    package static func takeProbe(id: UUID, now: Date, until: Date, on executor: any SQLExecutor) async throws -> Bool {
        try await executor.execute("""
            UPDATE webhooks SET circuit_state = \(CircuitState.halfOpen.rawValue), circuit_probe_until = \(until)
            WHERE id = \(id) AND ((circuit_state = \(CircuitState.open.rawValue) AND circuit_next_probe_at <= \(now))
                OR (circuit_state = \(CircuitState.halfOpen.rawValue) AND circuit_probe_until <= \(now)))
            """) == 1
    }

    /// Closes a webhook's circuit and clears its failure counts (re-enabling it by hand).
    package func resetFailures(id: UUID) async throws {
        try await executor.execute("""
            UPDATE webhooks SET consecutive_failures = 0, consecutive_failed_deliveries = 0,
                circuit_state = \(CircuitState.closed.rawValue), circuit_failures = 0, circuit_probes = 0, circuit_opened_at = NULL,
                circuit_next_probe_at = NULL, circuit_probe_until = NULL
            WHERE id = \(id)
            """)
    }

    /// Active webhooks by circuit state, for `/metrics`.
    package static func circuitCounts(on executor: any SQLExecutor) async throws -> [CircuitState: Int] {
        var counts = Dictionary(uniqueKeysWithValues: CircuitState.allCases.map { ($0, 0) })
        for row in try await executor.query("""
            SELECT circuit_state, COUNT(*) AS n FROM webhooks WHERE is_active = \(true) GROUP BY circuit_state
            """) {
            if let state = CircuitState(rawValue: try row.string("circuit_state")) { counts[state] = try row.int("n") }
        }
        return counts
    }

    /// The statements that apply a batch of attempts to their webhooks, given their circuits
    /// as read (and locked) in the same transaction. Per webhook, in the order its attempts
    /// ended (`BatchRun`), so a success after failures counts as the latest word:
    /// - a failed probe reopens the circuit with a longer wait (or the receiver's
    ///   `Retry-After`, if longer), and disables the webhook once it has been open longer than
    ///   `disableAfter`;
    /// - an answer that is not transient (success or final status) shows the receiver is
    ///   reachable: it closes the circuit; the transient failures after it are the new run;
    /// - a run reaching the threshold opens a closed circuit;
    /// - deliveries that ended failed after the last success add to
    ///   `consecutive_failed_deliveries`, disabling at `autoDisableThreshold`; `410 Gone`
    ///   disables at once.
    static func attemptStatements(
        _ effects: [WebhookAttemptEffect], circuits: [UUID: Circuit], policy: CircuitPolicy, autoDisableThreshold: Int, at now: Date
    ) -> [WebhookStatement] {
        var statements: [WebhookStatement] = []
        let closed = CircuitState.closed.rawValue
        let open = CircuitState.open.rawValue
        let runs = BatchRun.runs(effects)
        for id in runs.keys.sorted(by: { $0.uuidString < $1.uuidString }) {
            guard let run = runs[id] else { continue }
            let retryAfter = min(run.retryAfter ?? .zero, policy.maxRetryAfter)
            if run.probeFailed {
                let failedProbes = (circuits[id]?.probes ?? 0) + 1
                let next = now.addingTimeInterval(max(policy.probeDelay(afterFailedProbes: failedProbes), retryAfter).seconds)
                statements.append(WebhookStatement(query: """
                    UPDATE webhooks SET circuit_state = \(open), circuit_probes = \(failedProbes), circuit_next_probe_at = \(next),
                        circuit_probe_until = NULL
                    WHERE id = \(id) AND circuit_state = \(CircuitState.halfOpen.rawValue)
                    """))
                let limit = now.addingTimeInterval(-policy.disableAfter.seconds)
                let reason = "receiver unreachable: its circuit stayed open longer than \(Self.describe(policy.disableAfter))"
                statements.append(WebhookStatement(query: """
                    UPDATE webhooks SET is_active = \(false), disabled_reason = \(reason), disabled_at = \(now), updated_at = \(now)
                    WHERE id = \(id) AND is_active = \(true) AND circuit_state = \(open) AND circuit_opened_at <= \(limit)
                    """, change: .disabled(id, reason: reason)))
            }
            if run.answered {
                statements.append(WebhookStatement(query: """
                    UPDATE webhooks SET circuit_closed_at = \(now), circuit_state = \(closed), circuit_probes = 0,
                        circuit_opened_at = NULL, circuit_next_probe_at = NULL, circuit_probe_until = NULL
                    WHERE id = \(id) AND circuit_state <> \(closed)
                    """, change: .circuitClosed(id)))
                statements.append(WebhookStatement(query: """
                    UPDATE webhooks SET circuit_failures = \(run.transientAfterAnswer) WHERE id = \(id)
                    """))
            } else if run.transientAfterAnswer > 0 {
                statements.append(WebhookStatement(query: """
                    UPDATE webhooks SET circuit_failures = circuit_failures + \(run.transientAfterAnswer) WHERE id = \(id)
                    """))
            }
            if run.succeeded {
                statements.append(WebhookStatement(query: """
                    UPDATE webhooks SET consecutive_failures = \(run.failuresAfterSuccess),
                        consecutive_failed_deliveries = \(run.failedDeliveriesAfterSuccess)
                    WHERE id = \(id)
                    """))
            } else if run.failuresAfterSuccess > 0 {
                statements.append(WebhookStatement(query: """
                    UPDATE webhooks SET consecutive_failures = consecutive_failures + \(run.failuresAfterSuccess),
                        consecutive_failed_deliveries = consecutive_failed_deliveries + \(run.failedDeliveriesAfterSuccess)
                    WHERE id = \(id)
                    """))
            }
            if run.gone {
                let reason = "receiver answered 410 Gone"
                statements.append(WebhookStatement(query: """
                    UPDATE webhooks SET is_active = \(false), disabled_reason = \(reason), disabled_at = \(now), updated_at = \(now)
                    WHERE id = \(id) AND is_active = \(true)
                    """, change: .disabled(id, reason: reason)))
            }
            if run.failedDeliveriesAfterSuccess > 0 {
                let reason = "\(autoDisableThreshold) consecutive failed deliveries"
                statements.append(WebhookStatement(query: """
                    UPDATE webhooks SET is_active = \(false), disabled_reason = \(reason), disabled_at = \(now), updated_at = \(now)
                    WHERE id = \(id) AND is_active = \(true) AND consecutive_failed_deliveries >= \(autoDisableThreshold)
                    """, change: .disabled(id, reason: reason)))
            }
            if run.transientAfterAnswer > 0 {
                let firstProbe = now.addingTimeInterval(max(policy.probeInterval, retryAfter).seconds)
                statements.append(WebhookStatement(query: """
                    UPDATE webhooks SET circuit_state = \(open), circuit_opened_at = \(now), circuit_next_probe_at = \(firstProbe),
                        circuit_probes = 0, circuit_probe_until = NULL
                    WHERE id = \(id) AND circuit_state = \(closed) AND circuit_failures >= \(policy.failureThreshold)
                    """, change: .circuitOpened(id)))
            }
        }
        return statements
    }

    /// "24 h", "90 s": a duration as the disable reason states it.
    static func describe(_ duration: Duration) -> String {
        let seconds = Int(duration.seconds.rounded())
        if seconds % 3600 == 0 { return "\(seconds / 3600) h" }
        if seconds % 60 == 0 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }
}
