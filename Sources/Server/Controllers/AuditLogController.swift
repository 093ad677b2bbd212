import Core
import Foundation
import Hummingbird

/// `GET /api/audit-logs`: who changed what, newest first.
struct AuditLogController: Sendable {
    let audit: AuditTrail

    func register(on api: APIRouteRegistrar) {
        api.add(.listAuditLogs) { request, _ in
            let query = request.uri.queryParameters
            var filter = AuditFilter()
            if let text = query["actor"] {
                guard let id = UUID(uuidString: String(text)) else {
                    throw SwitchboardError.badRequest("actor must be an API key id (UUID), not '\(text)'", code: "invalid_query")
                }
                filter.actorKeyID = id
            }
            filter.action = query["action"].map(String.init)
            filter.targetID = query["target"].map(String.init)
            if let text = query["since"] {
                guard let since = Timestamp.parse(String(text)) else {
                    throw SwitchboardError.badRequest("since must be an ISO-8601 time such as 2026-01-01T00:00:00Z, not '\(text)'", code: "invalid_query")
                }
                filter.since = since
            }
            let entries = try await audit.list(filter, limit: try request.queryInteger("limit") ?? 100)
            return .success(.array(entries.map(Render.auditEntry)))
        }
    }
}
