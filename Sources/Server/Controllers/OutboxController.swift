import Core
import Foundation
import Hummingbird

/// `GET /api/outbox/rejected`: outbox rows the relay could not turn into events, newest first,
/// with the reason (unknown or reserved type, data that is not JSON).
struct OutboxController: Sendable {
    let driver: any StorageDriver

    func register(on api: APIRouteRegistrar) {
        let driver = driver
        api.add(.listRejectedOutboxRows) { request, _ in
            let page = try request.pageRequest()
            return .page(try await OutboxStore(executor: driver).rejected(limit: page.limit, offset: page.offset)) {
                RejectedOutboxRowResponse($0)
            }
        }
    }
}

/// One rejected outbox row.
struct RejectedOutboxRowResponse: Encodable, Sendable {
    let id: Int
    let eventType: String
    let data: String
    let idempotencyKey: String?
    let createdAt: Date
    let rejectedAt: Date
    let reason: String

    init(_ rejected: RejectedOutboxRow) {
        id = rejected.row.id
        eventType = rejected.row.eventType
        data = rejected.row.data
        idempotencyKey = rejected.row.idempotencyKey
        createdAt = rejected.row.createdAt
        rejectedAt = rejected.rejectedAt
        reason = rejected.reason
    }
}
