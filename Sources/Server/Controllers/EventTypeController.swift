import Core
import Hummingbird

/// `/api/event-types`: the event types webhooks can subscribe to.
struct EventTypeController: Sendable {
    let catalog: EventTypeCatalog

    func register(on api: APIRouteRegistrar) {
        api.add(.listEventTypes) { _, _ in
            .success(.array(try await catalog.all().map(Render.eventType)))
        }
    }
}
