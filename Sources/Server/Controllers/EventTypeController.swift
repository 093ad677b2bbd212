import Core
import Hummingbird

/// `/api/event-types`: list the event types, register custom ones and retire them.
struct EventTypeController: Sendable {
    let catalog: EventTypeCatalog

    func register(on api: APIRouteRegistrar) {
        api.add(.listEventTypes) { _, _ in
            .success(try await catalog.all().map(EventTypeResponse.init))
        }
        api.add(.createEventType) { request, context in
            let body = try await request.decode(as: CreateEventTypeBody.self, context: context)
            let type = try await catalog.register(name: body.name, description: body.description)
            return .success(EventTypeResponse(type), status: .created)
        }
        api.add(.retireEventType) { _, context in
            let name = context.parameters.get("name") ?? ""
            try await catalog.retire(name: name)
            return .success(RetiredResponse(name: name, retired: true))
        }
    }
}
