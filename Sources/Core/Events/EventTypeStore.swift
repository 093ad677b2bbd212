import Foundation

/// Reads and writes `event_types`: the custom event types registered through the API.
package struct EventTypeStore: Sendable {
    let executor: any SQLExecutor

    /// A store running its statements on `executor`.
    package init(executor: any SQLExecutor) {
        self.executor = executor
    }

    /// The custom types in use (not retired), by name.
    package func active() async throws -> [EventType] {
        try await executor.query("SELECT name, description FROM event_types WHERE retired_at IS NULL ORDER BY name").map {
            EventType(name: try $0.string("name"), description: try $0.string("description"))
        }
    }

    /// Whether a custom type of this name is in use.
    package func isActive(name: String) async throws -> Bool {
        try await executor.first("SELECT name FROM event_types WHERE name = \(name) AND retired_at IS NULL") != nil
    }

    /// Brings back a retired type with a new description; false when there was none.
    package func revive(name: String, description: String) async throws -> Bool {
        try await executor.execute("UPDATE event_types SET description = \(description), retired_at = NULL WHERE name = \(name)") > 0
    }

    /// Stores a new type.
    package func insert(name: String, description: String, at now: Date) async throws {
        try await executor.execute("INSERT INTO event_types (name, description, created_at) VALUES (\(name), \(description), \(now))")
    }

    /// Retires a type in use; false when there was none.
    package func retire(name: String, at now: Date) async throws -> Bool {
        try await executor.execute("UPDATE event_types SET retired_at = \(now) WHERE name = \(name) AND retired_at IS NULL") > 0
    }
}
