import Foundation

/// The webhook log: deliveries with their attempts, and the ways to send them again.
package struct DeliveryLogService: Sendable {
    let driver: any StorageDriver
    let environment: CoreEnvironment
    /// Called when deliveries became due, so a local worker starts at once.
    let onRequeued: @Sendable () -> Void

    /// Most entries one page may hold, and the default.
    package static let maxLimit = 100
    package static let defaultLimit = 50

    /// Creates the service.
    package init(driver: any StorageDriver, environment: CoreEnvironment = .live, onRequeued: @escaping @Sendable () -> Void = {}) {
        self.driver = driver
        self.environment = environment
        self.onRequeued = onRequeued
    }

    /// A page of the log, newest first, and the cursor for the next page (nil at the end).
    package func list(_ filter: DeliveryLogFilter, cursor: String?, limit: Int) async throws -> (
        entries: [DeliveryLog], nextCursor: String?
    ) {
        guard (1...Self.maxLimit).contains(limit) else {
            throw SwitchboardError.badRequest("limit must be between 1 and \(Self.maxLimit)", code: "invalid_query")
        }
        let position = try cursor.map(PageCursor.decode)
        let entries = try await DeliveryStore(executor: driver).list(filter, after: position, limit: limit)
        let next =
            entries.count == limit ? entries.last.map { PageCursor.encode(createdAt: $0.delivery.createdAt, id: $0.delivery.id) } : nil
        return (entries, next)
    }

    /// One delivery with its attempts.
    package func get(id: UUID) async throws -> DeliveryLog {
        guard let log = try await DeliveryStore(executor: driver).log(id: id) else {
            throw SwitchboardError.notFound("delivery", id: id.uuidString.lowercased())
        }
        return log
    }

    /// What was sent for a delivery: the body every attempt carried (rebuilt from the stored
    /// event, byte for byte what was signed) and the webhook's URL now (nil once the event or
    /// the webhook is gone).
    package func request(for delivery: Delivery) async throws -> (url: String?, body: String?) {
        let event = try await EventStore(executor: driver).find(id: delivery.eventID)
        let body = event.map {
            String(
                decoding: WebhookPayload.body(
                    eventID: $0.id, type: $0.type, createdAt: $0.createdAt, dataJSON: $0.payload, sourceJSON: $0.source), as: UTF8.self)
        }
        return (try await WebhookStore.url(id: delivery.webhookID, on: driver), body)
    }

    /// Deliveries created at or after `since`, oldest first, after a position, for the live
    /// stream.
    package func created(since: Date, after position: (Date, UUID)?, webhookID: UUID?, limit: Int) async throws -> [Delivery] {
        try await DeliveryStore(executor: driver).created(since: since, after: position, webhookID: webhookID, limit: limit)
    }

    /// Makes a delivery due now, whatever its state (failed ones included); the next attempt
    /// is appended to its history.
    package func retry(id: UUID) async throws -> DeliveryLog {
        let store = DeliveryStore(executor: driver)
        guard try await store.find(id: id) != nil else { throw SwitchboardError.notFound("delivery", id: id.uuidString.lowercased()) }
        guard try await store.requeue(id: id, now: environment.currentTime()) else {
            throw SwitchboardError(
                .conflict, code: "delivery_in_progress",
                message: "delivery \(id.uuidString.lowercased()) is being sent right now; try again when it finishes")
        }
        onRequeued()
        return try await get(id: id)
    }

    /// Re-queues every failed delivery of a webhook created since `since`; returns how many.
    /// With `dryRun` nothing changes and the count is of what would be re-queued.
    package func recover(webhookID: UUID, since: Date, dryRun: Bool = false) async throws -> Int {
        guard try await WebhookStore.exists(id: webhookID, on: driver) else {
            throw SwitchboardError.notFound("webhook", id: webhookID.uuidString.lowercased())
        }
        if dryRun { return try await DeliveryStore(executor: driver).countFailed(webhookID: webhookID, since: since) }
        let count = try await DeliveryStore(executor: driver).requeueFailed(
            webhookID: webhookID, since: since, now: environment.currentTime())
        if count > 0 { onRequeued() }
        return count
    }
}
