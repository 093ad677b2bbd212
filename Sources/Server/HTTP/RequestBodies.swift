import Core
import Foundation

// The JSON bodies the API accepts, one type per route. Field names are the API's; `Patch`
// marks a field that may be `null`; an optional field may be left out but not set to `null`.
// Numbers are range-checked (`checked`) before anything is computed from them.

/// `POST /api/webhooks`.
struct CreateWebhookBody: Decodable {
    var name: String
    var url: String
    var events: [String]
    var description: Patch<String>
    var isActive: Bool?
    var secret: Patch<String>
    var maxRetries: Int?
    var retryDelaysMs: [Int]?
    var maxDeliveriesPerSecond: Patch<Double>

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, url, events, description, isActive, secret, maxRetries, retryDelaysMs, maxDeliveriesPerSecond
    }

    func draft() throws -> WebhookDraft {
        WebhookDraft(
            name: name, url: url, events: events, description: description.value, isActive: isActive ?? true, secret: secret.value,
            maxRetries: try maxRetries.checked("maxRetries", in: WebhookService.maxRetriesRange),
            retryDelaysMs: try retryDelaysMs.map {
                try $0.enumerated().map { try $1.checked("retryDelaysMs[\($0)]", in: WebhookService.retryDelayRange) }
            },
            maxDeliveriesPerSecond: maxDeliveriesPerSecond.value)
    }
}

/// `PATCH /api/webhooks/:id`.
struct UpdateWebhookBody: Decodable {
    var name: String?
    var url: String?
    var events: [String]?
    var description: Patch<String>
    var isActive: Bool?
    var secret: String?
    /// `null` goes back to `WEBHOOK_RETRY_ATTEMPTS`.
    var maxRetries: Patch<Int>
    /// `null` goes back to the server's schedule.
    var retryDelaysMs: Patch<[Int]>
    /// `null` goes back to `WEBHOOK_MAX_DELIVERIES_PER_SECOND`.
    var maxDeliveriesPerSecond: Patch<Double>

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, url, events, description, isActive, secret, maxRetries, retryDelaysMs, maxDeliveriesPerSecond
    }

    func changes() throws -> WebhookChanges {
        WebhookChanges(
            name: name, url: url, events: events, description: description.change, isActive: isActive, secret: secret,
            maxRetries: try maxRetries.change.map { try $0.checked("maxRetries", in: WebhookService.maxRetriesRange) },
            retryDelaysMs: try retryDelaysMs.change.map { delays in
                try delays.map { try $0.enumerated().map { try $1.checked("retryDelaysMs[\($0)]", in: WebhookService.retryDelayRange) } }
            },
            maxDeliveriesPerSecond: maxDeliveriesPerSecond.change)
    }
}

/// `POST /api/webhooks/:id/test`.
struct TestWebhookBody: OptionalBody {
    var eventType: Patch<String>
    /// The event's `data` instead of the sample; an object.
    var data: JSONValue?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case eventType, data
    }

    /// `data`, which must be an object when given.
    func payload() throws -> JSONValue? {
        guard let data else { return nil }
        guard case .object = data else { throw SwitchboardError.invalid("data must be a JSON object") }
        return data
    }
}

/// `POST /api/webhooks/:id/recover`.
struct RecoverWebhookBody: Decodable {
    var since: Date
    /// Only count what would be queued again.
    var dryRun: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case since, dryRun
    }
}

/// `POST /api/webhooks/:id/rotate-secret`.
struct RotateSecretBody: OptionalBody {
    var secret: String?
    var overlapHours: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case secret, overlapHours
    }

    /// The overlap asked for, checked before it is turned into seconds.
    func overlap() throws -> Duration? {
        try overlapHours.checked("overlapHours", in: WebhookService.overlapHoursRange).map { .seconds($0 * 3600) }
    }
}

/// `{"requests": N, "windowSeconds": S}` inside an API key's body.
struct RateLimitBody: Decodable, Sendable {
    var requests: Int
    var windowSeconds: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case requests, windowSeconds
    }

    func rateLimit() throws -> RateLimit {
        RateLimit(
            requests: try requests.checked("rateLimit.requests", in: RateLimit.validRequests),
            windowSeconds: try windowSeconds.checked("rateLimit.windowSeconds", in: RateLimit.validWindows))
    }
}

/// `POST /api/api-keys`.
struct CreateAPIKeyBody: Decodable {
    var name: String
    var permissions: [String]
    var description: Patch<String>
    var expiresAt: Patch<Date>
    var ipWhitelist: [String]?
    var rateLimit: Patch<RateLimitBody>

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, permissions, description, expiresAt, ipWhitelist, rateLimit
    }

    func draft() throws -> APIKeyDraft {
        APIKeyDraft(
            name: name, permissions: try Permission.parse(permissions, field: "permissions"), description: description.value,
            expiresAt: expiresAt.value, ipWhitelist: ipWhitelist ?? [], rateLimit: try rateLimit.value?.rateLimit())
    }
}

/// `PATCH /api/api-keys/:id`.
struct UpdateAPIKeyBody: Decodable {
    var name: String?
    var description: Patch<String>
    var ipWhitelist: [String]?
    /// `null` goes back to `API_RATE_LIMIT`.
    var rateLimit: Patch<RateLimitBody>

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, ipWhitelist, rateLimit
    }

    func changes() throws -> APIKeyChanges {
        APIKeyChanges(
            name: name, description: description.change, ipWhitelist: ipWhitelist,
            rateLimit: try rateLimit.change.map { try $0?.rateLimit() })
    }
}

/// `POST /api/api-keys/:id/regenerate`.
struct RegenerateAPIKeyBody: OptionalBody {
    var gracePeriodSeconds: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case gracePeriodSeconds
    }

    func gracePeriod() throws -> TimeInterval {
        TimeInterval(try gracePeriodSeconds.checked("gracePeriodSeconds", in: APIKeyService.gracePeriodSecondsRange) ?? 0)
    }
}

/// `POST /api/events`.
struct PublishEventBody: Decodable {
    var type: String
    /// Any JSON value, `null` included.
    var data: JSONValue
    var idempotencyKey: Patch<String>

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, data, idempotencyKey
    }
}

/// `POST /api/events/batch`: the events are read one by one, so one malformed event fails
/// alone.
struct PublishEventBatchBody: Decodable {
    var events: [JSONValue]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case events
    }
}

/// `POST /api/event-types`.
struct CreateEventTypeBody: Decodable {
    var name: String
    var description: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description
    }
}

extension Permission {
    /// Permissions from their names, or a 422 naming the unknown one and the known ones.
    static func parse(_ names: [String], field: String) throws -> [Permission] {
        try names.map { name in
            guard let permission = Permission(rawValue: name) else {
                throw SwitchboardError.invalid(
                    "\(field): unknown permission '\(name)'; known: \(Permission.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return permission
        }
    }
}
