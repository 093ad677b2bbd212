import Foundation

/// An event accepted for delivery. Its id is what receivers de-duplicate on.
public struct Event: Sendable, Equatable {
    public var id: UUID
    public var type: String
    /// The `data` member as compact JSON text.
    public var payload: String
    public var idempotencyKey: String?
    public var createdAt: Date

    /// Creates an event record.
    public init(id: UUID, type: String, payload: String, idempotencyKey: String?, createdAt: Date) {
        self.id = id
        self.type = type
        self.payload = payload
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
    }
}

/// Where a delivery stands in its life.
public enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for its next attempt (`next_attempt_at`).
    case pending
    /// Claimed by a worker whose lease has not run out.
    case inProgress = "in_progress"
    /// A receiver answered 2xx.
    case succeeded
    /// Out of attempts, or answered with a final status.
    case failed
}

/// One event on its way to one webhook: the queue row the delivery workers claim.
public struct Delivery: Sendable, Equatable {
    public var id: UUID
    public var eventID: UUID
    public var webhookID: UUID
    public var eventType: String
    public var status: DeliveryStatus
    public var attemptCount: Int
    public var nextAttemptAt: Date?
    /// The worker holding the lease, and until when.
    public var lockedBy: String?
    public var lockedUntil: Date?
    public var lastStatusCode: Int?
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var completedAt: Date?

    /// Creates a delivery record.
    public init(
        id: UUID, eventID: UUID, webhookID: UUID, eventType: String, status: DeliveryStatus, attemptCount: Int,
        nextAttemptAt: Date?, lockedBy: String? = nil, lockedUntil: Date? = nil, lastStatusCode: Int? = nil,
        lastError: String? = nil, createdAt: Date, updatedAt: Date, completedAt: Date? = nil
    ) {
        self.id = id
        self.eventID = eventID
        self.webhookID = webhookID
        self.eventType = eventType
        self.status = status
        self.attemptCount = attemptCount
        self.nextAttemptAt = nextAttemptAt
        self.lockedBy = lockedBy
        self.lockedUntil = lockedUntil
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.completedAt = completedAt
    }
}

/// One HTTP request made for a delivery, and what came back.
public struct DeliveryAttempt: Sendable, Equatable {
    public var id: UUID
    public var deliveryID: UUID
    /// 1 for the first try.
    public var attemptNumber: Int
    /// The headers sent, signatures included (they are useless without the secret).
    public var requestHeaders: [String: String]
    public var responseStatus: Int?
    /// The start of the response body, capped.
    public var responseBodyExcerpt: String?
    public var durationMs: Int
    /// Connection or timeout error, when there was no response.
    public var error: String?
    public var createdAt: Date

    /// Creates an attempt record.
    public init(
        id: UUID, deliveryID: UUID, attemptNumber: Int, requestHeaders: [String: String], responseStatus: Int?,
        responseBodyExcerpt: String?, durationMs: Int, error: String?, createdAt: Date
    ) {
        self.id = id
        self.deliveryID = deliveryID
        self.attemptNumber = attemptNumber
        self.requestHeaders = requestHeaders
        self.responseStatus = responseStatus
        self.responseBodyExcerpt = responseBodyExcerpt
        self.durationMs = durationMs
        self.error = error
        self.createdAt = createdAt
    }
}

/// Who changed what, for the audit trail.
public struct AuditEntry: Sendable, Equatable {
    public var id: UUID
    /// The API key that acted, or nil for the server itself and the CLI.
    public var actorKeyID: UUID?
    /// e.g. `webhook.created`, `api_key.revoked`.
    public var action: String
    public var targetType: String
    public var targetID: String?
    public var clientAddress: String?
    /// Compact JSON summary of the change, secrets redacted.
    public var changes: String?
    public var createdAt: Date

    /// Creates an audit entry.
    public init(
        id: UUID, actorKeyID: UUID?, action: String, targetType: String, targetID: String?, clientAddress: String?,
        changes: String?, createdAt: Date
    ) {
        self.id = id
        self.actorKeyID = actorKeyID
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.clientAddress = clientAddress
        self.changes = changes
        self.createdAt = createdAt
    }
}
