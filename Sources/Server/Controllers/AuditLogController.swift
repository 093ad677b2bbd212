import Core
import Foundation
import Hummingbird

/// `GET /api/audit-logs`: who changed what, newest first.
struct AuditLogController: Sendable {
    let audit: AuditTrail

    func register(on api: APIRouteRegistrar) {
        api.add(.listAuditLogs) { request, _ in
            let filter = AuditFilter(
                actorKeyID: try request.queryUUID("actor", what: "an API key id"),
                action: request.queryString("action"),
                targetID: request.queryString("target"),
                since: try request.queryDate("since"))
            let entries = try await audit.list(filter, limit: try request.queryInteger("limit", in: AuditTrail.limits) ?? 100)
            return .success(entries.map(AuditEntryResponse.init))
        }
    }
}
