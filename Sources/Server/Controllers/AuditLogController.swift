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
                action: try request.queryString("action"),
                targetID: try request.queryString("target"),
                since: try request.queryDate("since"),
                targetType: try request.queryString("target_type"))
            let limit = try request.queryInteger("limit", in: AuditTrail.limits) ?? 100
            let page = try await audit.list(filter, cursor: try request.queryString("cursor"), limit: limit)
            return .success(
                page.entries.map(AuditEntryResponse.init),
                extra: [
                    (
                        "pagination",
                        .object([
                            ("limit", .integer(limit)),
                            ("next_cursor", .optional(page.nextCursor)),
                        ])
                    )
                ])
        }
    }
}
