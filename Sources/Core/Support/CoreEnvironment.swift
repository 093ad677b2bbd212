import Foundation

/// The source of "now" and of new ids for services, so tests can fix time.
public struct CoreEnvironment: Sendable {
    /// The current time.
    public var now: @Sendable () -> Date
    /// A new unique id.
    public var newID: @Sendable () -> UUID

    /// Creates an environment.
    public init(now: @escaping @Sendable () -> Date = { Date() }, newID: @escaping @Sendable () -> UUID = { UUID() }) {
        self.now = now
        self.newID = newID
    }

    /// Wall-clock time and random UUIDs.
    public static let live = CoreEnvironment()

    /// The current time at the precision stored in the database.
    public func currentTime() -> Date {
        Timestamp.truncated(now())
    }
}
