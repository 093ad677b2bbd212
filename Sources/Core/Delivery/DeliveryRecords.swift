import Foundation

/// An event accepted for delivery. Its id is what receivers de-duplicate on.
package struct Event: Sendable, Equatable {
    package var id: UUID
    package var type: String
    /// The `data` member as compact JSON text.
    package var payload: String
    package var idempotencyKey: String?
    package var createdAt: Date
    /// Where it came from, as compact JSON (the gateway's CRM request), or nil.
    package var source: String?

    /// Creates an event record.
    package init(id: UUID, type: String, payload: String, idempotencyKey: String?, createdAt: Date, source: String? = nil) {
        self.id = id
        self.type = type
        self.payload = payload
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
        self.source = source
    }
}

/// Where a delivery stands in its life.
package enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
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
package struct Delivery: Sendable, Equatable {
    package var id: UUID
    package var eventID: UUID
    package var webhookID: UUID
    package var eventType: String
    package var status: DeliveryStatus
    package var attemptCount: Int
    package var nextAttemptAt: Date?
    /// The worker holding the lease, and until when.
    package var lockedBy: String?
    package var lockedUntil: Date?
    package var lastStatusCode: Int?
    package var lastError: String?
    package var createdAt: Date
    package var updatedAt: Date
    package var completedAt: Date?

    /// Creates a delivery record.
    package init(
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
package struct DeliveryAttempt: Sendable, Equatable {
    package var id: UUID
    package var deliveryID: UUID
    /// 1 for the first try.
    package var attemptNumber: Int
    /// The headers sent, signatures included (they are useless without the secret).
    package var requestHeaders: [String: String]
    package var responseStatus: Int?
    /// The start of the response body, capped.
    package var responseBodyExcerpt: String?
    package var durationMs: Int
    /// Connection or timeout error, when there was no response.
    package var error: String?
    package var createdAt: Date

    /// Creates an attempt record.
    package init(
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
package struct AuditEntry: Sendable, Equatable {
    package var id: UUID
    /// The API key that acted, or nil for the server itself and the CLI.
    package var actorKeyID: UUID?
    /// e.g. `webhook.created`, `api_key.revoked`.
    package var action: String
    package var targetType: String
    package var targetID: String?
    package var clientAddress: String?
    /// Compact JSON summary of the change, secrets redacted.
    package var changes: String?
    package var createdAt: Date

    /// Creates an audit entry.
    package init(
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
