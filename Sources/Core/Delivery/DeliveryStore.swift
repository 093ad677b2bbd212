import Foundation

/// A delivery with its attempts, as the log shows it.
package struct DeliveryLog: Sendable, Equatable {
    package var delivery: Delivery
    package var attempts: [DeliveryAttempt]
}

/// Filters for the delivery log.
package struct DeliveryLogFilter: Sendable, Equatable {
    package var webhookID: UUID?
    /// Any of these statuses; empty means any status.
    package var statuses: [DeliveryStatus]
    package var eventType: String?
    /// The deliveries of one event.
    package var eventID: UUID?
    /// Created at or after.
    package var since: Date?
    /// Created before.
    package var until: Date?

    /// Creates a filter; nil or empty fields do not filter.
    package init(
        webhookID: UUID? = nil, statuses: [DeliveryStatus] = [], eventType: String? = nil, eventID: UUID? = nil, since: Date? = nil,
        until: Date? = nil
    ) {
        self.webhookID = webhookID
        self.statuses = statuses
        self.eventType = eventType
        self.eventID = eventID
        self.since = since
        self.until = until
    }
}

/// Reads and writes `webhook_deliveries` (the queue) and `webhook_attempts`.
package struct DeliveryStore: Sendable {
    let executor: any SQLExecutor
    /// Decrypts webhook secrets for jobs; only claiming needs it.
    let cipher: SecretCipher?

    /// A store running its statements on `executor`.
    package init(executor: any SQLExecutor, cipher: SecretCipher? = nil) {
        self.executor = executor
        self.cipher = cipher
    }

    private func openSecret(_ stored: String?) throws -> String? {
        guard let stored else { return nil }
        guard let cipher else {
            guard !SecretCipher.isEncrypted(stored) else {
                throw StorageError.driver(detail: "DeliveryStore needs the secret cipher to build jobs")
            }
            return stored
        }
        return try cipher.open(stored)
    }

    static let columns = """
        d.id, d.event_id, d.webhook_id, d.event_type, d.status, d.attempt_count, d.next_attempt_at, d.locked_by, \
        d.locked_until, d.last_status_code, d.last_error, d.created_at, d.updated_at, d.completed_at
        """

    /// Rows per multi-row `INSERT`, well under every database's parameter limit.
    static let insertChunk = 200

    /// Stores new deliveries with few statements.
    package func insert(_ deliveries: [Delivery]) async throws {
        try await executor.executeAll(Self.insertQueries(deliveries))
    }

    /// Multi-row `INSERT`s for new deliveries, one per chunk.
    static func insertQueries(_ deliveries: [Delivery]) -> [SQLQuery] {
        SQLQuery.multiRowInserts(
            """
            INSERT INTO webhook_deliveries (id, event_id, webhook_id, event_type, status, attempt_count, next_attempt_at, \
            locked_by, locked_until, created_at, updated_at) VALUES 
            """,
            rows: deliveries.map { delivery in
                """
                (\(delivery.id), \(delivery.eventID), \(delivery.webhookID), \(delivery.eventType), \(delivery.status.rawValue), \
                \(delivery.attemptCount), \(delivery.nextAttemptAt), \(delivery.lockedBy), \(delivery.lockedUntil), \
                \(delivery.createdAt), \(delivery.updatedAt))
                """
            },
            chunk: insertChunk)
    }

    /// The queue as `/metrics` shows it.
    package struct QueueFigures: Sendable, Equatable {
        /// Pending and due now.
        package var due = 0
        /// Pending, due later.
        package var scheduled = 0
        /// Being sent (leased).
        package var inFlight = 0
        /// When the longest-waiting due delivery became due.
        package var oldestDue: Date?
    }

    /// Counts the queue as of `now`.
    package func queueFigures(now: Date) async throws -> QueueFigures {
        let due = try await executor.first(
            """
            SELECT COUNT(*) AS due, MIN(next_attempt_at) AS oldest FROM webhook_deliveries
            WHERE status = \(DeliveryStatus.pending.rawValue) AND next_attempt_at <= \(now)
            """)
        let queued = try await executor.query(
            """
            SELECT status, COUNT(*) AS n FROM webhook_deliveries
            WHERE status IN (\(list: [DeliveryStatus.pending.rawValue, DeliveryStatus.inProgress.rawValue])) GROUP BY status
            """)
        var counts: [String: Int] = [:]
        for row in queued { counts[try row.string("status")] = try row.int("n") }
        var figures = QueueFigures()
        figures.due = try due?.optionalInt("due") ?? 0
        figures.scheduled = max(0, (counts[DeliveryStatus.pending.rawValue] ?? 0) - figures.due)
        figures.inFlight = counts[DeliveryStatus.inProgress.rawValue] ?? 0
        figures.oldestDue = try due?.optionalDate("oldest")
        return figures
    }

    /// How many deliveries an event has.
    package func count(eventID: UUID) async throws -> Int {
        try await executor.first("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE event_id = \(eventID)")?.int("n") ?? 0
    }

    /// Leases up to `limit` deliveries that are due (or whose lease ran out) to `worker` and
    /// returns what is needed to send them. Must run inside a transaction: the dialect's
    /// locking clause (`FOR UPDATE SKIP LOCKED`) keeps concurrent workers on disjoint rows,
    /// and on SQLite the single writer does.
    ///
    /// Per webhook (`policy`): no more than its concurrency cap in flight over all servers
    /// (ramping up after its circuit closed), so one slow receiver cannot take every slot;
    /// nothing while its circuit is open, but one probe when the probe is due (leased for half
    /// the delivery's lease — still longer than one attempt — so a server killed while probing
    /// delays the next probe less).
    ///
    /// `places` (the claiming worker) shares each webhook's room with deliveries handed over
    /// in its process: the table's count then leaves out the worker's own rows, whose places
    /// it knows better (one whose answer came but is not recorded yet holds none; one handed
    /// over by a transaction not yet committed, invisible here, holds one), and it keeps what
    /// the claim leaves for handoffs.
    package func claimDue(
        worker: String, now: Date, lease: Duration, limit: Int, policy: CircuitPolicy, places: (any LocalPlaces)? = nil
    ) async throws -> [DeliveryJob] {
        let locking = executor.dialect.claimLockingClause.map { " " + $0 } ?? ""
        let gates = try await WebhookStore.claimGates(
            rampSince: now.addingTimeInterval(-policy.ramp.seconds), defaultRate: policy.defaultMaxDeliveriesPerSecond, on: executor)
        let planner = ClaimPlanner(policy: policy, now: now)
        let inFlight = try await inFlightCounts(now: now, otherThan: places?.workerName)
        // This worker's places are counted as they are now to leave full webhooks out of the
        // read (and exactly, under the lock, when choosing below).
        let plan = planner.room(gates: gates, inFlight: inFlight, ownPlaces: places?.placesHeld() ?? [:])
        let excluded = plan.excluded
        let skip: SQLQuery = excluded.isEmpty ? "" : " AND webhook_id NOT IN (\(list: excluded))"
        // Two queries rather than one with OR: each walks its own index in order and stops at
        // the limit, where an OR would sort every due row on each claim. Twice the limit is
        // read so a webhook at its cap leaves room for the others in the same claim.
        // When every active webhook is left out (all at their cap, say), there is nothing to
        // read — and reading anyway is the costliest claim there is: the index walk skips
        // every due row, the whole backlog (a million rows took 250-370 ms on PostgreSQL).
        var rows: [SQLRow] = []
        var nothingToRead = false
        if !excluded.isEmpty { nothingToRead = try await WebhookStore.activeIDs(on: executor).isSubset(of: Set(excluded)) }
        if !nothingToRead {
            rows = try await executor.query(Self.expiredLeasesQuery(now: now, skip: skip, limit: limit * 2, locking: locking))
            if rows.count < limit * 2 {
                rows += try await executor.query(
                    Self.duePendingQuery(now: now, skip: skip, limit: limit * 2 - rows.count, locking: locking))
            }
        }
        let due = try rows.map { (id: try $0.uuid("id"), webhookID: try $0.uuid("webhook_id")) }
        let choose = { (room: inout HandoffRoom) in ClaimPlanner.choose(due, limit: limit, from: &room, barred: plan.barred) }
        var available = plan.available
        let chosen = places.map { $0.choose(from: available, choose) } ?? choose(&available)
        var candidates = chosen.map(\.id)
        // A throttled webhook's starts are booked with a compare-and-set, so two servers
        // never spend the same allowance; the loser leaves them for its next claim.
        for booking in planner.bookings(for: chosen, gates: gates, room: plan) {
            if try await !WebhookStore.advanceThrottle(id: booking.webhookID, from: booking.from, to: booking.to, on: executor) {
                let dropped = Set(booking.deliveryIDs)
                candidates.removeAll { dropped.contains($0) }
            }
        }
        let until = now.addingTimeInterval(lease.seconds)
        let probes = try await takeProbes(
            gates: gates, now: now, until: now.addingTimeInterval(lease.seconds / 2), limit: limit - candidates.count, locking: locking)
        candidates += probes
        guard !candidates.isEmpty else { return [] }
        try await executor.execute(Self.leaseQuery(ids: candidates, worker: worker, until: until, now: now))
        var jobs = try await jobs(ids: candidates, now: now)
        for index in jobs.indices where probes.contains(jobs[index].deliveryID) { jobs[index].isProbe = true }
        return jobs
    }

    /// Takes the probe of each open circuit whose probe is due (at most `limit`): its waiting
    /// delivery due first, with a compare-and-set on the webhook (leased until `until`) so
    /// only one server sends it. Webhook rows are taken in id order, as everywhere, so two
    /// transactions never wait for each other in a circle.
    private func takeProbes(
        gates: [UUID: WebhookStore.ClaimGate], now: Date, until: Date, limit: Int, locking: String
    ) async throws -> [UUID] {
        var probes: [UUID] = []
        for (webhookID, gate) in gates.sorted(by: { $0.key.uuidString < $1.key.uuidString })
        where gate.circuit.probeIsDue(now: now) && probes.count < limit {
            // By `next_attempt_at`: a delivery whose probe failed was put back a probe's wait
            // later, so the next probe takes another one — one delivery the receiver cannot
            // take (a payload it chokes on) does not keep the circuit open on its own.
            guard let row = try await executor.first(Self.probeCandidateQuery(webhookID: webhookID, now: now, locking: locking)) else {
                continue
            }
            guard try await WebhookStore.takeProbe(id: webhookID, now: now, until: until, on: executor) else { continue }
            probes.append(try row.uuid("id"))
        }
        return probes
    }

    /// Deliveries being sent now (leased, lease not run out) per webhook, over all servers but
    /// `worker`, when given.
    func inFlightCounts(now: Date, otherThan worker: String? = nil) async throws -> [UUID: Int] {
        var counts: [UUID: Int] = [:]
        for row in try await executor.query(Self.inFlightQuery(now: now, otherThan: worker)) {
            counts[try row.uuid("webhook_id")] = try row.int("n")
        }
        return counts
    }

    // The claim's statements, built here so that `claimPlans` explains exactly what
    // `claimDue` runs.

    /// Deliveries whose lease ran out (their worker died or lost the database while sending).
    static func expiredLeasesQuery(now: Date, skip: SQLQuery, limit: Int, locking: String) -> SQLQuery {
        """
        SELECT id, webhook_id FROM webhook_deliveries
        WHERE status = \(DeliveryStatus.inProgress.rawValue) AND locked_until <= \(now)\(skip)
        LIMIT \(limit)\(unsafeRaw: locking)
        """
    }

    /// Pending deliveries that are due, the longest-waiting first.
    static func duePendingQuery(now: Date, skip: SQLQuery, limit: Int, locking: String) -> SQLQuery {
        """
        SELECT id, webhook_id FROM webhook_deliveries
        WHERE status = \(DeliveryStatus.pending.rawValue) AND next_attempt_at <= \(now)\(skip)
        ORDER BY next_attempt_at LIMIT \(limit)\(unsafeRaw: locking)
        """
    }

    /// Leased deliveries per webhook (the in-flight count the concurrency cap is checked
    /// against), leaving out `worker`'s own when given.
    static func inFlightQuery(now: Date, otherThan worker: String? = nil) -> SQLQuery {
        var others: SQLQuery = ""
        if let worker { others = " AND locked_by <> \(worker)" }
        return """
            SELECT webhook_id, COUNT(*) AS n FROM webhook_deliveries
            WHERE status = \(DeliveryStatus.inProgress.rawValue) AND locked_until > \(now)\(others) GROUP BY webhook_id
            """
    }

    /// The delivery an open circuit's probe sends.
    static func probeCandidateQuery(webhookID: UUID, now: Date, locking: String) -> SQLQuery {
        """
        SELECT id FROM webhook_deliveries
        WHERE webhook_id = \(webhookID) AND (status = \(DeliveryStatus.pending.rawValue)
            OR (status = \(DeliveryStatus.inProgress.rawValue) AND locked_until <= \(now)))
        ORDER BY next_attempt_at, created_at LIMIT 1\(unsafeRaw: locking)
        """
    }

    /// Leases the chosen deliveries to `worker` until `until`.
    static func leaseQuery(ids: [UUID], worker: String, until: Date, now: Date) -> SQLQuery {
        """
        UPDATE webhook_deliveries SET status = \(DeliveryStatus.inProgress.rawValue), locked_by = \(worker),
            locked_until = \(until), updated_at = \(now)
        WHERE id IN (\(list: ids))
        """
    }

    /// What sending the given deliveries needs: the event's payload, the webhook's address and secrets.
    static func jobsQuery(ids: [UUID]) -> SQLQuery {
        """
        SELECT d.id, d.event_id, d.event_type, d.attempt_count, d.held_attempts, e.created_at AS event_created_at, e.payload, e.source,
               w.id AS webhook_id, w.url, w.secret, w.previous_secret, w.previous_secret_expires_at, w.is_active,
               w.max_retries, w.retry_delays_ms
        FROM webhook_deliveries d
        JOIN events e ON e.id = d.event_id
        JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.id IN (\(list: ids))
        """
    }

    /// Why a delivery whose webhook secret cannot be decrypted fails.
    package static let unreadableSecretReason =
        "the webhook's signing secret cannot be decrypted (was WEBHOOK_SECRET_KEY changed, or does a server with another key share this database?); set a new one with POST /api/webhooks/:id/rotate-secret, then retry"

    /// The send-ready view of the given deliveries.
    package func jobs(ids: [UUID], now: Date) async throws -> [DeliveryJob] {
        guard !ids.isEmpty else { return [] }
        return try await executor.query(Self.jobsQuery(ids: ids)).map { row in
            let previousExpiry = try row.optionalDate("previous_secret_expires_at")
            // A secret that cannot be opened (another WEBHOOK_SECRET_KEY wrote it) spoils this
            // webhook's deliveries only, not the whole claim.
            var unsendable: String?
            var secret: String?
            var previousSecret: String?
            do {
                secret = try openSecret(try row.optionalString("secret"))
                previousSecret = previousExpiry.map { $0 > now } == true ? try openSecret(try row.optionalString("previous_secret")) : nil
            } catch {
                unsendable = Self.unreadableSecretReason
            }
            var job = DeliveryJob(
                deliveryID: try row.uuid("id"), eventID: try row.uuid("event_id"), eventType: try row.string("event_type"),
                eventCreatedAt: try row.date("event_created_at"), dataJSON: try row.string("payload"),
                webhookID: try row.uuid("webhook_id"), url: try row.string("url"), secret: secret, previousSecret: previousSecret,
                webhookIsActive: try row.bool("is_active"), maxRetries: try row.optionalInt("max_retries"),
                retryDelaysMs: try row.optionalString("retry_delays_ms").map { try JSONText.decodeIntegers($0, column: "retry_delays_ms") },
                attemptNumber: try row.int("attempt_count") + 1, unsendableReason: unsendable)
            job.heldAttempts = try row.int("held_attempts")
            job.sourceJSON = try row.optionalString("source")
            return job
        }
    }

    /// Stores attempts with one multi-row `INSERT` per chunk.
    package func insert(attempts: [DeliveryAttempt]) async throws {
        try await executor.executeAll(Self.insertQueries(attempts))
    }

    /// Multi-row `INSERT`s for attempts, one per chunk.
    static func insertQueries(_ attempts: [DeliveryAttempt]) -> [SQLQuery] {
        SQLQuery.multiRowInserts(
            """
            INSERT INTO webhook_attempts (id, delivery_id, attempt_number, request_headers, response_status, response_body, \
            duration_ms, error, created_at) VALUES 
            """,
            rows: attempts.map { attempt in
                let headers = JSONValue.object(attempt.requestHeaders.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
                    .compactText
                return """
                    (\(attempt.id), \(attempt.deliveryID), \(attempt.attemptNumber), \(headers), \(attempt.responseStatus), \
                    \(attempt.responseBodyExcerpt), \(attempt.durationMs), \(attempt.error), \(attempt.createdAt))
                    """
            },
            chunk: insertChunk)
    }

    /// Counts one more held attempt for each of these deliveries (see `DeliveryJob.heldAttempts`).
    static func heldAttemptsQuery(_ ids: [UUID]) -> SQLQuery? {
        ids.isEmpty ? nil : "UPDATE webhook_deliveries SET held_attempts = held_attempts + 1 WHERE id IN (\(list: ids))"
    }

    /// Writes the state a delivery reached after an attempt and releases its lease.
    package func update(_ delivery: Delivery) async throws {
        try await executor.execute(Self.updateQuery(delivery))
    }

    /// Gives leases back without an attempt (used on shutdown for work not started).
    package func release(ids: [UUID], worker: String, now: Date) async throws {
        guard !ids.isEmpty else { return }
        try await executor.execute(
            """
            UPDATE webhook_deliveries SET status = \(DeliveryStatus.pending.rawValue), locked_by = NULL, locked_until = NULL,
                updated_at = \(now)
            WHERE id IN (\(list: ids)) AND locked_by = \(worker)
            """)
    }

    /// The delivery with this id, if any.
    package func find(id: UUID) async throws -> Delivery? {
        try await executor.first("SELECT \(unsafeRaw: Self.columns) FROM webhook_deliveries d WHERE d.id = \(id)").map(Self.decode)
    }

    /// The delivery with its attempts, if any.
    package func log(id: UUID) async throws -> DeliveryLog? {
        guard let delivery = try await find(id: id) else { return nil }
        return DeliveryLog(delivery: delivery, attempts: try await attempts(deliveryIDs: [id])[id] ?? [])
    }

    /// Deliveries newest first, after the cursor position `(createdAt, id)` when given.
    package func list(_ filter: DeliveryLogFilter, after cursor: (Date, UUID)?, limit: Int) async throws -> [DeliveryLog] {
        var conditions: [SQLQuery] = []
        if let webhookID = filter.webhookID { conditions.append("d.webhook_id = \(webhookID)") }
        if !filter.statuses.isEmpty { conditions.append("d.status IN (\(list: filter.statuses.map(\.rawValue)))") }
        if let eventType = filter.eventType { conditions.append("d.event_type = \(eventType)") }
        if let eventID = filter.eventID { conditions.append("d.event_id = \(eventID)") }
        if let since = filter.since { conditions.append("d.created_at >= \(since)") }
        if let until = filter.until { conditions.append("d.created_at < \(until)") }
        if let (createdAt, id) = cursor {
            conditions.append("(d.created_at < \(createdAt) OR (d.created_at = \(createdAt) AND d.id < \(id)))")
        }
        let query: SQLQuery = """
            SELECT \(unsafeRaw: Self.columns) FROM webhook_deliveries d\(SQLQuery.whereClause(conditions))
            ORDER BY d.created_at DESC, d.id DESC LIMIT \(limit)
            """
        let deliveries = try await executor.query(query).map(Self.decode)
        let attempts = try await attempts(deliveryIDs: deliveries.map(\.id))
        return deliveries.map { DeliveryLog(delivery: $0, attempts: attempts[$0.id] ?? []) }
    }

    /// Deliveries created at or after `since`, oldest first (of one webhook, when given), after
    /// the position `(createdAt, id)` when given; at most `limit`. For the live stream.
    package func created(since: Date, after position: (Date, UUID)?, webhookID: UUID?, limit: Int) async throws -> [Delivery] {
        var conditions: [SQLQuery] = ["d.created_at >= \(since)"]
        if let (createdAt, id) = position {
            conditions.append("(d.created_at > \(createdAt) OR (d.created_at = \(createdAt) AND d.id > \(id)))")
        }
        if let webhookID { conditions.append("d.webhook_id = \(webhookID)") }
        return try await executor.query(
            """
            SELECT \(unsafeRaw: Self.columns) FROM webhook_deliveries d\(SQLQuery.whereClause(conditions))
            ORDER BY d.created_at, d.id LIMIT \(limit)
            """
        ).map(Self.decode)
    }

    /// Makes a delivery due now; returns false when it is being sent right now.
    package func requeue(id: UUID, now: Date) async throws -> Bool {
        try await executor.execute(
            """
            UPDATE webhook_deliveries SET status = \(DeliveryStatus.pending.rawValue), next_attempt_at = \(now),
                completed_at = NULL, updated_at = \(now)
            WHERE id = \(id) AND status <> \(DeliveryStatus.inProgress.rawValue)
            """) > 0
    }

    /// How many failed deliveries of a webhook were created since `since` (what
    /// `requeueFailed` would make due).
    package func countFailed(webhookID: UUID, since: Date) async throws -> Int {
        try await executor.first(
            """
            SELECT COUNT(*) AS total FROM webhook_deliveries
            WHERE webhook_id = \(webhookID) AND status = \(DeliveryStatus.failed.rawValue) AND created_at >= \(since)
            """)?.int("total") ?? 0
    }

    /// Makes every failed delivery of a webhook created since `since` due now; returns how many.
    package func requeueFailed(webhookID: UUID, since: Date, now: Date) async throws -> Int {
        try await executor.execute(
            """
            UPDATE webhook_deliveries SET status = \(DeliveryStatus.pending.rawValue), next_attempt_at = \(now),
                completed_at = NULL, updated_at = \(now)
            WHERE webhook_id = \(webhookID) AND status = \(DeliveryStatus.failed.rawValue) AND created_at >= \(since)
            """)
    }

    func attempts(deliveryIDs: [UUID]) async throws -> [UUID: [DeliveryAttempt]] {
        guard !deliveryIDs.isEmpty else { return [:] }
        var result: [UUID: [DeliveryAttempt]] = [:]
        for row in try await executor.query(
            """
            SELECT id, delivery_id, attempt_number, request_headers, response_status, response_body, duration_ms, error, created_at
            FROM webhook_attempts WHERE delivery_id IN (\(list: deliveryIDs)) ORDER BY attempt_number
            """)
        {
            var headers: [String: String] = [:]
            if case .object(let members) = try JSONValue.parse(Array(try row.string("request_headers").utf8)) {
                for (key, value) in members { if case .string(let text) = value { headers[key] = text } }
            }
            let attempt = DeliveryAttempt(
                id: try row.uuid("id"), deliveryID: try row.uuid("delivery_id"), attemptNumber: try row.int("attempt_number"),
                requestHeaders: headers, responseStatus: try row.optionalInt("response_status"),
                responseBodyExcerpt: try row.optionalString("response_body"), durationMs: try row.int("duration_ms"),
                error: try row.optionalString("error"), createdAt: try row.date("created_at"))
            result[attempt.deliveryID, default: []].append(attempt)
        }
        return result
    }

    static func decode(_ row: SQLRow) throws -> Delivery {
        let statusText = try row.string("status")
        guard let status = DeliveryStatus(rawValue: statusText) else {
            throw StorageError.typeMismatch(column: "status", expected: "delivery status", found: .text(statusText))
        }
        return Delivery(
            id: try row.uuid("id"), eventID: try row.uuid("event_id"), webhookID: try row.uuid("webhook_id"),
            eventType: try row.string("event_type"), status: status, attemptCount: try row.int("attempt_count"),
            nextAttemptAt: try row.optionalDate("next_attempt_at"), lockedBy: try row.optionalString("locked_by"),
            lockedUntil: try row.optionalDate("locked_until"), lastStatusCode: try row.optionalInt("last_status_code"),
            lastError: try row.optionalString("last_error"), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"), completedAt: try row.optionalDate("completed_at"))
    }
}
