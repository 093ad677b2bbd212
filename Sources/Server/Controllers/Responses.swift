import Core
import Foundation

// The JSON shapes of Switchboard's resources, one type each, so every route shows a resource
// alike. Fields are written in the order declared; a nil optional is written as null.

/// A webhook. Its secret is never shown, but in the answers that create or rotate it
/// (`WebhookWithSecretResponse`).
struct WebhookResponse: Encodable, Sendable {
    let id: UUID
    let name: String
    let url: String
    let events: [String]
    let description: String?
    let isActive: Bool
    let hasSecret: Bool
    let consecutiveFailures: Int
    let consecutiveFailedDeliveries: Int
    let circuit: CircuitResponse
    let disabledReason: String?
    let disabledAt: Date?
    let maxRetries: Int?
    let retryDelaysMs: [Int]?
    let maxDeliveriesPerSecond: Double?
    let previousSecretExpiresAt: Date?
    let createdAt: Date
    let updatedAt: Date

    init(_ webhook: Webhook) {
        id = webhook.id
        name = webhook.name
        url = webhook.url
        events = webhook.events
        description = webhook.description
        isActive = webhook.isActive
        hasSecret = webhook.secret != nil || webhook.secretIsUnreadable
        consecutiveFailures = webhook.consecutiveFailures
        consecutiveFailedDeliveries = webhook.consecutiveFailedDeliveries
        circuit = CircuitResponse(webhook.circuit)
        disabledReason = webhook.disabledReason
        disabledAt = webhook.disabledAt
        maxRetries = webhook.maxRetries
        retryDelaysMs = webhook.retryDelaysMs
        maxDeliveriesPerSecond = webhook.maxDeliveriesPerSecond
        previousSecretExpiresAt = webhook.previousSecretExpiresAt
        createdAt = webhook.createdAt
        updatedAt = webhook.updatedAt
    }
}

/// A webhook's circuit breaker: `state` (closed, open, half-open), `since` (when it opened;
/// when closed, when it last closed), `nextProbeAt`, transient `failures` in a row and
/// `failedProbes`. Stats answers spell the keys in snake case like the rest of them.
struct CircuitResponse: Encodable, Sendable {
    let state: String
    let since: Date?
    let nextProbeAt: Date?
    let failures: Int
    let failedProbes: Int
    var snakeCase = false

    init(_ circuit: Circuit, snakeCase: Bool = false) {
        state = circuit.state.apiName
        since = circuit.state == .closed ? circuit.closedAt : circuit.openedAt
        nextProbeAt = circuit.state == .open ? circuit.nextProbeAt : nil
        failures = circuit.failures
        failedProbes = circuit.probes
        self.snakeCase = snakeCase
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(state, forKey: Key(stringValue: "state"))
        try container.encode(since, forKey: Key(stringValue: "since"))
        try container.encode(nextProbeAt, forKey: Key(stringValue: snakeCase ? "next_probe_at" : "nextProbeAt"))
        try container.encode(failures, forKey: Key(stringValue: "failures"))
        try container.encode(failedProbes, forKey: Key(stringValue: snakeCase ? "failed_probes" : "failedProbes"))
    }
}

/// A webhook with its signing secret, in the one answer that shows it.
struct WebhookWithSecretResponse: Encodable, Sendable {
    let webhook: WebhookResponse
    let secret: String?

    init(_ webhook: Webhook) {
        self.webhook = WebhookResponse(webhook)
        secret = webhook.secret
    }

    enum CodingKeys: String, CodingKey {
        case secret
    }

    func encode(to encoder: any Encoder) throws {
        try webhook.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(secret, forKey: .secret)
    }
}

/// An API key record; the plaintext key only when just issued (`IssuedAPIKeyResponse`).
struct APIKeyResponse: Encodable, Sendable {
    struct Quota: Encodable, Sendable {
        let requests: Int
        let windowSeconds: Int
    }

