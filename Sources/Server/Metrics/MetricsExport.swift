import Core
import Foundation
import Metrics
import Prometheus
import Synchronization

/// The process's Prometheus registry, installed as the swift-metrics backend the first time
/// it is used (swift-metrics allows one backend per process), and the `/metrics` text.
package final class MetricsExport: Sendable {
    /// The one export of this process.
    package static let shared = MetricsExport()

    let registry = PrometheusCollectorRegistry()

    private init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Webhook receivers answer in milliseconds to seconds; the timeout caps at minutes.
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
        ]
        // A claim is a few indexed statements: well under a millisecond to tens of them.
        factory.durationHistogramBuckets["switchboard_delivery_claim_duration_seconds"] = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        MetricsSystem.bootstrap(factory)
    }

    /// The queue as last counted, per database.
    private struct QueueFigures {
        var readAt: ContinuousClock.Instant
        var due = 0
        var scheduled = 0
        var inFlight = 0
        var oldestDueAge = 0.0
        var outboxWaiting = 0
        var outboxRejected = 0
        var circuits: [CircuitState: Int] = [:]
    }

    private let queueFigures = Mutex<[ObjectIdentifier: QueueFigures]>([:])

    /// Sets the gauges read from the database (queue depth, oldest due delivery) and returns
    /// every metric in Prometheus' text format. The queue is counted at most once per
    /// `maxAge` (`METRICS_QUEUE_CACHE_SECONDS`): `/metrics` needs no key, so a client
    /// scraping in a loop must not turn into a database load.
    package func render(driver: any StorageDriver, now: Date = Date(), maxAge: Duration = .seconds(5)) async throws -> [UInt8] {
        let id = ObjectIdentifier(driver as AnyObject)
        let clock = ContinuousClock.now
        var figures = queueFigures.withLock { $0[id] }
        if figures == nil || clock - figures!.readAt >= maxAge {
            let counted = try await countQueue(driver: driver, now: now, at: clock)
            queueFigures.withLock { $0[id] = counted }
            figures = counted
        }
        guard let figures else { return registry.emitToBuffer() }
        // The gauges are the process's, and one process may serve several databases (the
        // tests do): setting them and writing them out happen under one lock, so a render
        // never writes out another database's figures set in between.
        return emitting.withLock { _ in emit(figures) }
    }

    /// Serialises setting the queue gauges and writing the text out.
    private let emitting = Mutex(())

    private func emit(_ figures: QueueFigures) -> [UInt8] {
        Gauge(label: "switchboard_delivery_queue_depth", dimensions: [("state", "due")]).record(figures.due)
        Gauge(label: "switchboard_delivery_queue_depth", dimensions: [("state", "scheduled")]).record(figures.scheduled)
        Gauge(label: "switchboard_delivery_queue_depth", dimensions: [("state", "in_flight")]).record(figures.inFlight)
        Gauge(label: "switchboard_delivery_oldest_due_age_seconds").record(figures.oldestDueAge)
        Gauge(label: "switchboard_outbox_rows", dimensions: [("state", "waiting")]).record(figures.outboxWaiting)
        Gauge(label: "switchboard_outbox_rows", dimensions: [("state", "rejected")]).record(figures.outboxRejected)
        for (state, count) in figures.circuits {
            Gauge(label: "switchboard_webhook_circuits", dimensions: [("state", state.rawValue)]).record(count)
        }
        return registry.emitToBuffer()
    }

    private func countQueue(driver: any StorageDriver, now: Date, at clock: ContinuousClock.Instant) async throws -> QueueFigures {
        let queue = try await DeliveryStore(executor: driver).queueFigures(now: now)
        var figures = QueueFigures(readAt: clock)
        figures.due = queue.due
        figures.scheduled = queue.scheduled
        figures.inFlight = queue.inFlight
        figures.oldestDueAge = queue.oldestDue.map { max(0, now.timeIntervalSince($0)) } ?? 0
        let outbox = try await OutboxStore(executor: driver).counts()
        figures.outboxWaiting = outbox.waiting
        figures.outboxRejected = outbox.rejected
        figures.circuits = try await WebhookStore.circuitCounts(on: driver)
        return figures
    }
}
