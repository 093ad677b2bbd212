import ServiceLifecycle
import Synchronization

/// The quota of an API key: `requests` per `windowSeconds`.
package struct RateLimit: Sendable, Equatable {
    package var requests: Int
    package var windowSeconds: Int

    /// Creates a quota.
    package init(requests: Int, windowSeconds: Int) {
        self.requests = requests
        self.windowSeconds = windowSeconds
    }

    /// Parses `REQUESTS/SECONDS`, e.g. `600/60`.
    package init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let requests = Int(parts[0].trimmingCharacters(in: .whitespaces)),
            let seconds = Int(parts[1].trimmingCharacters(in: .whitespaces)),
            RateLimit.validRequests.contains(requests), RateLimit.validWindows.contains(seconds)
        else { return nil }
        self.init(requests: requests, windowSeconds: seconds)
    }

    /// Accepted bounds.
    package static let validRequests = 1...1_000_000
    package static let validWindows = 1...86_400
}

/// Fixed-window request counters kept in this process, one per bucket name (an API key, or
/// a client address for failed authentications).
///
/// Each bucket keeps its own window length, so clearing out ended windows never touches a
/// bucket whose window is still running (an hourly quota is not reset by a flood of
/// one-minute buckets). The number of buckets is capped: past `capacity` the oldest bucket
/// makes room, so a client inventing addresses costs bounded memory. Ended windows are
/// cleared by `run()` on a timer, never on the request path.
package final class RateLimiter: Service, Sendable {
    /// What a request may do, and the numbers for the `RateLimit-*` headers.
    package struct Decision: Sendable, Equatable {
        package let allowed: Bool
        package let limit: Int
        package let remaining: Int
        /// Seconds until the window resets.
        package let resetSeconds: Int
    }

    /// A request counted ahead of its outcome, which `refund` may give back.
    package struct Reservation: Sendable {
        package let decision: Decision
        let bucket: String
        let windowStart: ContinuousClock.Instant
    }

    private struct Window {
        var start: ContinuousClock.Instant
        var length: Duration
        var count: Int
    }

    private struct State {
        var windows: [String: Window] = [:]
        /// Bucket names in the order they were created, for eviction at capacity; may hold
        /// names already gone (skipped, and dropped at the next sweep).
        var order: [String] = []
        var orderHead = 0
    }

    private let state = Mutex(State())
    private let clock = ContinuousClock()
    /// Most buckets kept at once.
    package let capacity: Int
    /// How often `run()` clears ended windows.
    package let sweepInterval: Duration

    /// Creates an empty limiter holding at most `capacity` buckets.
    package init(capacity: Int = 100_000, sweepInterval: Duration = .seconds(10)) {
        self.capacity = max(1, capacity)
        self.sweepInterval = sweepInterval
    }

    /// How many buckets are held now.
    package var bucketCount: Int { state.withLock { $0.windows.count } }

    /// Counts one request against `bucket` and says whether it is within `limit`.
    package func consume(_ bucket: String, limit: RateLimit) -> Decision {
        record(bucket, limit: limit, counts: true).decision
    }

    /// Looks at `bucket` without counting a request.
    package func peek(_ bucket: String, limit: RateLimit) -> Decision {
        record(bucket, limit: limit, counts: false).decision
    }

    /// Counts one request before its outcome is known, atomically with the check: concurrent
    /// callers cannot all pass a limit that only one more fits under. `refund` gives the
    /// request back when the outcome should not count.
    package func reserve(_ bucket: String, limit: RateLimit) -> Reservation {
        let (decision, start) = record(bucket, limit: limit, counts: true)
        return Reservation(decision: decision, bucket: bucket, windowStart: start)
    }

    /// Gives back a reserved request (if its window is still the current one).
    package func refund(_ reservation: Reservation) {
        guard reservation.decision.allowed else { return }
        state.withLock { state in
            guard var window = state.windows[reservation.bucket], window.start == reservation.windowStart, window.count > 0 else { return }
            window.count -= 1
            state.windows[reservation.bucket] = window
        }
    }

    private func record(_ bucket: String, limit: RateLimit, counts: Bool) -> (decision: Decision, windowStart: ContinuousClock.Instant) {
        let now = clock.now
        let length = Duration.seconds(limit.windowSeconds)
        return state.withLock { state in
            var window: Window
            if let existing = state.windows[bucket], now - existing.start < existing.length {
                window = existing
                window.length = length
            } else {
                if state.windows[bucket] == nil {
                    if state.windows.count >= capacity { Self.evictOldest(&state) }
                    state.order.append(bucket)
                }
                window = Window(start: now, length: length, count: 0)
            }
            let allowed = window.count < limit.requests
            if counts, allowed { window.count += 1 }
            state.windows[bucket] = window
            let reset = max(1, Int((length - (now - window.start)).seconds.rounded(.up)))
            let decision = Decision(
                allowed: allowed, limit: limit.requests, remaining: max(0, limit.requests - window.count), resetSeconds: reset)
            return (decision, window.start)
        }
    }

    private static func evictOldest(_ state: inout State) {
        while state.orderHead < state.order.count {
            let name = state.order[state.orderHead]
            state.orderHead += 1
            if state.windows.removeValue(forKey: name) != nil { break }
        }
        if state.orderHead > 1024, state.orderHead * 2 > state.order.count {
            state.order.removeFirst(state.orderHead)
            state.orderHead = 0
        }
    }

    /// Drops every bucket whose own window has ended.
    package func sweep() {
        let now = clock.now
        state.withLock { state in
            state.windows = state.windows.filter { now - $0.value.start < $0.value.length }
            state.order = state.order[state.orderHead...].filter { state.windows[$0] != nil }
            state.orderHead = 0
        }
    }

    /// Sweeps ended windows every `sweepInterval` until shutdown.
    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: self.sweepInterval)
                } catch {
                    return
                }
                self.sweep()
            }
        }
    }
}
