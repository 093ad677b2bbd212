import Foundation

/// Counts of delivery attempts over some span: how many, how many succeeded (2xx), their
/// total time and a latency histogram. Figures add up, so hours combine into windows.
package struct DeliveryFigures: Sendable, Equatable {
    /// Upper bounds, in milliseconds, of the latency buckets; one more bucket holds the rest.
    package static let bucketBounds: [Int] = [25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
    /// The rollup columns holding each bucket's count, in bucket order.
    package static let bucketColumns: [String] = bucketBounds.map { "lat_le_\($0)" } + ["lat_over_\(bucketBounds.last!)"]

    package var attempts = 0
    package var successes = 0
    package var totalMilliseconds = 0
    /// Attempts per latency bucket, `bucketColumns.count` long.
    package var buckets = [Int](repeating: 0, count: DeliveryFigures.bucketColumns.count)
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
        lastSuccessAt = [lastSuccessAt, other.lastSuccessAt].compactMap { $0 }.max()
        lastFailureAt = [lastFailureAt, other.lastFailureAt].compactMap { $0 }.max()
    }

    /// The bucket an attempt of `milliseconds` falls in.
    package static func bucketIndex(_ milliseconds: Int) -> Int {
        bucketBounds.firstIndex { milliseconds <= $0 } ?? bucketBounds.count
    }

    /// The `quantile` (0…1) of attempt durations in milliseconds, estimated from the buckets
    /// by interpolating inside the bucket where it falls; nil when nothing was attempted.
    /// Above the last bound the bound itself is reported (the histogram knows no more).
    package func percentile(_ quantile: Double) -> Int? {
        let total = buckets.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = quantile * Double(total)
        var below = 0
        for (index, count) in buckets.enumerated() where count > 0 {
            if Double(below + count) >= rank {
                guard index < Self.bucketBounds.count else { return Self.bucketBounds.last! }
                let lower = index == 0 ? 0 : Double(Self.bucketBounds[index - 1])
                let upper = Double(Self.bucketBounds[index])
                let fraction = max(0, rank - Double(below)) / Double(count)
                return Int((lower + (upper - lower) * fraction).rounded())
            }
            below += count
        }
        return Self.bucketBounds.last!
    }
}
