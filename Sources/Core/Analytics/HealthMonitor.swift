import Foundation
import Logging
import ServiceLifecycle

/// A change of a webhook's health state, as announced.
package struct HealthTransition: Sendable, Equatable {
    package let webhookID: UUID
    package let from: HealthState
    package let to: HealthState
    package let rule: String
    /// The operational event published for it, if the change is one that is announced.
    package let eventType: String?
}

/// Judges every webhook's health on a schedule and soon after delivery attempts are recorded,
/// stores each change in `webhooks.health_state`, logs it, and publishes the operational
/// events `webhook.disabled`, `webhook.unhealthy` and `webhook.recovered` to the webhooks
/// subscribed to them.
///
/// The stored state changes with a compare-and-set in the same transaction as the event, so
/// with several servers on one database each change is announced exactly once.
package final class HealthMonitor: Service {
    let analytics: WebhookAnalytics
    let driver: any StorageDriver
    let interval: Duration
    let environment: CoreEnvironment
    let logger: Logger
    /// Called after an event was published, so a local worker delivers it at once.
    let onPublished: @Sendable () -> Void
    private let signal = WakeSignal()

    /// Creates a monitor that looks at every webhook at least every `interval`.
    package init(
        analytics: WebhookAnalytics, driver: any StorageDriver, interval: Duration, environment: CoreEnvironment = .live,
        logger: Logger = Logger(label: "switchboard.health"), onPublished: @escaping @Sendable () -> Void = {}
    ) {
        self.analytics = analytics
        self.driver = driver
        self.interval = interval
        self.environment = environment
        self.logger = logger
        self.onPublished = onPublished
    }

    /// Asks for an evaluation soon (called after attempts are recorded).
    package func poke() {
        signal.signal()
    }

    /// The operational event announcing a change, or nil for changes that are not announced
    /// (such as healthy ↔ degraded).
    package static func eventType(from old: HealthState, to new: HealthState) -> String? {
        switch (old, new) {
        case (_, .disabled) where old != .disabled: "webhook.disabled"
        case (_, .unhealthy) where old != .unhealthy: "webhook.unhealthy"
        case (.unhealthy, .healthy), (.unhealthy, .degraded), (.disabled, .healthy), (.disabled, .degraded): "webhook.recovered"
        default: nil
        }
    }

    /// Judges every webhook now; stores, logs and announces the changes. Returns them.
    @discardableResult
    package func evaluate() async throws -> [HealthTransition] {
        var transitions: [HealthTransition] = []
        for report in try await analytics.healthReports() where report.verdict.state != report.announcedState {
            if let transition = try await announce(report) { transitions.append(transition) }
        }
        if transitions.contains(where: { $0.eventType != nil }) { onPublished() }
        return transitions
    }

    private func announce(_ report: WebhookHealthReport) async throws -> HealthTransition? {
        let old = report.announcedState
        let new = report.verdict.state
        let now = environment.currentTime()
        let eventType = Self.eventType(from: old, to: new)
        let payload = Self.payload(report, previous: old, at: now).compactText
        let environment = environment
        let changed = try await driver.transaction { transaction -> Bool in
            guard try await WebhookStore.changeHealthState(id: report.id, from: old.rawValue, to: new.rawValue, at: now, on: transaction)
            else {
                return false
            }
            if let eventType {
                _ = try await EventDispatcher.insertEvent(
                    type: eventType, payload: payload, now: now, environment: environment, on: transaction)
            }
            return true
        }
        guard changed else { return nil }
        logger.log(
            level: new == .healthy || new == .degraded ? .info : .warning, "webhook health changed",
            metadata: [
                "webhook": "\(report.id)", "from": "\(old.rawValue)", "to": "\(new.rawValue)", "rule": "\(report.verdict.rule)",
                "event": "\(eventType ?? "-")",
            ])
        return HealthTransition(webhookID: report.id, from: old, to: new, rule: report.verdict.rule, eventType: eventType)
    }

    /// The operational event's data: which webhook, the change, the rule and the figures.
    static func payload(_ report: WebhookHealthReport, previous: HealthState, at now: Date) -> JSONValue {
        .object([
            ("webhook_id", .string(report.id.uuidString.lowercased())),
            ("name", .string(report.name)),
            // Scheme, host and port only: a URL's path and query often hold a token, and these
            // events go to every subscriber of `*`.
            ("url", .string(Self.origin(of: report.url))),
            ("state", .string(report.verdict.state.rawValue)),
            ("previous_state", .string(previous.rawValue)),
            ("rule", .string(report.verdict.rule)),
            ("is_active", .bool(report.isActive)),
            ("consecutive_failures", .integer(report.consecutiveFailures)),
            ("circuit", .string(report.circuit.state.apiName)),
            ("success_rate", .number(report.window.successRate)),
            ("attempts", .integer(report.window.attempts)),
            ("changed_at", .timestamp(now)),
        ])
    }

    /// `scheme://host[:port]` of a URL, without credentials, path, query or fragment.
    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return "" }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(bracketed)" + (components.port.map { ":\($0)" } ?? "")
    }

    package func run() async throws {
        // The wait between evaluations is not cancellable, so shutdown wakes it instead.
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                do {
                    try await self.evaluate()
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.error("health evaluation failed; will try again", metadata: ["error": "\(error)"])
                }
                await self.signal.wait(timeout: self.interval)
                guard !Task.isShuttingDownGracefully else { return }
                // Coalesce the pokes of a busy second into one evaluation.
                try? await Task.sleep(for: .milliseconds(500))
            }
        } onGracefulShutdown: {
            self.signal.signal()
        }
    }
}
