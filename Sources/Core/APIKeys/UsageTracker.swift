import Foundation
import ServiceLifecycle
import Synchronization

/// One row of API-key usage: requests on one UTC day, to one route group, ending in one
/// status class.
package struct UsageRow: Sendable, Equatable {
    package var day: String
    package var routeGroup: String
    package var statusClass: String
    package var requests: Int
}

/// Counts API requests per key, day, route group and status class in memory and adds them to
/// `api_key_usage` every few seconds, so counting costs the request path no database write.
/// A `Service`: it flushes on its interval and once more on shutdown.
package final class UsageTracker: Service {
    private typealias Bucket = UsageStore.Cell

    private let counts = Mutex<[Bucket: Int]>([:])
    /// The last UTC day formatted, by day number: formatting a date on every request showed
    /// in profiles, and the day changes once in 86,400 seconds.
    private let lastDay = Mutex<(number: Int, text: String)>((-1, ""))
    let driver: any StorageDriver
    let interval: Duration

    /// Creates a tracker writing to `driver` every `interval`.
    package init(driver: any StorageDriver, interval: Duration = .seconds(5)) {
        self.driver = driver
        self.interval = interval
    }

    /// Counts one request.
    package func record(keyID: UUID, routeGroup: String, status: Int, at date: Date = Date()) {
        let bucket = Bucket(
            keyID: keyID, day: day(of: date), routeGroup: routeGroup, statusClass: Self.statusClasses[min(max(status / 100, 0), 9)])
        counts.withLock { $0[bucket, default: 0] += 1 }
    }

    private static let statusClasses = (0...9).map { "\($0)xx" }

    /// `YYYY-MM-DD` of a date in UTC.
    private func day(of date: Date) -> String {
        let number = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        return lastDay.withLock { last in
            if last.number != number { last = (number, String(Timestamp.format(date).prefix(10))) }
            return last.text
        }
    }

    /// Adds the counts gathered so far to the table.
    package func flush() async throws {
        let pending = counts.withLock { counts -> [Bucket: Int] in
            defer { counts.removeAll(keepingCapacity: true) }
            return counts
        }
        guard !pending.isEmpty else { return }
        do {
            try await driver.transaction { transaction in try await UsageStore(executor: transaction).add(pending) }
        } catch {
            // Keep the counts for the next flush rather than lose them.
            counts.withLock { counts in
                for (bucket, count) in pending { counts[bucket, default: 0] += count }
            }
            throw error
        }
    }

    /// Usage of one key between two days (inclusive, `YYYY-MM-DD`), oldest first.
    package func usage(keyID: UUID, since: Date, until: Date) async throws -> [UsageRow] {
        try await flush()
        let first = String(Timestamp.format(since).prefix(10))
        let last = String(Timestamp.format(until).prefix(10))
        return try await UsageStore(executor: driver).rows(keyID: keyID, firstDay: first, lastDay: last)
    }

    package func run() async throws {
        // Shutdown cuts the sleep short; the counts gathered so far are written after it.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: self.interval)
                } catch {
                    return
                }
                try? await self.flush()
            }
        }
        try? await flush()
    }
}
