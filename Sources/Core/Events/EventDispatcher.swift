import Crypto
import Foundation

/// The answer to a publish: the event and how many deliveries it fanned out to.
package struct PublishedEvent: Sendable, Equatable {
    package let event: Event
    package let deliveryCount: Int
    /// True when the idempotency key matched an earlier event, which is returned instead.
    package let isDuplicate: Bool
}

/// Accepts events: writes each with one delivery per subscribed active webhook in one
/// transaction, so an accepted event is never without its deliveries.
package struct EventDispatcher: Sendable {
    let driver: any StorageDriver
    let catalog: EventTypeCatalog
    let environment: CoreEnvironment
    /// Called after each commit that created deliveries, so a local worker can start at once.
    let onPublished: @Sendable () -> Void

    /// How long an idempotency key keeps returning the first event.
    package static let idempotencyWindow: TimeInterval = 24 * 3600
    /// Longest idempotency key accepted.
    package static let maxIdempotencyKeyLength = 255

    /// Creates the dispatcher.
    package init(driver: any StorageDriver, catalog: EventTypeCatalog? = nil, environment: CoreEnvironment = .live, onPublished: @escaping @Sendable () -> Void = {}) {
        self.driver = driver
        self.catalog = catalog ?? EventTypeCatalog(driver: driver, environment: environment)
        self.environment = environment
        self.onPublished = onPublished
    }

    /// Publishes an event of a known type with `data` (any JSON value). The same
    /// `idempotencyKey` from the same `scope` (the publishing API key) within 24 hours returns
    /// the first event instead of a new one; another key's idempotency keys are never seen.
    package func publish(type: String, data: JSONValue, idempotencyKey: String? = nil, scope: UUID? = nil) async throws -> PublishedEvent {
        guard !EventType.isReserved(type) else {
            throw SwitchboardError(.validation, code: "reserved_event_type", message: "type: webhook.* events are published by Switchboard itself (health changes, test sends); publish your own resource.action types")
        }
        guard try await catalog.contains(type) else {
            throw SwitchboardError.invalid("type: unknown event type '\(type)'; GET /api/event-types lists the known ones, POST /api/event-types registers new ones")
        }
        if let idempotencyKey {
            guard !idempotencyKey.isEmpty, idempotencyKey.count <= Self.maxIdempotencyKeyLength else {
                throw SwitchboardError.invalid("idempotencyKey must be 1 to \(Self.maxIdempotencyKeyLength) characters")
            }
        }
        let payload = data.compactText
        let stored = idempotencyKey.map { Self.storedIdempotencyKey($0, scope: scope) }
        do {
            return try await insert(type: type, payload: payload, idempotencyKey: stored)
        } catch StorageError.uniqueViolation where stored != nil {
            // Another request with the same key committed first: answer with its event.
            return try await insert(type: type, payload: payload, idempotencyKey: stored)
        }
    }

    /// The stored form of an idempotency key: a SHA-256 of the publishing key's id and the
    /// client's value, so each API key has idempotency keys of its own (one key cannot learn
    /// another's events by guessing its idempotency keys), in a fixed length whatever the
    /// client sent.
    static func storedIdempotencyKey(_ key: String, scope: UUID?) -> String {
        let scoped = (scope?.uuidString.lowercased() ?? "-") + "\n" + key
        return "s1:" + Hex.encode(SHA256.hash(data: Array(scoped.utf8)))
    }

    private func insert(type: String, payload: String, idempotencyKey: String?) async throws -> PublishedEvent {
        let now = environment.currentTime()
        let environment = environment
        let result = try await driver.transaction { transaction -> PublishedEvent in
            try await Self.insertUnlessDuplicate(
                type: type, payload: payload, idempotencyKey: idempotencyKey, now: now, environment: environment, on: transaction)
        }
        if !result.isDuplicate, result.deliveryCount > 0 { onPublished() }
        return result
    }

    /// `insertEvent`, unless an event with the same stored idempotency key was published within
    /// the idempotency window: then that event is the answer and nothing is written. A key older
    /// than the window is released for the new event. For the API and the outbox relay alike.
    static func insertUnlessDuplicate(
        type: String, payload: String, idempotencyKey: String?, now: Date, environment: CoreEnvironment, on transaction: any SQLExecutor
    ) async throws -> PublishedEvent {
        let events = EventStore(executor: transaction)
        if let idempotencyKey, let earlier = try await events.find(idempotencyKey: idempotencyKey) {
            if now.timeIntervalSince(earlier.createdAt) < idempotencyWindow {
                return PublishedEvent(event: earlier, deliveryCount: try await DeliveryStore(executor: transaction).count(eventID: earlier.id), isDuplicate: true)
            }
            try await events.releaseIdempotencyKey(eventID: earlier.id)
        }
        return try await insertEvent(type: type, payload: payload, idempotencyKey: idempotencyKey, now: now, environment: environment, on: transaction)
    }

    /// Writes an event and one pending delivery per subscribed active webhook with
    /// `transaction`, so callers can publish as part of a larger change (operational events).
    static func insertEvent(
        type: String, payload: String, idempotencyKey: String? = nil, now: Date, environment: CoreEnvironment,
        on transaction: any SQLExecutor
    ) async throws -> PublishedEvent {
        let event = Event(id: environment.newID(), type: type, payload: payload, idempotencyKey: idempotencyKey, createdAt: now)
        let subscribers = try await WebhookStore.activeSubscriptions(on: transaction)
            .filter { $0.events.contains(EventType.wildcard) || $0.events.contains(type) }
        let rows = subscribers.map {
            Delivery(
                id: environment.newID(), eventID: event.id, webhookID: $0.id, eventType: type, status: .pending, attemptCount: 0,
                nextAttemptAt: now, createdAt: now, updatedAt: now)
        }
        try await transaction.executeAll([EventStore.insertQuery(event)] + DeliveryStore.insertQueries(rows))
        return PublishedEvent(event: event, deliveryCount: subscribers.count, isDuplicate: false)
    }
}
