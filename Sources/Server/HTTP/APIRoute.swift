import Core

/// Every authenticated API route and the permission it needs: the single table the server
/// registers routes from, so a route cannot exist without a permission.
package enum APIRoute: String, Sendable, CaseIterable {
    case listEventTypes
    case createEventType
    case retireEventType
    case publishEvent
    case publishEventBatch
    case listWebhooks
    case createWebhook
    case getWebhook
    case updateWebhook
    case deleteWebhook
    case testWebhook
    case recoverWebhook
    case rotateWebhookSecret
    case listDeliveryLogs
    case getDeliveryLog
    case retryDelivery
    case listApiKeys
    case createApiKey
    case getApiKey
    case updateApiKey
    case regenerateApiKey
    case apiKeyUsage
    case deleteApiKey
    case listAuditLogs
    case webhookAnalytics
    case webhookStats
    case apiKeyAnalytics
    case revealWebhookSecret
    case listRejectedOutboxRows
    case deliveryStream
    case getSession
    case deleteSession

    /// The HTTP method, upper case.
    package var method: String {
        switch self {
        case .listEventTypes, .listWebhooks, .getWebhook, .listApiKeys, .getApiKey, .listDeliveryLogs, .getDeliveryLog, .listAuditLogs,
             .apiKeyUsage, .webhookAnalytics, .webhookStats, .apiKeyAnalytics, .getSession, .deliveryStream, .listRejectedOutboxRows: "GET"
        case .createWebhook, .createApiKey, .regenerateApiKey, .createEventType, .publishEvent, .publishEventBatch, .testWebhook, .recoverWebhook,
             .rotateWebhookSecret, .retryDelivery, .revealWebhookSecret: "POST"
        case .updateWebhook, .updateApiKey: "PATCH"
        case .deleteWebhook, .deleteApiKey, .retireEventType, .deleteSession: "DELETE"
        }
    }

    /// The path, with `:name` for path parameters.
    package var path: String {
        switch self {
        case .listEventTypes, .createEventType: "/api/event-types"
        case .retireEventType: "/api/event-types/:name"
        case .publishEvent: "/api/events"
        case .publishEventBatch: "/api/events/batch"
        case .testWebhook: "/api/webhooks/:id/test"
        case .recoverWebhook: "/api/webhooks/:id/recover"
        case .rotateWebhookSecret: "/api/webhooks/:id/rotate-secret"
        case .revealWebhookSecret: "/api/webhooks/:id/reveal-secret"
        case .deliveryStream: "/api/stream"
        case .listDeliveryLogs: "/api/webhooks/logs"
        case .getDeliveryLog: "/api/webhooks/logs/:id"
        case .retryDelivery: "/api/webhooks/logs/:id/retry"
        case .listWebhooks, .createWebhook: "/api/webhooks"
        case .getWebhook, .updateWebhook, .deleteWebhook: "/api/webhooks/:id"
        case .listApiKeys, .createApiKey: "/api/api-keys"
        case .getApiKey, .deleteApiKey, .updateApiKey: "/api/api-keys/:id"
        case .regenerateApiKey: "/api/api-keys/:id/regenerate"
        case .listAuditLogs: "/api/audit-logs"
        case .apiKeyUsage: "/api/api-keys/:id/usage"
        case .webhookAnalytics: "/api/webhooks/analytics"
        case .webhookStats: "/api/webhooks/:id/stats"
        case .apiKeyAnalytics: "/api/api-keys/analytics"
        case .getSession, .deleteSession: "/api/session"
        case .listRejectedOutboxRows: "/api/outbox/rejected"
        }
    }

    /// What the calling key must hold; nil when any key may (who am I, signing out).
    package var permission: Permission? {
        switch self {
        case .getSession, .deleteSession: nil
        case .listEventTypes, .listWebhooks, .getWebhook, .listDeliveryLogs, .getDeliveryLog, .webhookAnalytics, .webhookStats,
             .deliveryStream: .readWebhooks
        case .createWebhook, .updateWebhook, .testWebhook, .recoverWebhook, .rotateWebhookSecret, .retryDelivery,
             .revealWebhookSecret: .writeWebhooks
        case .createEventType, .retireEventType, .publishEvent, .publishEventBatch: .writeEvents
        case .listRejectedOutboxRows: .readWebhooks
        case .deleteWebhook: .deleteWebhooks
        case .listApiKeys, .createApiKey, .getApiKey, .updateApiKey, .regenerateApiKey, .deleteApiKey, .listAuditLogs, .apiKeyUsage, .apiKeyAnalytics: .all
        }
    }

    /// The audit action recorded when the route succeeds, or nil for routes that change
    /// nothing (reads) or are too frequent to audit one by one (publishing events).
    package var auditAction: String? {
        switch self {
        case .createEventType: "event_type.registered"
        case .retireEventType: "event_type.retired"
        case .createWebhook: "webhook.created"
        case .updateWebhook: "webhook.updated"
        case .deleteWebhook: "webhook.deleted"
        case .testWebhook: "webhook.tested"
        case .recoverWebhook: "webhook.recovered"
        case .rotateWebhookSecret: "webhook.secret_rotated"
        case .revealWebhookSecret: "webhook.secret_revealed"
        case .retryDelivery: "delivery.retried"
        case .createApiKey: "api_key.created"
        case .updateApiKey: "api_key.updated"
        case .regenerateApiKey: "api_key.regenerated"
        case .deleteApiKey: "api_key.revoked"
        case .deleteSession: "session.signed_out"
        case .listEventTypes, .publishEvent, .publishEventBatch, .listWebhooks, .getWebhook, .listDeliveryLogs, .getDeliveryLog, .listApiKeys,
             .getApiKey, .listAuditLogs, .apiKeyUsage, .webhookAnalytics, .webhookStats, .apiKeyAnalytics, .getSession, .deliveryStream, .listRejectedOutboxRows:
            nil
        }
    }

    /// What kind of resource the route acts on, for the audit trail.
    package var targetType: String {
        if path.hasPrefix("/api/api-keys") { return "api_key" }
        if path.hasPrefix("/api/webhooks/logs") { return "delivery" }
        if path.hasPrefix("/api/webhooks") { return "webhook" }
        if path.hasPrefix("/api/event-types") { return "event_type" }
        if path.hasPrefix("/api/events") { return "event" }
        if path.hasPrefix("/api/session") { return "session" }
        if path.hasPrefix("/api/stream") { return "delivery" }
        if path.hasPrefix("/api/outbox") { return "event" }
        return "system"
    }

    /// Routes that need no key; listed so method checks know every path.
    package static let publicRoutes: [(method: String, path: String)] = [
        ("GET", "/health"), ("GET", "/ready"), ("GET", "/metrics"), ("GET", "/openapi.json"), ("POST", "/api/session"),
        ("GET", "/auth/verify"),
    ]

    /// The methods served on a concrete path such as `/api/webhooks/3f2b…`, for answering
    /// 405 with an `Allow` header instead of 404 when only the method is wrong.
    package static func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let all = allCases.map { ($0.method, $0.path) } + publicRoutes
        // Like the router, a literal segment beats a parameter: `/api/webhooks/logs` is the
        // log route, not a webhook called "logs".
        var best: (literals: Int, methods: [String]) = (-1, [])
        for (method, pattern) in all {
            let patternSegments = pattern.split(separator: "/", omittingEmptySubsequences: true)
            guard patternSegments.count == segments.count,
                  zip(patternSegments, segments).allSatisfy({ $0.hasPrefix(":") || $0 == $1 })
            else { continue }
            let literals = patternSegments.filter { !$0.hasPrefix(":") }.count
            if literals > best.literals {
                best = (literals, [method])
            } else if literals == best.literals, !best.methods.contains(method) {
                best.methods.append(method)
            }
        }
        // HEAD is answered wherever GET is.
        return best.methods.flatMap { $0 == "GET" ? ["GET", "HEAD"] : [$0] }
    }
}
