import Core
import Foundation
import Hummingbird

/// `/api/webhooks/logs`: the delivery log, one delivery with its attempts per entry.
struct DeliveryLogController: Sendable {
    let logs: DeliveryLogService
    /// `WEBHOOK_RESPONSE_EXCERPT_BYTES`: a response body this long was cut.
    let responseExcerptBytes: Int

    /// `status=failed,pending` or `status=failed&status=pending`: any of these.
    static func statuses(_ request: Request) throws -> [DeliveryStatus] {
        let texts = request.uri.queryParameters.getAll("status")
            .flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { String($0).trimmingCharacters(in: .whitespaces) }
        return try texts.map { text in
            guard let status = DeliveryStatus(rawValue: text) else {
                let names = DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw SwitchboardError.badRequest(
                    "status must be one or more of \(names) (comma separated), not '\(text)'", code: "invalid_query")
            }
            return status
        }
    }

    func register(on api: APIRouteRegistrar) {
        api.add(.listDeliveryLogs) { request, _ in
            let filter = DeliveryLogFilter(
                webhookID: try request.queryUUID("webhook_id", what: "a webhook id"),
                statuses: try Self.statuses(request),
                eventType: try request.queryString("event_type"),
                eventID: try request.queryUUID("event_id", what: "an event id"),
                since: try request.queryDate("since"),
                until: try request.queryDate("until"))
            if let since = filter.since, let until = filter.until, since >= until {
                throw SwitchboardError.badRequest("since must be before until", code: "invalid_query")
            }
            let limit = try request.queryInteger("limit", in: 1...DeliveryLogService.maxLimit) ?? DeliveryLogService.defaultLimit
            let page = try await logs.list(filter, cursor: try request.queryString("cursor"), limit: limit)
            return .success(
                page.entries.map(DeliveryLogResponse.init),
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
        api.add(.getDeliveryLog) { _, context in
            let log = try await logs.get(id: try context.pathID())
            let sent = try await logs.request(for: log.delivery)
            return .success(
                DeliveryDetailResponse(log: DeliveryLogResponse(log), url: sent.url, body: sent.body, excerptLimit: responseExcerptBytes))
        }
        api.add(.retryDelivery) { _, context in
            .success(DeliveryLogResponse(try await logs.retry(id: try context.pathID())), status: .accepted)
        }
    }
}
