import Foundation

/// What one recorded attempt means for its webhook's counters and circuit.
package struct WebhookAttemptEffect: Sendable, Equatable {
    package var webhookID: UUID
    package var verdict: SendResult.Verdict
    /// The delivery ended `failed` with this attempt (counts towards auto-disable).
    package var deliveryFailed: Bool
    /// The attempt was its circuit's probe.
    package var isProbe: Bool

    /// Creates an effect.
    package init(webhookID: UUID, verdict: SendResult.Verdict, deliveryFailed: Bool, isProbe: Bool) {
        self.webhookID = webhookID
        self.verdict = verdict
        self.deliveryFailed = deliveryFailed
        self.isProbe = isProbe
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

    /// The circuits of the given webhooks.
    package static func circuits(ids: [UUID], on executor: any SQLExecutor) async throws -> [UUID: Circuit] {
        guard !ids.isEmpty else { return [:] }
        var result: [UUID: Circuit] = [:]
        for row in try await executor.query("SELECT id, \(unsafeRaw: circuitColumns) FROM webhooks WHERE id IN (\(list: ids))") {
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
    /// as read in the same transaction:
    /// - an answer (success or final status) shows the receiver is reachable: it closes the
    ///   circuit and clears its run of transient failures; a success also clears both failure
    ///   counts;
    /// - a transient failure adds to the run and opens the circuit at the threshold; a failed
    ///   probe reopens it with a longer wait, and disables the webhook once it has been open
    ///   longer than `disableAfter`;
    /// - each delivery that ended failed adds to `consecutive_failed_deliveries`, disabling
    ///   at `autoDisableThreshold`; `410 Gone` disables at once.
    static func attemptStatements(
        _ effects: [WebhookAttemptEffect], circuits: [UUID: Circuit], policy: CircuitPolicy, autoDisableThreshold: Int, at now: Date
    ) -> [WebhookStatement] {
        var statements: [WebhookStatement] = []
        let closed = CircuitState.closed.rawValue
        let open = CircuitState.open.rawValue
        let succeeded = Array(Set(effects.filter { $0.verdict == .success }.map(\.webhookID)))
        if !succeeded.isEmpty {
            statements.append(WebhookStatement(query: """
                UPDATE webhooks SET consecutive_failures = 0, consecutive_failed_deliveries = 0
                WHERE id IN (\(list: succeeded)) AND (consecutive_failures <> 0 OR consecutive_failed_deliveries <> 0)
                """))
        }
        let answered = Set(effects.filter { $0.verdict != .retryable }.map(\.webhookID))
        for id in answered.sorted(by: { $0.uuidString < $1.uuidString }) {
            // `circuit_closed_at` is set first: MySQL evaluates SET left to right with the new
            // values, the others with the old ones; first, both see the old state.
            statements.append(WebhookStatement(query: """
                UPDATE webhooks SET circuit_closed_at = \(now), circuit_state = \(closed), circuit_failures = 0, circuit_probes = 0,
                    circuit_opened_at = NULL, circuit_next_probe_at = NULL, circuit_probe_until = NULL
                WHERE id = \(id) AND circuit_state <> \(closed)
                """, change: .circuitClosed(id)))
            statements.append(WebhookStatement(query: """
                UPDATE webhooks SET circuit_failures = 0 WHERE id = \(id) AND circuit_failures <> 0
                """))
        }
        var mayOpen = Set<UUID>()
        for effect in effects {
            let id = effect.webhookID
            switch effect.verdict {
            case .success:
                break
            case .final, .gone:
                statements.append(WebhookStatement(query: "UPDATE webhooks SET consecutive_failures = consecutive_failures + 1 WHERE id = \(id)"))
            case .retryable:
                statements.append(WebhookStatement(query: """
                    UPDATE webhooks SET consecutive_failures = consecutive_failures + 1, circuit_failures = circuit_failures + 1
                    WHERE id = \(id)
                    """))
                if effect.isProbe {
                    let failedProbes = (circuits[id]?.probes ?? 0) + 1
                    let next = now.addingTimeInterval(policy.probeDelay(afterFailedProbes: failedProbes).seconds)
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
                } else {
                    mayOpen.insert(id)
                }
            }
            if effect.verdict == .gone {
                let reason = "receiver answered 410 Gone"
                statements.append(WebhookStatement(query: """
                    UPDATE webhooks SET consecutive_failed_deliveries = consecutive_failed_deliveries + 1, is_active = \(false),
                        disabled_reason = \(reason), disabled_at = \(now), updated_at = \(now)
                    WHERE id = \(id) AND is_active = \(true)
                    """, change: .disabled(id, reason: reason)))
            } else if effect.deliveryFailed {
                let reason = "\(autoDisableThreshold) consecutive failed deliveries"
                statements.append(WebhookStatement(query: """
                    UPDATE webhooks SET consecutive_failed_deliveries = consecutive_failed_deliveries + 1 WHERE id = \(id)
                    """))
                statements.append(WebhookStatement(query: """
                    UPDATE webhooks SET is_active = \(false), disabled_reason = \(reason), disabled_at = \(now), updated_at = \(now)
                    WHERE id = \(id) AND is_active = \(true) AND consecutive_failed_deliveries >= \(autoDisableThreshold)
                    """, change: .disabled(id, reason: reason)))
            }
        }
        // After every failure of the batch is counted, so a batch that crosses the threshold
        // opens the circuit.
        let firstProbe = now.addingTimeInterval(policy.probeInterval.seconds)
        for id in mayOpen.sorted(by: { $0.uuidString < $1.uuidString }) {
            statements.append(WebhookStatement(query: """
                UPDATE webhooks SET circuit_state = \(open), circuit_opened_at = \(now), circuit_next_probe_at = \(firstProbe),
                    circuit_probes = 0, circuit_probe_until = NULL
                WHERE id = \(id) AND circuit_state = \(closed) AND circuit_failures >= \(policy.failureThreshold)
                """, change: .circuitOpened(id)))
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
