import Foundation

/// The source of "now" and of new ids for services, so tests can fix time.
package struct CoreEnvironment: Sendable {
    /// The current time.
    package var now: @Sendable () -> Date
    /// A new unique id.
    package var newID: @Sendable () -> UUID

    /// Creates an environment.
    package init(now: @escaping @Sendable () -> Date = { Date() }, newID: @escaping @Sendable () -> UUID = { UUID.version7() }) {
        self.now = now
        self.newID = newID
    }

    /// Wall-clock time and time-ordered UUIDs (version 7).
    package static let live = CoreEnvironment()

    /// The current time at the precision stored in the database.
    package func currentTime() -> Date {
        Timestamp.truncated(now())
    }
}
