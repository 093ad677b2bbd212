import Foundation

/// When a failed delivery is tried again: the Node original's schedule — 1 s, then `baseDelay × 3ⁿ`
/// (5 s, 15 s, 45 s, 135 s with the default 5 s) — with up to ±10 % jitter so a receiver that
/// comes back is not hit by every queued delivery at once.
package struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt (`WEBHOOK_RETRY_ATTEMPTS`).
    package var maxRetries: Int
    /// Delays before retry 1, 2, …; the last one repeats if there are more retries.
    package var delays: [Duration]
    /// Fraction of each delay added or removed at random.
    package var jitter: Double
    /// Longest `Retry-After` a receiver may ask for; longer requests are capped.
    package var maxRetryAfter: Duration

    /// The Node original's schedule for a base delay and retry count.
    package init(
        maxRetries: Int = 3, baseDelay: Duration = .milliseconds(5000), jitter: Double = 0.1, maxRetryAfter: Duration = .seconds(3600)
    ) {
        self.maxRetries = maxRetries
        self.delays = [.seconds(1)] + (0..<4).map { baseDelay * Int(pow(3.0, Double($0))) }
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
    }

    /// An explicit schedule (used for per-webhook overrides and tests).
    package init(maxRetries: Int, delays: [Duration], jitter: Double = 0.1, maxRetryAfter: Duration = .seconds(3600)) {
        self.maxRetries = maxRetries
        self.delays = delays.isEmpty ? [.seconds(1)] : delays
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
    }

    /// The delay before the retry that follows attempt number `attempt` (1-based), or nil when
    /// no retries are left. `retryAfter` from the receiver wins when it is longer, within
    /// `maxRetryAfter`.
    package func delay(afterAttempt attempt: Int, retryAfter: Duration? = nil, random: Double = Double.random(in: -1...1)) -> Duration? {
        guard attempt >= 1, attempt <= maxRetries else { return nil }
        let base = delays[min(attempt - 1, delays.count - 1)]
        let jittered = base + base * (jitter * random)
        guard let retryAfter else { return jittered }
        return max(jittered, min(retryAfter, maxRetryAfter))
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    package var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
