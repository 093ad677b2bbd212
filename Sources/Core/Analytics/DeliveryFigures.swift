import Foundation

/// Counts of delivery attempts over some span: how many, how many succeeded (2xx), their
/// total time, the shortest and longest, and a latency histogram. Figures add up, so hours
/// combine into windows.
package struct DeliveryFigures: Sendable, Equatable {
    /// Upper bounds, in milliseconds, of the latency buckets; one more bucket holds the rest.
    /// Fine at the low end, where receivers on a network answer (a percentile is placed within
    /// its bucket), up to the longest `WEBHOOK_TIMEOUT_MS` is likely to be.
    package static let bucketBounds: [Int] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]
    /// The rollup columns holding each bucket's count, in bucket order.
    package static let bucketColumns: [String] = bucketBounds.map { "lat_le_\($0)" } + ["lat_over_\(bucketBounds.last!)"]

    package var attempts = 0
    package var successes = 0
    package var totalMilliseconds = 0
    /// Attempts per latency bucket, `bucketColumns.count` long.
    package var buckets = [Int](repeating: 0, count: DeliveryFigures.bucketColumns.count)
    /// The shortest and the longest attempt, in milliseconds; nil when nothing was attempted.
    /// Rows counted before these were kept hold the bounds of their buckets instead.
    package var minMilliseconds: Int?
    package var maxMilliseconds: Int?
    package var lastSuccessAt: Date?
    package var lastFailureAt: Date?

    /// Empty figures.
    package init() {}

    /// Attempts that did not get a 2xx answer (refused, timed out, or any other status).
    package var failures: Int { attempts - successes }

    /// Successes as a percentage with one decimal (98.5), or 0 when nothing was attempted.
    package var successRate: Double {
        attempts == 0 ? 0 : (Double(successes) * 1000 / Double(attempts)).rounded() / 10
    }

    /// Mean attempt duration in whole milliseconds, or 0 when nothing was attempted.
    package var averageMilliseconds: Int {
        attempts == 0 ? 0 : Int((Double(totalMilliseconds) / Double(attempts)).rounded())
    }

    /// Counts one attempt.
    package mutating func add(success: Bool, milliseconds: Int, at date: Date) {
        attempts += 1
        totalMilliseconds += milliseconds
        buckets[Self.bucketIndex(milliseconds)] += 1
        minMilliseconds = min(minMilliseconds ?? milliseconds, milliseconds)
        maxMilliseconds = max(maxMilliseconds ?? milliseconds, milliseconds)
        if success {
            successes += 1
            lastSuccessAt = max(lastSuccessAt ?? date, date)
        } else {
            lastFailureAt = max(lastFailureAt ?? date, date)
        }
    }

    /// Adds other figures to these.
    package mutating func add(_ other: DeliveryFigures) {
        attempts += other.attempts
        successes += other.successes
        totalMilliseconds += other.totalMilliseconds
        for index in buckets.indices { buckets[index] += other.buckets[index] }
        minMilliseconds = [minMilliseconds, other.minMilliseconds].compactMap { $0 }.min()
        maxMilliseconds = [maxMilliseconds, other.maxMilliseconds].compactMap { $0 }.max()
        lastSuccessAt = [lastSuccessAt, other.lastSuccessAt].compactMap { $0 }.max()
        lastFailureAt = [lastFailureAt, other.lastFailureAt].compactMap { $0 }.max()
    }

    /// The bucket an attempt of `milliseconds` falls in.
    package static func bucketIndex(_ milliseconds: Int) -> Int {
        bucketBounds.firstIndex { milliseconds <= $0 } ?? bucketBounds.count
    }

    /// The `quantile` (0…1) of attempt durations in milliseconds, estimated from the buckets
    /// by interpolating inside the bucket where it falls, narrowed to the shortest and longest
    /// attempt seen (so a percentile never lies outside what was measured, and a bucket holding
    /// the extremes is read as far as they reach); nil when nothing was attempted.
    package func percentile(_ quantile: Double) -> Int? {
        let total = buckets.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = quantile * Double(total)
        let floor = Double(minMilliseconds ?? 0)
        var ceiling = Double(maxMilliseconds ?? Self.bucketBounds.last!)
        // No share q of non-negative times lies at or above mean ÷ (1 − q) (Markov's bound):
        // this also holds for hours counted in the coarser buckets before migration 0012.
        if quantile < 1 { ceiling = min(ceiling, max(floor, Double(totalMilliseconds) / Double(total) / (1 - quantile))) }
        var below = 0
        for (index, count) in buckets.enumerated() where count > 0 {
            if Double(below + count) >= rank || index == buckets.count - 1 {
                let lower = max(floor, index == 0 ? 0 : Double(Self.bucketBounds[index - 1]))
                let upper = min(ceiling, index < Self.bucketBounds.count ? Double(Self.bucketBounds[index]) : ceiling)
                let fraction = min(1, max(0, rank - Double(below)) / Double(count))
                let estimate = lower + (max(upper, lower) - lower) * fraction
                return Int(min(ceiling, max(floor, estimate)).rounded())
            }
            below += count
        }
        return Int(ceiling)
    }
}
