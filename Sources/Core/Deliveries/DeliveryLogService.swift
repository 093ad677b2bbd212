import Foundation

/// The seed's webhook log: deliveries with their attempts, and the ways to send them again.
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
    package func list(_ filter: DeliveryLogFilter, cursor: String?, limit: Int) async throws -> (entries: [DeliveryLog], nextCursor: String?) {
        guard (1...Self.maxLimit).contains(limit) else {
            throw SwitchboardError.badRequest("limit must be between 1 and \(Self.maxLimit)", code: "invalid_query")
        }
        let position = try cursor.map(Self.decodeCursor)
        let entries = try await DeliveryStore(executor: driver).list(filter, after: position, limit: limit)
        let next = entries.count == limit ? entries.last.map { Self.encodeCursor($0.delivery) } : nil
        return (entries, next)
    }

    /// One delivery with its attempts.
    package func get(id: UUID) async throws -> DeliveryLog {
        guard let log = try await DeliveryStore(executor: driver).log(id: id) else {
            throw SwitchboardError.notFound("delivery", id: id.uuidString.lowercased())
        }
        return log
    }

    /// Makes a delivery due now, whatever its state (failed ones included); the next attempt
    /// is appended to its history.
    package func retry(id: UUID) async throws -> DeliveryLog {
        let store = DeliveryStore(executor: driver)
        guard try await store.find(id: id) != nil else { throw SwitchboardError.notFound("delivery", id: id.uuidString.lowercased()) }
        guard try await store.requeue(id: id, now: environment.currentTime()) else {
            throw SwitchboardError(.conflict, code: "delivery_in_progress", message: "delivery \(id.uuidString.lowercased()) is being sent right now; try again when it finishes")
        }
        onRequeued()
        return try await get(id: id)
    }

    /// Re-queues every failed delivery of a webhook created since `since`; returns how many.
    package func recover(webhookID: UUID, since: Date) async throws -> Int {
        guard try await WebhookStore.exists(id: webhookID, on: driver) else {
            throw SwitchboardError.notFound("webhook", id: webhookID.uuidString.lowercased())
        }
        let count = try await DeliveryStore(executor: driver).requeueFailed(webhookID: webhookID, since: since, now: environment.currentTime())
        if count > 0 { onRequeued() }
        return count
    }

    static func encodeCursor(_ delivery: Delivery) -> String {
        "\(Timestamp.clampedMilliseconds(delivery.createdAt))_\(delivery.id.uuidString.lowercased())"
    }

    /// The position a cursor names. Its time must be one a delivery can have been created at
    /// (the accepted span): anything else was not issued by a server and is refused before it
    /// meets date arithmetic.
    static func decodeCursor(_ text: String) throws -> (Date, UUID) {
        let parts = text.split(separator: "_", maxSplits: 1)
        guard parts.count == 2, let millis = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])),
              Timestamp.acceptedRange.contains(Date(timeIntervalSince1970: TimeInterval(millis) / 1000))
        else {
            throw SwitchboardError.badRequest("cursor is not one this server issued; use next_cursor from the previous page", code: "invalid_cursor")
        }
        return (Date(timeIntervalSince1970: TimeInterval(millis) / 1000), id)
    }
}
