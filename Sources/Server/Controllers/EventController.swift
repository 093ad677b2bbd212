import Core
import HTTPTypes
import Hummingbird

/// `POST /api/events`: publish an event to every subscribed webhook; `POST /api/events/batch`:
/// many at once, in one transaction, each answered on its own.
struct EventController: Sendable {
    let dispatcher: EventDispatcher
    /// `MAX_EVENT_BYTES`, which each event of a batch must also keep to.
    let maxEventBytes: Int

    func register(on api: APIRouteRegistrar) {
        api.add(.publishEvent) { request, context in
            let body = try await request.decode(as: PublishEventBody.self, context: context)
            // The key may also come as the customary Idempotency-Key header.
            let key = body.idempotencyKey.value ?? request.headers[.idempotencyKey]
            let published = try await dispatcher.publish(type: body.type, data: body.data, idempotencyKey: key, scope: context.key.id)
            return .success(PublishedEventResponse(published), status: .accepted)
        }
        api.add(.publishEventBatch) { request, context in
            let body = try await request.decode(as: PublishEventBatchBody.self, context: context)
            guard (1...EventDispatcher.maxBatchEvents).contains(body.events.count) else {
                throw SwitchboardError.invalid(
                    "events must hold 1 to \(EventDispatcher.maxBatchEvents) events, not \(body.events.count); split larger batches")
            }
            // A malformed event (its shape, as the API document describes it) rejects the whole
            // request, naming its index; an event that is well formed but cannot be accepted
            // (unknown or reserved type, data too large) fails alone, in its slot.
            var submissions: [(index: Int, submission: EventSubmission)] = []
            var results = [PublishedEventResult?](repeating: nil, count: body.events.count)
            for (index, element) in body.events.enumerated() {
                let submission = try Self.submission(from: element, index: index)
                guard submission.data.compactText.utf8.count <= maxEventBytes else {
                    results[index] = PublishedEventResult(
                        index: index,
                        error: SwitchboardError(
                            .payloadTooLarge, code: "payload_too_large",
                            message: "events[\(index)].data is larger than MAX_EVENT_BYTES (\(maxEventBytes) bytes)"))
                    continue
                }
                submissions.append((index, submission))
            }
            let published = await dispatcher.publishBatch(submissions.map(\.submission), scope: context.key.id)
            for (position, entry) in submissions.enumerated() {
                results[entry.index] = PublishedEventResult(index: entry.index, published[position])
            }
            let answers = results.enumerated().map {
                $1
                    ?? PublishedEventResult(
                        index: $0, error: SwitchboardError(.internalError, code: "internal_error", message: "internal error"))
            }
            let failed = answers.filter { !$0.success }.count
            // 202 when every event was accepted; 207 when only some were, so a client that
            // checks only the status still sees that it must read the results.
            return .success(
                PublishedBatchResponse(accepted: answers.count - failed, failed: failed, results: answers),
                status: failed == 0 ? .accepted : HTTPResponse.Status(code: 207, reasonPhrase: "Multi-Status"))
        }
    }

    /// One event of a batch, checked for shape; errors name its index.
    private static func submission(from element: JSONValue, index: Int) throws -> EventSubmission {
        guard case .object = element else {
            throw SwitchboardError.invalid("events[\(index)] must be a JSON object with type and data, not \(element.typeName)")
        }
        do {
            let body = try JSONValueDecoder.decode(PublishEventBody.self, from: element)
            if let key = body.idempotencyKey.value, !(1...EventDispatcher.maxIdempotencyKeyLength).contains(key.count) {
                throw SwitchboardError.invalid("idempotencyKey must be 1 to \(EventDispatcher.maxIdempotencyKeyLength) characters")
            }
            return EventSubmission(type: body.type, data: body.data, idempotencyKey: body.idempotencyKey.value)
        } catch {
            let reason = SwitchboardError(translating: error)
            throw SwitchboardError(reason.category, code: reason.code, message: "events[\(index)]: \(reason.message)")
        }
    }
}

extension HTTPField.Name {
    /// `Idempotency-Key`, the header form of `idempotencyKey`.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
