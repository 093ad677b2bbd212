import HTTPTypes
import Core
import Hummingbird

/// `POST /api/events`: publish an event to every subscribed webhook.
struct EventController: Sendable {
    let dispatcher: EventDispatcher
    let maxEventBytes: Int

    func register(on api: APIRouteRegistrar) {
        api.add(.publishEvent) { request, context in
            let body = try await request.decode(PublishEventBody.self, limit: maxEventBytes)
            // The key may also come as the customary Idempotency-Key header.
            let key = body.idempotencyKey.value ?? request.headers[.idempotencyKey]
            let published = try await dispatcher.publish(type: body.type, data: body.data, idempotencyKey: key, scope: context.key.id)
            return .success(PublishedEventResponse(published), status: .accepted)
        }
    }
}

extension HTTPField.Name {
    /// `Idempotency-Key`, the header form of `idempotencyKey`.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
