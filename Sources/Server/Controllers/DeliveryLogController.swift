import Core
import Foundation
import Hummingbird

/// `/api/webhooks/logs`: the delivery log, one delivery with its attempts per entry.
struct DeliveryLogController: Sendable {
    let logs: DeliveryLogService

    func register(on api: APIRouteRegistrar) {
        api.add(.listDeliveryLogs) { request, _ in
            var filter = DeliveryLogFilter(
                webhookID: try request.queryUUID("webhook_id", what: "a webhook id"),
                eventType: request.queryString("event_type"),
                since: try request.queryDate("since"))
            if let text = request.queryString("status") {
                guard let status = DeliveryStatus(rawValue: text) else {
                    let names = DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", ")
                    throw SwitchboardError.badRequest("status must be one of \(names), not '\(text)'", code: "invalid_query")
                }
                filter.status = status
            }
            let limit = try request.queryInteger("limit", in: 1...DeliveryLogService.maxLimit) ?? DeliveryLogService.defaultLimit
            let page = try await logs.list(filter, cursor: request.queryString("cursor"), limit: limit)
            return .success(page.entries.map(DeliveryLogResponse.init), extra: [("pagination", .object([
                ("limit", .integer(limit)),
                ("next_cursor", .optional(page.nextCursor)),
            ]))])
        }
        api.add(.getDeliveryLog) { _, context in
            .success(DeliveryLogResponse(try await logs.get(id: try context.pathID())))
        }
        api.add(.retryDelivery) { _, context in
            .success(DeliveryLogResponse(try await logs.retry(id: try context.pathID())), status: .accepted)
        }
    }
}
