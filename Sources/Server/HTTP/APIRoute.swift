import Core
import HTTPTypes

/// Every authenticated API route, each declared once in `declaration`: method, path, the
/// permission it needs, the audit action it records and the body limit it reads under. The
/// router, the permission and audit middleware, the 405 answers and the route-table and
/// OpenAPI tests all read this table; a controller only attaches the handler.
package enum APIRoute: String, Sendable, CaseIterable {
    case listEventTypes, createEventType, retireEventType
    case publishEvent, publishEventBatch
    case listWebhooks, createWebhook, getWebhook, updateWebhook, deleteWebhook
    case testWebhook, recoverWebhook, rotateWebhookSecret, revealWebhookSecret
    case listDeliveryLogs, getDeliveryLog, retryDelivery, deliveryStream
    case listAPIKeys, createAPIKey, getAPIKey, updateAPIKey, regenerateAPIKey, apiKeyUsage, deleteAPIKey
    case listAuditLogs
    case webhookAnalytics, webhookStats, apiKeyAnalytics
    case listRejectedOutboxRows
    case getSession, deleteSession

    /// What is known about a route before any handler exists.
    package struct Declaration: Sendable {
        package let method: HTTPRequest.Method
        /// With `:name` for path parameters.
        package let path: String
        /// What the calling key must hold; nil when any key may (who am I, signing out).
        package let permission: Permission?
        /// Recorded when the route succeeds; nil for reads and for publishing (too frequent
        /// to audit one by one).
        package let auditAction: String?
        package let bodyLimit: BodyLimit

        /// What kind of resource the route acts on, for the audit trail and the usage counts:
        /// read from the path, longest prefix first.
        package var targetType: String {
            let kinds: [(prefix: String, kind: String)] = [
                ("/api/api-keys", "api_key"), ("/api/webhooks/logs", "delivery"), ("/api/webhooks", "webhook"),
                ("/api/event-types", "event_type"), ("/api/events", "event"), ("/api/session", "session"),
                ("/api/stream", "delivery"), ("/api/outbox", "event"),
            ]
            return kinds.first { path.hasPrefix($0.prefix) }?.kind ?? "system"
        }

        init(_ method: HTTPRequest.Method, _ path: String, _ permission: Permission?, audit: String? = nil, body: BodyLimit = .standard) {
            self.method = method
            self.path = path
            self.permission = permission
            self.auditAction = audit
            self.bodyLimit = body
        }
    }

    /// Which setting bounds a route's request body.
    package enum BodyLimit: Sendable {
        /// `MAX_BODY_BYTES`.
        case standard
        /// `MAX_EVENT_BYTES`.
        case event
        /// `MAX_BATCH_BYTES`.
        case batch
    }

    package var declaration: Declaration {
        switch self {
        case .listEventTypes: .init(.get, "/api/event-types", .readWebhooks)
        case .createEventType: .init(.post, "/api/event-types", .writeEvents, audit: "event_type.registered")
        case .retireEventType: .init(.delete, "/api/event-types/:name", .writeEvents, audit: "event_type.retired")
        case .publishEvent: .init(.post, "/api/events", .writeEvents, body: .event)
        case .publishEventBatch: .init(.post, "/api/events/batch", .writeEvents, body: .batch)
        case .listWebhooks: .init(.get, "/api/webhooks", .readWebhooks)
        case .createWebhook: .init(.post, "/api/webhooks", .writeWebhooks, audit: "webhook.created")
        case .getWebhook: .init(.get, "/api/webhooks/:id", .readWebhooks)
        case .updateWebhook: .init(.patch, "/api/webhooks/:id", .writeWebhooks, audit: "webhook.updated")
        case .deleteWebhook: .init(.delete, "/api/webhooks/:id", .deleteWebhooks, audit: "webhook.deleted")
        case .testWebhook: .init(.post, "/api/webhooks/:id/test", .writeWebhooks, audit: "webhook.tested")
        case .recoverWebhook: .init(.post, "/api/webhooks/:id/recover", .writeWebhooks, audit: "webhook.recovered")
        case .rotateWebhookSecret: .init(.post, "/api/webhooks/:id/rotate-secret", .writeWebhooks, audit: "webhook.secret_rotated")
        case .revealWebhookSecret: .init(.post, "/api/webhooks/:id/reveal-secret", .writeWebhooks, audit: "webhook.secret_revealed")
        case .listDeliveryLogs: .init(.get, "/api/webhooks/logs", .readWebhooks)
        case .getDeliveryLog: .init(.get, "/api/webhooks/logs/:id", .readWebhooks)
        case .retryDelivery: .init(.post, "/api/webhooks/logs/:id/retry", .writeWebhooks, audit: "delivery.retried")
        case .deliveryStream: .init(.get, "/api/stream", .readWebhooks)
        case .listAPIKeys: .init(.get, "/api/api-keys", .all)
        case .createAPIKey: .init(.post, "/api/api-keys", .all, audit: "api_key.created")
        case .getAPIKey: .init(.get, "/api/api-keys/:id", .all)
        case .updateAPIKey: .init(.patch, "/api/api-keys/:id", .all, audit: "api_key.updated")
        case .regenerateAPIKey: .init(.post, "/api/api-keys/:id/regenerate", .all, audit: "api_key.regenerated")
        case .apiKeyUsage: .init(.get, "/api/api-keys/:id/usage", .all)
        case .deleteAPIKey: .init(.delete, "/api/api-keys/:id", .all, audit: "api_key.revoked")
        case .listAuditLogs: .init(.get, "/api/audit-logs", .all)
        case .webhookAnalytics: .init(.get, "/api/webhooks/analytics", .readWebhooks)
        case .webhookStats: .init(.get, "/api/webhooks/:id/stats", .readWebhooks)
        case .apiKeyAnalytics: .init(.get, "/api/api-keys/analytics", .all)
        case .listRejectedOutboxRows: .init(.get, "/api/outbox/rejected", .readWebhooks)
        case .getSession: .init(.get, "/api/session", nil)
        case .deleteSession: .init(.delete, "/api/session", nil, audit: "session.signed_out")
        }
    }

    package var method: HTTPRequest.Method { declaration.method }
    package var path: String { declaration.path }
    package var permission: Permission? { declaration.permission }
    package var auditAction: String? { declaration.auditAction }

    package var targetType: String { declaration.targetType }

    /// Routes that need no key; listed so method checks know every path.
    package static let publicRoutes: [(method: HTTPRequest.Method, path: String)] = [
        (.get, "/health"), (.get, "/ready"), (.get, "/metrics"), (.get, "/openapi.json"), (.post, "/api/session"),
        (.get, "/auth/verify"),
    ]

    /// The methods served on a concrete path such as `/api/webhooks/3f2b…`, for answering
    /// 405 with an `Allow` header instead of 404 when only the method is wrong.
    package static func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let all = allCases.map { ($0.method, $0.path) } + publicRoutes
        // Like the router, a literal segment beats a parameter: `/api/webhooks/logs` is the
        // log route, not a webhook called "logs".
        var best: (literals: Int, methods: [HTTPRequest.Method]) = (-1, [])
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
        return best.methods.flatMap { $0 == .get ? ["GET", "HEAD"] : [$0.rawValue] }
    }
}
