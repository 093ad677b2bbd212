import Core
import Foundation

/// The JSON shapes of Switchboard's resources, in one place so every route shows them alike.
enum Render {
    /// A webhook; its secret only when `includeSecret` (the creation answer).
    static func webhook(_ webhook: Webhook, includeSecret: Bool = false) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(webhook.id.uuidString.lowercased())),
            ("name", .string(webhook.name)),
            ("url", .string(webhook.url)),
            ("events", .array(webhook.events.map(JSONValue.string))),
            ("description", .optional(webhook.description)),
            ("isActive", .bool(webhook.isActive)),
            ("hasSecret", .bool(webhook.secret != nil || webhook.secretIsUnreadable)),
            ("consecutiveFailures", .integer(webhook.consecutiveFailures)),
            ("disabledReason", .optional(webhook.disabledReason)),
            ("disabledAt", .timestamp(webhook.disabledAt)),
            ("maxRetries", .integer(webhook.maxRetries)),
            ("retryDelaysMs", webhook.retryDelaysMs.map { .array($0.map { .number(Double($0)) }) } ?? .null),
            ("previousSecretExpiresAt", .timestamp(webhook.previousSecretExpiresAt)),
            ("createdAt", .timestamp(webhook.createdAt)),
            ("updatedAt", .timestamp(webhook.updatedAt)),
        ]
        if includeSecret { members.append(("secret", .optional(webhook.secret))) }
        return .object(members)
    }

    /// An API key record; the plaintext key only when just issued.
    static func apiKey(_ key: ApiKey, plaintext: String? = nil, now: Date = Date()) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(key.id.uuidString.lowercased())),
            ("name", .string(key.name)),
            ("description", .optional(key.description)),
            ("prefix", .string(key.prefix)),
            ("permissions", .array(key.permissions.map { .string($0.rawValue) })),
            ("ipWhitelist", .array(key.ipWhitelist.map(JSONValue.string))),
            ("rateLimit", key.rateLimit.map { .object([("requests", .integer($0.requests)), ("windowSeconds", .integer($0.windowSeconds))]) } ?? .null),
            ("status", .string(key.status(at: now).rawValue)),
            ("expiresAt", .timestamp(key.expiresAt)),
            ("lastUsedAt", .timestamp(key.lastUsedAt)),
            ("lastUsedAddress", .optional(key.lastUsedAddress)),
            ("revokedAt", .timestamp(key.revokedAt)),
            ("createdAt", .timestamp(key.createdAt)),
            ("updatedAt", .timestamp(key.updatedAt)),
        ]
        if let plaintext { members.append(("key", .string(plaintext))) }
        return .object(members)
    }

    /// A delivery with its attempts, as the log shows it.
    static func deliveryLog(_ log: DeliveryLog) -> JSONValue {
        let delivery = log.delivery
        return .object([
            ("id", .string(delivery.id.uuidString.lowercased())),
            ("eventId", .string(delivery.eventID.uuidString.lowercased())),
            ("webhookId", .string(delivery.webhookID.uuidString.lowercased())),
            ("eventType", .string(delivery.eventType)),
            ("status", .string(delivery.status.rawValue)),
            ("attemptCount", .integer(delivery.attemptCount)),
            ("nextAttemptAt", .timestamp(delivery.nextAttemptAt)),
            ("lastStatusCode", .integer(delivery.lastStatusCode)),
            ("lastError", .optional(delivery.lastError)),
            ("createdAt", .timestamp(delivery.createdAt)),
            ("updatedAt", .timestamp(delivery.updatedAt)),
            ("completedAt", .timestamp(delivery.completedAt)),
            ("attempts", .array(log.attempts.map { attempt in
                .object([
                    ("id", .string(attempt.id.uuidString.lowercased())),
                    ("attemptNumber", .integer(attempt.attemptNumber)),
                    ("requestHeaders", .object(attempt.requestHeaders.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
                    ("responseStatus", .integer(attempt.responseStatus)),
                    ("responseBody", .optional(attempt.responseBodyExcerpt)),
                    ("durationMs", .integer(attempt.durationMs)),
                    ("error", .optional(attempt.error)),
                    ("createdAt", .timestamp(attempt.createdAt)),
                ])
            })),
        ])
    }

    /// The answer of a test send: what was sent and what came back.
    static func testResult(_ test: WebhookTestResult) -> JSONValue {
        .object([
            ("delivered", .bool(test.result.verdict == .success)),
            ("eventId", .string(test.eventID.uuidString.lowercased())),
            ("deliveryId", .string(test.deliveryID.uuidString.lowercased())),
            ("request", .object([
                ("url", .string(test.request.url)),
                ("headers", .object(test.request.headers.map { ($0.0, .string($0.1)) })),
                ("body", .string(String(decoding: test.request.body, as: UTF8.self))),
            ])),
            ("response", .object([
                ("status", .integer(test.result.status)),
                ("body", .optional(test.result.bodyExcerpt)),
            ])),
            ("durationMs", .integer(Int((test.result.duration.seconds * 1000).rounded()))),
            ("error", .optional(test.result.error)),
        ])
    }

    /// An audit entry; `changes` is the redacted request body as JSON, when there was one.
    static func auditEntry(_ entry: AuditEntry) -> JSONValue {
        .object([
            ("id", .string(entry.id.uuidString.lowercased())),
            ("actorKeyId", .optional(entry.actorKeyID?.uuidString.lowercased())),
            ("action", .string(entry.action)),
            ("targetType", .string(entry.targetType)),
            ("targetId", .optional(entry.targetID)),
            ("clientAddress", .optional(entry.clientAddress)),
            ("changes", entry.changes.flatMap { try? JSONValue.parse(Array($0.utf8)) } ?? .null),
            ("createdAt", .timestamp(entry.createdAt)),
        ])
    }

    /// An event type.
    static func eventType(_ type: EventType) -> JSONValue {
        .object([("name", .string(type.name)), ("description", .string(type.description))])
    }
}
