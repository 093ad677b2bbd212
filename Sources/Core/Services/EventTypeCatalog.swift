/// The event types webhooks may subscribe to.
public struct EventTypeCatalog: Sendable {
    /// Creates the catalog.
    public init() {}

    /// Every known event type, built-in ones first.
    public func all() async throws -> [EventType] {
        EventType.builtIn
    }

    /// Checks a subscription list: each name must be known or `*`. Returns the names with
    /// duplicates removed, in the order given.
    public func validateSubscription(_ names: [String]) async throws -> [String] {
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
}