    let id: UUID
    let name: String
    let description: String?
    let prefix: String
    let permissions: [String]
    let ipWhitelist: [String]
    let rateLimit: Quota?
    let status: String
    let expiresAt: Date?
    let lastUsedAt: Date?
    let lastUsedAddress: String?
    let revokedAt: Date?
    let createdAt: Date
    let updatedAt: Date

    init(_ key: APIKey, now: Date = Date()) {
        id = key.id
        name = key.name
        description = key.description
        prefix = key.prefix
        permissions = key.permissions.map(\.rawValue)
        ipWhitelist = key.ipWhitelist
        rateLimit = key.rateLimit.map { Quota(requests: $0.requests, windowSeconds: $0.windowSeconds) }
        status = key.status(at: now).rawValue
        expiresAt = key.expiresAt
        lastUsedAt = key.lastUsedAt
        lastUsedAddress = key.lastUsedAddress
        revokedAt = key.revokedAt
        createdAt = key.createdAt
        updatedAt = key.updatedAt
    }
}

/// A key just issued or regenerated, with its plaintext (shown this once).
struct IssuedAPIKeyResponse: Encodable, Sendable {
    let record: APIKeyResponse
    let key: String

    init(_ issued: IssuedAPIKey) {
        record = APIKeyResponse(issued.record)
        key = issued.plaintext
    }

    enum CodingKeys: String, CodingKey {
        case key
    }

    func encode(to encoder: any Encoder) throws {
        try record.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
    }
}

/// One delivery as `GET /api/webhooks/logs/:id` shows it: the log entry, what was sent (the
/// webhook's URL now and the body every attempt carried, rebuilt from the stored event), and
/// the excerpt limit (a response body that long was cut).
struct DeliveryDetailResponse: Encodable, Sendable {
    struct SentRequest: Encodable, Sendable {
        let url: String?
        let body: String?
    }

    let log: DeliveryLogResponse
    let request: SentRequest
    let responseExcerptLimit: Int

    init(log: DeliveryLogResponse, url: String?, body: String?, excerptLimit: Int) {
        self.log = log
        request = SentRequest(url: url, body: body)
        responseExcerptLimit = excerptLimit
    }

    enum CodingKeys: String, CodingKey {
        case request, responseExcerptLimit
    }

    func encode(to encoder: any Encoder) throws {
        try log.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(request, forKey: .request)
        try container.encode(responseExcerptLimit, forKey: .responseExcerptLimit)
    }
}

/// A delivery with its attempts, as the log shows it.
struct DeliveryLogResponse: Encodable, Sendable {
    struct Attempt: Encodable, Sendable {
        let id: UUID
        let attemptNumber: Int
        /// Sorted by name, as an object.
        let requestHeaders: JSONValue
        let responseStatus: Int?
        let responseBody: String?
        let durationMs: Int
        let error: String?
        let createdAt: Date
    }

    let id: UUID
    let eventID: UUID
    let webhookID: UUID
    let eventType: String
    let status: String
    let attemptCount: Int
    let nextAttemptAt: Date?
    let lastStatusCode: Int?
    let lastError: String?
    let createdAt: Date
    let updatedAt: Date
    let completedAt: Date?
    let attempts: [Attempt]

    enum CodingKeys: String, CodingKey {
        case id, eventID = "eventId", webhookID = "webhookId", eventType, status, attemptCount, nextAttemptAt, lastStatusCode
        case lastError, createdAt, updatedAt, completedAt, attempts
    }

