import Foundation

/// The event types webhooks may subscribe to and events may carry: the ten built-in
/// ones plus custom `resource.action` types registered through the API.
package struct EventTypeCatalog: Sendable {
    let driver: any StorageDriver
    let environment: CoreEnvironment

    /// Creates the catalog over the `event_types` table.
    package init(driver: any StorageDriver, environment: CoreEnvironment = .live) {
        self.driver = driver
        self.environment = environment
    }

    private var store: EventTypeStore { EventTypeStore(executor: driver) }

    /// Every usable event type: built-in ones first, then custom ones by name.
    package func all() async throws -> [EventType] {
        EventType.builtIn + (try await store.active())
    }

    /// Whether `name` is a usable event type.
    package func contains(_ name: String) async throws -> Bool {
        if EventType.builtIn.contains(where: { $0.name == name }) { return true }
        return try await store.isActive(name: name)
    }

    /// Registers a custom type (or brings back a retired one with a new description).
    package func register(name: String, description: String) async throws -> EventType {
        guard Self.isValidName(name) else {
            throw SwitchboardError.invalid(
                "name must look like resource.action: lower-case letters, digits and _, one dot, at most 100 characters (e.g. invoice.paid)"
            )
        }
        guard !EventType.isReserved(name) else {
            throw SwitchboardError(
                .validation, code: "reserved_event_type",
                message: "name: webhook.* event types belong to Switchboard itself; choose another resource name")
        }
        let description = description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !description.isEmpty, description.count <= 500 else {
            throw SwitchboardError.invalid("description must be 1 to 500 characters")
        }
        let exists = try await contains(name)
        if exists {
            throw SwitchboardError(.conflict, code: "event_type_exists", message: "event type \(name) already exists")
        }
        let now = environment.currentTime()
        if try await !store.revive(name: name, description: description) {
            try await store.insert(name: name, description: description, at: now)
        }
        return EventType(name: name, description: description)
    }

    /// Retires a custom type: new events and subscriptions may no longer use it; past events
    /// and their deliveries are kept.
    package func retire(name: String) async throws {
        if EventType.builtIn.contains(where: { $0.name == name }) {
            throw SwitchboardError(
                .conflict, code: "built_in_event_type", message: "\(name) is a built-in event type and cannot be retired")
        }
        // A name no type can have is not looked up (it may hold bytes a database refuses).
        guard Self.isValidName(name), try await store.retire(name: name, at: environment.currentTime()) else {
            throw SwitchboardError.notFound("event type", id: StorableText.clean(name))
        }
    }

    /// Checks a subscription list: each name must be known or `*`. Returns the names with
    /// duplicates removed, in the order given.
    package func validateSubscription(_ names: [String]) async throws -> [String] {
        guard !names.isEmpty else {
            throw SwitchboardError.invalid("events must list at least one event type (or \"*\" for all)")
        }
        guard names.count <= 100 else { throw SwitchboardError.invalid("events may list at most 100 event types") }
        let known = Set(try await all().map(\.name))
        var result: [String] = []
        for name in names where !result.contains(name) {
            guard name == EventType.wildcard || known.contains(name) else {
                throw SwitchboardError.invalid("events: unknown event type '\(name)'; GET /api/event-types lists the known ones")
            }
            result.append(name)
        }
        return result
    }

    /// `resource.action` in lower case with digits and underscores, at most 100 characters.
    static func isValidName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard name.count <= 100, parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            guard let first = part.first, first.isASCII, first.isLowercase else { return false }
            return part.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }
        }
    }
}
