import Core
import Foundation
import Hummingbird

/// `/api/webhooks/logs`: the delivery log, one delivery with its attempts per entry.
struct DeliveryLogController: Sendable {
    let logs: DeliveryLogService

    func register(on api: APIRouteRegistrar) {
        api.add(.listDeliveryLogs) { request, _ in
            let query = request.uri.queryParameters
            var filter = DeliveryLogFilter()
            if let text = query["webhook_id"] {
                guard let id = UUID(uuidString: String(text)) else {
                    throw SwitchboardError.badRequest("webhook_id must be a webhook id (UUID), not '\(text)'", code: "invalid_query")
                }
                filter.webhookID = id
            }
            if let text = query["status"] {
                guard let status = DeliveryStatus(rawValue: String(text)) else {
                    let names = DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", ")
                    throw SwitchboardError.badRequest("status must be one of \(names), not '\(text)'", code: "invalid_query")
                }
                filter.status = status
            }
            filter.eventType = query["event_type"].map(String.init)
            if let text = query["since"] {
                guard let since = Timestamp.parse(String(text)) else {
                    throw SwitchboardError.badRequest("since must be an ISO-8601 time such as 2026-01-01T00:00:00Z, not '\(text)'", code: "invalid_query")
                }
                filter.since = since
            }
            let limit = try request.queryInteger("limit") ?? DeliveryLogService.defaultLimit
            let page = try await logs.list(filter, cursor: query["cursor"].map(String.init), limit: limit)
            return .success(.array(page.entries.map(Render.deliveryLog)), extra: [("pagination", .object([
                ("limit", .integer(limit)),
                ("next_cursor", .optional(page.nextCursor)),
            ]))])
        }
        api.add(.getDeliveryLog) { _, context in
            .success(Render.deliveryLog(try await logs.get(id: try context.pathID())))
        }
        api.add(.retryDelivery) { _, context in
            .success(Render.deliveryLog(try await logs.retry(id: try context.pathID())), status: .accepted)
        }
    }
}