    init(_ log: DeliveryLog) {
        let delivery = log.delivery
        id = delivery.id
        eventID = delivery.eventID
        webhookID = delivery.webhookID
        eventType = delivery.eventType
        status = delivery.status.rawValue
        attemptCount = delivery.attemptCount
        nextAttemptAt = delivery.nextAttemptAt
        lastStatusCode = delivery.lastStatusCode
        lastError = delivery.lastError
        createdAt = delivery.createdAt
        updatedAt = delivery.updatedAt
        completedAt = delivery.completedAt
        attempts = log.attempts.map { attempt in
            Attempt(
                id: attempt.id, attemptNumber: attempt.attemptNumber,
                requestHeaders: .object(attempt.requestHeaders.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }),
                responseStatus: attempt.responseStatus, responseBody: attempt.responseBodyExcerpt, durationMs: attempt.durationMs,
                error: attempt.error, createdAt: attempt.createdAt)
        }
    }
}

/// The answer of a test send: what was sent and what came back.
struct TestResultResponse: Encodable, Sendable {
    struct SentRequest: Encodable, Sendable {
        let url: String
        /// In the order sent, as an object.
        let headers: JSONValue
        let body: String
    }

    struct Received: Encodable, Sendable {
        let status: Int?
        let body: String?
    }

    let delivered: Bool
    let eventID: UUID
    let deliveryID: UUID
    let request: SentRequest
    let response: Received
    let durationMs: Int
    let error: String?

    enum CodingKeys: String, CodingKey {
        case delivered, eventID = "eventId", deliveryID = "deliveryId", request, response, durationMs, error
    }

    init(_ test: WebhookTestResult) {
        delivered = test.result.verdict == .success
        eventID = test.eventID
        deliveryID = test.deliveryID
        request = SentRequest(
            url: test.request.url, headers: .object(test.request.headers.map { ($0.0, .string($0.1)) }),
            body: String(decoding: test.request.body, as: UTF8.self))
        response = Received(status: test.result.status, body: test.result.bodyExcerpt)
        durationMs = Int((test.result.duration.seconds * 1000).rounded())
        error = test.result.error
    }
}

/// An audit entry; `changes` is the redacted request body as JSON, when there was one.
struct AuditEntryResponse: Encodable, Sendable {
    let id: UUID
    let actorKeyID: UUID?
    let action: String
    let targetType: String
    let targetID: String?
    let clientAddress: String?
    let changes: JSONValue
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, actorKeyID = "actorKeyId", action, targetType, targetID = "targetId", clientAddress, changes, createdAt
    }

    init(_ entry: AuditEntry) {
        id = entry.id
        actorKeyID = entry.actorKeyID
        action = entry.action
        targetType = entry.targetType
        targetID = entry.targetID
        clientAddress = entry.clientAddress
        changes = entry.changes.flatMap { try? JSONValue.parse(Array($0.utf8)) } ?? .null
        createdAt = entry.createdAt
    }
}

/// An event type.
struct EventTypeResponse: Encodable, Sendable {
    let name: String
    let description: String
    /// A plausible `data` for events of this type.
    let example: JSONValue

    init(_ type: EventType) {
        name = type.name
        description = type.description
        example = EventExamples.data(for: type.name)
    }
}

/// The answer to a publish.
struct PublishedEventResponse: Encodable, Sendable {
    let eventID: UUID
    let type: String
    let deliveries: Int
    let duplicate: Bool
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case eventID = "eventId", type, deliveries, duplicate, createdAt
    }

    init(_ published: PublishedEvent) {
        eventID = published.event.id
        type = published.event.type
        deliveries = published.deliveryCount
        duplicate = published.isDuplicate
        createdAt = published.event.createdAt
    }
}

/// One event's answer in a batch publish: the published event, or why it was not accepted.
struct PublishedEventResult: Encodable, Sendable {
    let index: Int
    let published: PublishedEventResponse?
    let error: SwitchboardError?

    var success: Bool { published != nil }

    init(index: Int, _ result: Result<PublishedEvent, any Error>) {
        switch result {
        case .success(let published): self.init(index: index, published: PublishedEventResponse(published), error: nil)
        case .failure(let error): self.init(index: index, error: error)
        }
    }

