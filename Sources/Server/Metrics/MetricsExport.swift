import Core
import Foundation
import Metrics
import Prometheus

/// The process's Prometheus registry, installed as the swift-metrics backend the first time
/// it is used (swift-metrics allows one backend per process), and the `/metrics` text.
public final class MetricsExport: Sendable {
    /// The one export of this process.
    public static let shared = MetricsExport()

    let registry = PrometheusCollectorRegistry()

    private init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Webhook receivers answer in milliseconds to seconds; the timeout caps at minutes.
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
    }

    /// Refreshes the gauges read from the database (queue depth, oldest due delivery) and
    /// returns every metric in Prometheus' text format.
    public func render(driver: any StorageDriver, now: Date = Date()) async throws -> [UInt8] {
        let due = try await driver.first("""
            SELECT COUNT(*) AS due, MIN(next_attempt_at) AS oldest FROM webhook_deliveries
            WHERE status = \(DeliveryStatus.pending.rawValue) AND next_attempt_at <= \(now)
            """)
        let queued = try await driver.query("""
            SELECT status, COUNT(*) AS n FROM webhook_deliveries
            WHERE status IN (\(list: [DeliveryStatus.pending.rawValue, DeliveryStatus.inProgress.rawValue])) GROUP BY status
            """)
        var counts: [String: Int] = [:]
        for row in queued { counts[try row.string("status")] = try row.int("n") }
        let dueCount = try due?.optionalInt("due") ?? 0
        let pending = counts[DeliveryStatus.pending.rawValue] ?? 0
        Gauge(label: "switchboard_delivery_queue_depth", dimensions: [("state", "due")]).record(dueCount)
        Gauge(label: "switchboard_delivery_queue_depth", dimensions: [("state", "scheduled")]).record(max(0, pending - dueCount))
        Gauge(label: "switchboard_delivery_queue_depth", dimensions: [("state", "in_flight")]).record(counts[DeliveryStatus.inProgress.rawValue] ?? 0)
        let oldest = try due?.optionalDate("oldest")
        Gauge(label: "switchboard_delivery_oldest_due_age_seconds").record(oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        return registry.emitToBuffer()
    }
}
