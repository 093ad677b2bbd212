import Foundation

/// A subscriber's endpoint and what it listens to.
package struct Webhook: Sendable, Equatable {
    package var id: UUID
    package var name: String
    /// Where deliveries are POSTed; `http` or `https` only.
    package var url: String
    /// Subscribed event type names, or `["*"]` for all.
    package var events: [String]
    package var description: String?
    package var isActive: Bool
    /// The signing secret. Never returned by read endpoints.
    package var secret: String?
    /// Failed attempts in a row since the last success (health judges by it).
    package var consecutiveFailures: Int
    /// Deliveries that ended failed in a row since the last success; the delivery engine
    /// disables the webhook when this reaches `WEBHOOK_AUTO_DISABLE_AFTER`.
    package var consecutiveFailedDeliveries = 0
    /// The webhook's circuit breaker.
    package var circuit = Circuit()
    /// Most deliveries started per second over all servers; nil: the server's default
    /// (`WEBHOOK_MAX_DELIVERIES_PER_SECOND`), if any.
    package var maxDeliveriesPerSecond: Double?
    /// Why the webhook was switched off automatically, if it was.
    package var disabledReason: String?
    package var disabledAt: Date?
    /// Per-webhook override of `WEBHOOK_RETRY_ATTEMPTS` (retries after the first attempt).
    package var maxRetries: Int?
    /// Per-webhook override of the retry delays, in milliseconds.
    package var retryDelaysMs: [Int]?
    /// The secret replaced by the last rotation, which keeps signing until it expires.
    package var previousSecret: String?
    package var previousSecretExpiresAt: Date?
    package var createdAt: Date
    package var updatedAt: Date
    /// True when a secret is stored but could not be decrypted with this server's key
    /// (`secret` is then nil); rotating the secret replaces it.
    package var secretIsUnreadable = false

    /// Whether an event of `type` should be delivered to this webhook.
    package func subscribes(to type: String) -> Bool {
        events.contains(EventType.wildcard) || events.contains(type)
    }

    /// Creates a webhook value.
    package init(
        id: UUID, name: String, url: String, events: [String], description: String?, isActive: Bool,
        secret: String?, consecutiveFailures: Int = 0, disabledReason: String? = nil, disabledAt: Date? = nil,
        maxRetries: Int? = nil, retryDelaysMs: [Int]? = nil, previousSecret: String? = nil,
        previousSecretExpiresAt: Date? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.url = url
        self.events = events
        self.description = description
        self.isActive = isActive
        self.secret = secret
        self.consecutiveFailures = consecutiveFailures
        self.disabledReason = disabledReason
        self.disabledAt = disabledAt
        self.maxRetries = maxRetries
        self.retryDelaysMs = retryDelaysMs
        self.previousSecret = previousSecret
        self.previousSecretExpiresAt = previousSecretExpiresAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
