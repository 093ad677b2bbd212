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
            ("hasSecret", .bool(webhook.secret != nil)),
            ("consecutiveFailures", .integer(webhook.consecutiveFailures)),
            ("disabledReason", .optional(webhook.disabledReason)),
            ("disabledAt", .timestamp(webhook.disabledAt)),
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
            ("status", .string(key.status(at: now).rawValue)),
            ("expiresAt", .timestamp(key.expiresAt)),
            ("lastUsedAt", .timestamp(key.lastUsedAt)),
            ("revokedAt", .timestamp(key.revokedAt)),
            ("createdAt", .timestamp(key.createdAt)),
            ("updatedAt", .timestamp(key.updatedAt)),
        ]
        if let plaintext { members.append(("key", .string(plaintext))) }
        return .object(members)
    }

    /// An event type.
    static func eventType(_ type: EventType) -> JSONValue {
        .object([("name", .string(type.name)), ("description", .string(type.description))])
    }
}
