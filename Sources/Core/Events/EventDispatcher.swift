import Crypto
import Foundation

/// The answer to a publish: the event and how many deliveries it fanned out to.
package struct PublishedEvent: Sendable, Equatable {
    package let event: Event
    package let deliveryCount: Int
    /// True when the idempotency key matched an earlier event, which is returned instead.
    package let isDuplicate: Bool
}

/// One event to publish, as `publish` and `publishBatch` take it.
package struct EventSubmission: Sendable, Equatable {
    package var type: String
    package var data: JSONValue
    package var idempotencyKey: String?

    /// Creates a submission.
    package init(type: String, data: JSONValue, idempotencyKey: String? = nil) {
        self.type = type
        self.data = data
        self.idempotencyKey = idempotencyKey
    }
}

/// Accepts events: writes each with one delivery per subscribed active webhook in one
/// transaction, so an accepted event is never without its deliveries.
///
/// Concurrent publishes share transactions (group commit): while one transaction commits,
/// the publishes arriving meanwhile queue and are committed together in the next, with one
/// read of the subscriptions and one multi-row insert per table. Each caller is answered
/// only after the transaction holding its own event has committed; if a shared transaction
/// fails, its publishes are tried again one per transaction, so only the ones that fail on
/// their own are answered with an error.
package struct EventDispatcher: Sendable {
    let driver: any StorageDriver
    let catalog: EventTypeCatalog
    let environment: CoreEnvironment
    /// Called after each commit that created deliveries a local worker should claim.
    let onPublished: @Sendable () -> Void
    /// A ticket per publish transaction for handing deliveries to the local worker (nil: no
    /// worker in this process).
    let handoff: (@Sendable () -> DeliveryHandoffTicket?)?
    private let group: GroupCommit<Insertion, PublishedEvent>

    /// How long an idempotency key keeps returning the first event.
    package static let idempotencyWindow: TimeInterval = 24 * 3600
    /// Longest idempotency key accepted.
    package static let maxIdempotencyKeyLength = 255
    /// Most events `publishBatch` takes in one call.
    package static let maxBatchEvents = 1000
    /// Most concurrent publishes joined into one transaction.
    package static let maxGroupedPublishes = 256

    /// Creates the dispatcher.
    package init(
        driver: any StorageDriver, catalog: EventTypeCatalog? = nil, environment: CoreEnvironment = .live,
        handoff: (@Sendable () -> DeliveryHandoffTicket?)? = nil, onPublished: @escaping @Sendable () -> Void = {}
    ) {
        let catalog = catalog ?? EventTypeCatalog(driver: driver, environment: environment)
        self.driver = driver
        self.catalog = catalog
        self.environment = environment
        self.onPublished = onPublished
        self.handoff = handoff
        let committer = Committer(driver: driver, environment: environment, handoff: handoff, onPublished: onPublished)
        self.group = GroupCommit(maxBatch: Self.maxGroupedPublishes) { await committer.commit($0) }
    }

    /// Publishes an event of a known type with `data` (any JSON value). The same
    /// `idempotencyKey` from the same `scope` (the publishing API key) within 24 hours returns
    /// the first event instead of a new one; another key's idempotency keys are never seen.
    /// `source` says where the event came from (the gateway's CRM request); receivers get it
    /// beside `data`.
    package func publish(type: String, data: JSONValue, idempotencyKey: String? = nil, scope: UUID? = nil, source: JSONValue? = nil)
        async throws -> PublishedEvent
    {
        var insertion = try await validate(EventSubmission(type: type, data: data, idempotencyKey: idempotencyKey), scope: scope)
        insertion.source = source?.compactText
        return try await group.submit(insertion)
    }

    /// Publishes up to `maxBatchEvents` events in one transaction and answers each on its
    /// own, in order: an event that is invalid (unknown type, bad idempotency key) fails
    /// alone, the others are accepted together. Idempotency works per event as in `publish`.
    package func publishBatch(_ submissions: [EventSubmission], scope: UUID? = nil) async -> [Result<PublishedEvent, any Error>] {
        var results: [Result<PublishedEvent, any Error>?] = Array(repeating: nil, count: submissions.count)
        var valid: [(index: Int, insertion: Insertion)] = []
        var known: [String: Bool] = [:]
        for (index, submission) in submissions.enumerated() {
            do {
                valid.append((index, try await validate(submission, scope: scope, known: &known)))
            } catch {
                results[index] = .failure(error)
            }
        }
        let committer = Committer(driver: driver, environment: environment, handoff: handoff, onPublished: onPublished)
        let committed = await committer.commit(valid.map(\.insertion))
        for (position, entry) in valid.enumerated() { results[entry.index] = committed[position] }
        return results.map { $0 ?? .failure(GroupCommitError.noResult) }
    }

    /// The checks a publish passes before anything is written.
    private func validate(_ submission: EventSubmission, scope: UUID?) async throws -> Insertion {
        var known: [String: Bool] = [:]
        return try await validate(submission, scope: scope, known: &known)
    }

    private func validate(_ submission: EventSubmission, scope: UUID?, known: inout [String: Bool]) async throws -> Insertion {
        let type = submission.type
        guard !EventType.isReserved(type) else {
            throw SwitchboardError(
                .validation, code: "reserved_event_type",
                message:
                    "type: webhook.* events are published by Switchboard itself (health changes, test sends); publish your own resource.action types"
            )
        }
        let isKnown: Bool
        if let cached = known[type] {
            isKnown = cached
        } else {
            isKnown = try await catalog.contains(type)
            known[type] = isKnown
        }
        guard isKnown else {
            throw SwitchboardError.invalid(
                "type: unknown event type '\(type)'; GET /api/event-types lists the known ones, POST /api/event-types registers new ones")
        }
        if let idempotencyKey = submission.idempotencyKey {
            guard !idempotencyKey.isEmpty, idempotencyKey.count <= Self.maxIdempotencyKeyLength else {
                throw SwitchboardError.invalid("idempotencyKey must be 1 to \(Self.maxIdempotencyKeyLength) characters")
            }
        }
        return Insertion(
            type: type, payload: submission.data.compactText,
            idempotencyKey: submission.idempotencyKey.map { Self.storedIdempotencyKey($0, scope: scope) })
    }

    /// The stored form of an idempotency key: a SHA-256 of the publishing key's id and the
    /// client's value, so each API key has idempotency keys of its own (one key cannot learn
    /// another's events by guessing its idempotency keys), in a fixed length whatever the
    /// client sent.
    static func storedIdempotencyKey(_ key: String, scope: UUID?) -> String {
        let scoped = (scope?.uuidString.lowercased() ?? "-") + "\n" + key
        return "s1:" + Hex.encode(SHA256.hash(data: Array(scoped.utf8)))
    }

    /// A validated event, ready to be written.
    struct Insertion: Sendable {
        var type: String
        var payload: String
        var idempotencyKey: String?
        var source: String? = nil
    }

    /// Writes validated events: all in one transaction, or each in its own when that fails.
    struct Committer: Sendable {
        let driver: any StorageDriver
        let environment: CoreEnvironment
        let handoff: (@Sendable () -> DeliveryHandoffTicket?)?
        let onPublished: @Sendable () -> Void

        func commit(_ insertions: [Insertion]) async -> [Result<PublishedEvent, any Error>] {
            guard !insertions.isEmpty else { return [] }
            if insertions.count > 1 {
                do {
                    let published = try await insert(insertions)
                    return published.map { .success($0) }
                } catch let error as StorageError where !error.isPerStatement {
                    // The database is unreachable: trying each event alone would only wait
                    // for it again and again.
                    return insertions.map { _ in .failure(error) }
                } catch {
                    // Nothing of the shared transaction was written. Each event gets a
                    // transaction of its own, so one that cannot be written (or lost an
                    // idempotency race) does not fail the others.
                }
            }
            var results: [Result<PublishedEvent, any Error>] = []
            for insertion in insertions {
                do {
                    results.append(.success(try await commitOne(insertion)))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }

        private func commitOne(_ insertion: Insertion) async throws -> PublishedEvent {
            do {
                return try await insertOnce(insertion)
            } catch StorageError.uniqueViolation where insertion.idempotencyKey != nil {
                // Another request with the same key committed first: answer with its event.
                return try await insertOnce(insertion)
            }
        }

        private func insertOnce(_ insertion: Insertion) async throws -> PublishedEvent {
            try await insert([insertion])[0]
        }

        /// One transaction for `insertions`; its handed-over deliveries go to the worker after
        /// the commit, and the worker's claim loop is woken for the others.
        private func insert(_ insertions: [Insertion]) async throws -> [PublishedEvent] {
            let environment = environment
            let now = environment.currentTime()
            let ticket = handoff?()
            let published: [PublishedEvent]
            do {
                published = try await driver.transaction { transaction in
                    try await EventDispatcher.insertAll(insertions, now: now, environment: environment, handoff: ticket, on: transaction)
                }
            } catch {
                ticket?.abandoned()
                throw error
            }
            let handedOver = ticket?.count ?? 0
            ticket?.committed()
            let created = published.reduce(0) { $0 + ($1.isDuplicate ? 0 : $1.deliveryCount) }
            if created > handedOver { onPublished() }
            return published
        }
    }

    /// Writes events published together: one read of the subscriptions, each idempotency key
    /// looked up (a key repeated within the batch answers with the batch's first event), then
    /// one multi-row insert per table.
    static func insertAll(
        _ insertions: [Insertion], now: Date, environment: CoreEnvironment, handoff: DeliveryHandoffTicket? = nil,
        on transaction: any SQLExecutor
    ) async throws -> [PublishedEvent] {
        // A transaction run again starts its handoff over: the first run was rolled back.
        handoff?.reset()
        let subscriptions = try await WebhookStore.activeSubscriptions(on: transaction)
        let events = EventStore(executor: transaction)
        var answers: [PublishedEvent] = []
        var newEvents: [Event] = []
        var deliveries: [Delivery] = []
        var byKey: [String: Int] = [:]
        answers.reserveCapacity(insertions.count)
        for insertion in insertions {
            if let key = insertion.idempotencyKey {
                if let first = byKey[key] {
                    answers.append(
                        PublishedEvent(event: answers[first].event, deliveryCount: answers[first].deliveryCount, isDuplicate: true))
                    continue
                }
                byKey[key] = answers.count
                if let earlier = try await events.find(idempotencyKey: key) {
                    if now.timeIntervalSince(earlier.createdAt) < idempotencyWindow {
                        let count = try await DeliveryStore(executor: transaction).count(eventID: earlier.id)
                        answers.append(PublishedEvent(event: earlier, deliveryCount: count, isDuplicate: true))
                        continue
                    }
                    try await events.releaseIdempotencyKey(eventID: earlier.id)
                }
            }
            let event = Event(
                id: environment.newID(), type: insertion.type, payload: insertion.payload, idempotencyKey: insertion.idempotencyKey,
                createdAt: now,
                source: insertion.source)
            var rows = deliveryRows(for: event, subscriptions: subscriptions, now: now, environment: environment)
            if let handoff {
                for index in rows.indices { handoff.take(&rows[index], now: now) }
            }
            newEvents.append(event)
            deliveries.append(contentsOf: rows)
            answers.append(PublishedEvent(event: event, deliveryCount: rows.count, isDuplicate: false))
        }
        if !newEvents.isEmpty {
            try await transaction.executeAll(EventStore.insertQueries(newEvents) + DeliveryStore.insertQueries(deliveries))
        }
        return answers
    }

    /// One pending delivery per active webhook subscribed to the event's type.
    static func deliveryRows(for event: Event, subscriptions: [(id: UUID, events: [String])], now: Date, environment: CoreEnvironment)
        -> [Delivery]
    {
        subscriptions.filter { $0.events.contains(EventType.wildcard) || $0.events.contains(event.type) }.map {
            Delivery(
                id: environment.newID(), eventID: event.id, webhookID: $0.id, eventType: event.type, status: .pending, attemptCount: 0,
                nextAttemptAt: now, createdAt: now, updatedAt: now)
        }
    }

    /// `insertEvent`, unless an event with the same stored idempotency key was published within
    /// the idempotency window: then that event is the answer and nothing is written. A key older
    /// than the window is released for the new event. For the API and the outbox relay alike.
    static func insertUnlessDuplicate(
        type: String, payload: String, idempotencyKey: String?, now: Date, environment: CoreEnvironment, on transaction: any SQLExecutor
    ) async throws -> PublishedEvent {
        try await insertAll(
            [Insertion(type: type, payload: payload, idempotencyKey: idempotencyKey)], now: now, environment: environment, on: transaction)[
                0]
    }

    /// Writes an event and one pending delivery per subscribed active webhook with
    /// `transaction`, so callers can publish as part of a larger change (operational events).
    static func insertEvent(type: String, payload: String, now: Date, environment: CoreEnvironment, on transaction: any SQLExecutor)
        async throws -> PublishedEvent
    {
        // Without an idempotency key nothing is looked up: the shared path only inserts.
        try await insertAll(
            [Insertion(type: type, payload: payload, idempotencyKey: nil)], now: now, environment: environment, on: transaction)[0]
    }
}