    init(index: Int, error: any Error) {
        self.init(index: index, published: nil, error: SwitchboardError(translating: error))
    }

    private init(index: Int, published: PublishedEventResponse?, error: SwitchboardError?) {
        self.index = index
        self.published = published
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case index, success, error, code, message
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(success, forKey: .success)
        if let published {
            try published.encode(to: encoder)
        } else if let error {
            var nested = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .error)
            try nested.encode(error.code, forKey: .code)
            try nested.encode(error.message, forKey: .message)
        }
    }
}

/// The answer to `POST /api/events/batch`.
struct PublishedBatchResponse: Encodable, Sendable {
    let accepted: Int
    let failed: Int
    let results: [PublishedEventResult]
}

/// How many failed deliveries a recovery made due again.
struct RecoveredResponse: Encodable, Sendable {
    let webhookID: UUID
    /// Deliveries queued again (0 on a dry run).
    let requeued: Int
    /// Failed deliveries created since the time given: what was (or would be) queued again.
    let matching: Int
    let dryRun: Bool

    enum CodingKeys: String, CodingKey {
        case webhookID = "webhookId", requeued, matching, dryRun
    }
}

/// `POST /api/webhooks/:id/reveal-secret`.
struct RevealedSecretResponse: Encodable, Sendable {
    let webhookID: UUID
    let secret: String?
    let previousSecretExpiresAt: Date?

    enum CodingKeys: String, CodingKey {
        case webhookID = "webhookId", secret, previousSecretExpiresAt
    }
}

/// A webhook in a list with `include=health`: the webhook, then its health now.
struct WebhookWithHealthResponse: Encodable, Sendable {
    struct Health: Encodable, Sendable {
        let state: String
        let rule: String
        /// Over the health window (`WEBHOOK_HEALTH_WINDOW_HOURS`).
        let windowHours: Int
        let deliveries: Int
        let successRate: Double
        /// The latest attempt ever.
        let lastAttemptAt: Date?
    }

    let webhook: WebhookResponse
    let health: Health?

    enum CodingKeys: String, CodingKey {
        case health
    }

    func encode(to encoder: any Encoder) throws {
        try webhook.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(health, forKey: .health)
    }
}

/// A webhook that was deleted.
struct DeletedResponse: Encodable, Sendable {
    let id: UUID
    let deleted: Bool
}

/// An event type that was retired.
struct RetiredResponse: Encodable, Sendable {
    let name: String
    let retired: Bool
}

/// One key's usage between two days.
struct APIKeyUsageResponse: Encodable, Sendable {
    struct Day: Encodable, Sendable {
        let day: String
        let routeGroup: String
        let statusClass: String
        let requests: Int
    }

    let keyID: UUID
    let lastUsedAt: Date?
    let totalRequests: Int
    let days: [Day]

    enum CodingKeys: String, CodingKey {
        case keyID = "keyId", lastUsedAt, totalRequests, days
    }

    init(key: APIKey, rows: [UsageRow]) {
        keyID = key.id
        lastUsedAt = key.lastUsedAt
        totalRequests = rows.reduce(0) { $0 + $1.requests }
        days = rows.map { Day(day: $0.day, routeGroup: $0.routeGroup, statusClass: $0.statusClass, requests: $0.requests) }
    }
}

/// `GET /health`: the process answers.
struct HealthResponse: Encodable, Sendable {
    let status: String
    let version: String
    let uptimeSeconds: Int
}

/// `GET /ready` when every check passes.
struct ReadyResponse: Encodable, Sendable {
    let status: String
    /// Each check's name and state, in check order.
    let checks: JSONValue
}

extension WebhookWithSecretResponse: CreatedResource {
    var createdID: String { webhook.id.uuidString.lowercased() }
}

extension IssuedAPIKeyResponse: CreatedResource {
    var createdID: String { record.id.uuidString.lowercased() }
}

extension EventTypeResponse: CreatedResource {
    var createdID: String { name }
}
