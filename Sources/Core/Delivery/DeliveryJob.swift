import Foundation

/// Everything a worker needs to make one attempt, read in one query when the delivery is
/// claimed.
package struct DeliveryJob: Sendable, Equatable {
    package var deliveryID: UUID
    package var eventID: UUID
    package var eventType: String
    package var eventCreatedAt: Date
    /// The event's `data` as compact JSON.
    package var dataJSON: String
    /// The event's `source`, compact JSON, if it has one.
    package var sourceJSON: String?
    package var webhookID: UUID
    package var url: String
    package var secret: String?
    /// The secret being rotated out, while it still signs.
    package var previousSecret: String?
    package var webhookIsActive: Bool
    /// Per-webhook override of the retry count.
    package var maxRetries: Int?
    /// Per-webhook override of the retry delays, in milliseconds.
    package var retryDelaysMs: [Int]?
    /// The number this attempt will have (1 for the first).
    package var attemptNumber: Int
    /// Why this delivery cannot be sent at all (its webhook's secret cannot be decrypted), or
    /// nil. Such a delivery fails with this reason; other webhooks' deliveries are unaffected.
    package var unsendableReason: String?
    /// This attempt is the probe of the webhook's open circuit: if it fails, the delivery
    /// waits for the next probe however many attempts it has made.
    package var isProbe = false
    /// Attempts made while the webhook's circuit held the delivery; they do not count against
    /// its retries.
    package var heldAttempts = 0

    /// Creates a job.
    package init(
        deliveryID: UUID, eventID: UUID, eventType: String, eventCreatedAt: Date, dataJSON: String, webhookID: UUID, url: String,
        secret: String?, previousSecret: String?, webhookIsActive: Bool, maxRetries: Int?, retryDelaysMs: [Int]?, attemptNumber: Int,
        unsendableReason: String? = nil
    ) {
        self.unsendableReason = unsendableReason
        self.deliveryID = deliveryID
        self.eventID = eventID
        self.eventType = eventType
        self.eventCreatedAt = eventCreatedAt
        self.dataJSON = dataJSON
        self.webhookID = webhookID
        self.url = url
        self.secret = secret
        self.previousSecret = previousSecret
        self.webhookIsActive = webhookIsActive
        self.maxRetries = maxRetries
        self.retryDelaysMs = retryDelaysMs
        self.attemptNumber = attemptNumber
    }
}

/// What a receiver did with one request, as a sender reports it.
package struct SendResult: Sendable, Equatable {
    /// The headers that were sent.
    package var requestHeaders: [(String, String)]
    /// The HTTP status, or nil when no response came.
    package var status: Int?
    /// The start of the response body.
    package var bodyExcerpt: String?
    /// The receiver's `Retry-After`, if it sent one.
    package var retryAfter: Duration?
    /// Why there was no usable response (refused target, timeout, connection error).
    package var error: String?
    package var duration: Duration

    /// Creates a result. The excerpt and the error come from outside (the receiver's bytes, a
    /// transport's description of them), so they are made storable here, for every sender.
    package init(
        requestHeaders: [(String, String)], status: Int?, bodyExcerpt: String?, retryAfter: Duration?, error: String?, duration: Duration
    ) {
        self.requestHeaders = requestHeaders
        self.status = status
        self.bodyExcerpt = bodyExcerpt.map(StorableText.clean)
        self.retryAfter = retryAfter
        self.error = error.map(StorableText.clean)
        self.duration = duration
    }

    package static func == (lhs: SendResult, rhs: SendResult) -> Bool {
        lhs.requestHeaders.elementsEqual(rhs.requestHeaders, by: ==) && lhs.status == rhs.status && lhs.bodyExcerpt == rhs.bodyExcerpt
            && lhs.retryAfter == rhs.retryAfter && lhs.error == rhs.error && lhs.duration == rhs.duration
    }

    /// How the delivery engine treats this result.
    package var verdict: Verdict {
        guard let status else { return .retryable }
        switch status {
        case 200..<300: return .success
        case 410: return .gone
        case 408, 429, 500...: return .retryable
        default: return .final
        }
    }

    /// The delivery engine's reading of a result.
    package enum Verdict: Sendable, Equatable {
        /// 2xx: delivered.
        case success
        /// Network error, timeout, 408, 429 or 5xx: try again if retries are left.
        case retryable
        /// Any other status (redirects included, since they are not followed): give up.
        case final
        /// 410 Gone: give up and disable the webhook.
        case gone
    }
}

/// Sends one signed request. Implemented over HTTP by the server; Core only sees this.
package protocol WebhookSender: Sendable {
    /// POSTs `body` with `headers` to `url` and reports what happened; never throws for
    /// anything the receiver or the network did.
    func send(url: String, headers: [(String, String)], body: [UInt8]) async -> SendResult
}
