import Foundation

/// The hour a statistic belongs to, as the rollup stores it: UTC text `YYYY-MM-DDTHH`, which
/// sorts in time order on every database.
package enum StatsHour {
    /// The key of the hour containing `date`.
    package static func key(_ date: Date) -> String {
        String(Timestamp.format(date).prefix(13))
    }

    /// The start of the hour containing `date`.
    package static func start(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
    }

    /// The start of the hour named by `key`.
    package static func date(_ key: String) -> Date? {
        Timestamp.parse(key + ":00:00.000Z")
    }
}
