import Synchronization

/// The quota of an API key: `requests` per `windowSeconds`.
public struct RateLimit: Sendable, Equatable {
    public var requests: Int
    public var windowSeconds: Int

    /// Creates a quota.
    public init(requests: Int, windowSeconds: Int) {
        self.requests = requests
        self.windowSeconds = windowSeconds
    }

    /// Parses `REQUESTS/SECONDS`, e.g. `600/60`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let requests = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let seconds = Int(parts[1].trimmingCharacters(in: .whitespaces)),
              RateLimit.validRequests.contains(requests), RateLimit.validWindows.contains(seconds)
        else { return nil }
        self.init(requests: requests, windowSeconds: seconds)
    }

    /// Accepted bounds.
    public static let validRequests = 1...1_000_000
    public static let validWindows = 1...86_400
}

/// Fixed-window request counters kept in this process, one per bucket name (an API key, or
/// a client address for failed authentications).
public final class RateLimiter: Sendable {
    /// What a request may do, and the numbers for the `RateLimit-*` headers.
    public struct Decision: Sendable, Equatable {
        public let allowed: Bool
        public let limit: Int
        public let remaining: Int
        /// Seconds until the window resets.
        public let resetSeconds: Int
    }

    private struct Window {
        var start: ContinuousClock.Instant
        var count: Int
    }

    private let windows = Mutex<[String: Window]>([:])
    private let clock = ContinuousClock()
    /// Past this many buckets, expired ones are dropped on the next request.
    private let pruneThreshold = 10_000

    /// Creates an empty limiter.
    public init() {}

    /// Counts one request against `bucket` and says whether it is within `limit`.
    public func consume(_ bucket: String, limit: RateLimit) -> Decision {
        record(bucket, limit: limit, counts: true)
    }

    /// Looks at `bucket` without counting a request.
    public func peek(_ bucket: String, limit: RateLimit) -> Decision {
        record(bucket, limit: limit, counts: false)
    }

    private func record(_ bucket: String, limit: RateLimit, counts: Bool) -> Decision {
        let now = clock.now
        let length = Duration.seconds(limit.windowSeconds)
        return windows.withLock { windows in
            if windows.count > pruneThreshold {
                windows = windows.filter { now - $0.value.start < .seconds(86_400) && now - $0.value.start < length }
            }
            var window = windows[bucket] ?? Window(start: now, count: 0)
            if now - window.start >= length { window = Window(start: now, count: 0) }
            let allowed = window.count < limit.requests
            if counts, allowed { window.count += 1 }
            windows[bucket] = window
            let reset = max(1, Int((length - (now - window.start)).seconds.rounded(.up)))
            return Decision(allowed: allowed, limit: limit.requests, remaining: max(0, limit.requests - window.count), resetSeconds: reset)
        }
    }
}
