import Foundation

/// How well a webhook's receiver is doing.
package enum HealthState: String, Sendable, Codable, CaseIterable {
    /// Answers 2xx; nothing to do.
    case healthy
    /// Some attempts fail, or the last one did; deliveries still mostly arrive.
    case degraded
    /// Failing: many failures in a row, or most recent attempts fail and the last one did.
    case unhealthy
    /// Switched off (by hand, by `410 Gone`, or after too many failures in a row).
    case disabled
}

/// The thresholds that decide a webhook's health state. The defaults are documented in
/// README ("Health states").
package struct HealthRules: Sendable, Equatable {
    /// How many hourly buckets (this hour and the ones before it) the success rate covers.
    package var windowHours: Int = 24
    /// Fewer attempts than this in the window say nothing about the success rate.
    package var minimumAttempts: Int = 10
    /// Failed attempts in a row that make a webhook unhealthy on their own.
    package var unhealthyConsecutiveFailures: Int = 5
    /// A success rate (percent) under this, while the last attempt failed, is unhealthy.
    package var unhealthySuccessRate: Double = 50
    /// A success rate (percent) under this is degraded.
    package var degradedSuccessRate: Double = 95

    /// The default rules.
    package init() {}

    /// The first hour the window covers, for a check made at `now`.
    package func windowStart(now: Date) -> Date {
        StatsHour.start(now.addingTimeInterval(-Double(windowHours - 1) * 3600))
    }
}

/// What the health rules need to know about one webhook.
package struct WebhookHealthInput: Sendable {
    package var isActive: Bool
    package var disabledReason: String?
    package var consecutiveFailures: Int
    /// Attempts in the rules' window.
    package var window: DeliveryFigures
    /// The webhook's circuit breaker.
    package var circuit: Circuit

    /// Creates an input.
    package init(isActive: Bool, disabledReason: String?, consecutiveFailures: Int, window: DeliveryFigures, circuit: Circuit = Circuit()) {
        self.circuit = circuit
        self.isActive = isActive
        self.disabledReason = disabledReason
        self.consecutiveFailures = consecutiveFailures
        self.window = window
    }
}

/// A health state and the rule that set it, in words.
package struct HealthVerdict: Sendable, Equatable {
    package var state: HealthState
    package var rule: String
}

extension HealthRules {
    /// Applies the rules in order; the first that matches decides.
    package func evaluate(_ input: WebhookHealthInput) -> HealthVerdict {
        let window = input.window
        let rate = window.successRate
        let sampled = window.attempts >= minimumAttempts
        let span = "over the last \(windowHours) h (\(window.attempts) attempts)"
        if !input.isActive {
            return HealthVerdict(state: .disabled, rule: "webhook is disabled: \(input.disabledReason ?? "switched off")")
        }
        if input.circuit.state != .closed {
            let since = input.circuit.openedAt.map { " since \(Timestamp.format($0))" } ?? ""
            let probes = input.circuit.probes == 1 ? "1 failed probe" : "\(input.circuit.probes) failed probes"
            return HealthVerdict(
                state: .unhealthy, rule: "circuit \(input.circuit.state.apiName)\(since) (receiver unreachable; \(probes))")
        }
        if input.consecutiveFailures >= unhealthyConsecutiveFailures {
            return HealthVerdict(
                state: .unhealthy,
                rule: "\(input.consecutiveFailures) failed attempts in a row (unhealthy at \(unhealthyConsecutiveFailures))")
        }
        if sampled, rate < unhealthySuccessRate, input.consecutiveFailures > 0 {
            return HealthVerdict(
                state: .unhealthy,
                rule:
                    "success rate \(Self.percent(rate)) \(span) is below \(Self.percent(unhealthySuccessRate)) and the last attempt failed")
        }
        if input.consecutiveFailures > 0 {
            return HealthVerdict(
                state: .degraded,
                rule: "the last \(input.consecutiveFailures == 1 ? "attempt" : "\(input.consecutiveFailures) attempts") failed")
        }
        if sampled, rate < degradedSuccessRate {
            return HealthVerdict(
                state: .degraded, rule: "success rate \(Self.percent(rate)) \(span) is below \(Self.percent(degradedSuccessRate))")
        }
        if !sampled {
            return HealthVerdict(
                state: .healthy,
                rule:
                    "no failures in a row; \(window.attempts) attempts over the last \(windowHours) h are too few (under \(minimumAttempts)) to judge a rate"
            )
        }
        return HealthVerdict(state: .healthy, rule: "success rate \(Self.percent(rate)) \(span) and the last attempt succeeded")
    }

    static func percent(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}
