import Foundation
import ServiceLifecycle
import Synchronization

/// API-key quotas that hold across every server process on the database.
///
/// Each key's limit is counted in fixed windows (a multiple of its window length since the
/// Unix epoch, the same in every process). A request is decided in memory against the window's
/// total as last read from `api_key_quota_windows` plus what this process has let through
/// since; every `interval` the process adds its new counts to the table and reads the totals
/// back. So no request waits for the database, and a key's limit can be overshot only by what
/// the *other* processes let through in one interval: at most (N − 1) × the requests one
/// process admits for the key in `interval`, never more than (N − 1) × the limit.
package final class SharedQuota: Service {
    private struct Entry {
        /// Every process's count as last read (ours included once written).
        var shared = 0
        /// Let through here and not yet written.
        var pending = 0
        /// Being written now (counted until the total is read back).
        var writing = 0
        let end: Int
    }

    private let state = Mutex<[QuotaStore.Window: Entry]>([:])
    private let syncs = Atomic<Int>(0)

    /// Syncs completed so far (written and read back, or nothing to do).
    package var completedSyncs: Int { syncs.load(ordering: .relaxed) }
    let driver: any StorageDriver
    let interval: Duration
    let now: @Sendable () -> Date

    /// Creates the quota counter; `interval` is `QUOTA_SYNC_MS`.
    package init(driver: any StorageDriver, interval: Duration = .milliseconds(200), now: @escaping @Sendable () -> Date = { Date() }) {
        self.driver = driver
        self.interval = interval
        self.now = now
    }

    /// Counts one request of a key against `limit` in the current window; refused requests
    /// are not counted.
    package func consume(keyID: UUID, limit: RateLimit) -> RateLimiter.Decision {
        let seconds = Int(now().timeIntervalSince1970)
        let length = max(1, limit.windowSeconds)
        let start = seconds - seconds % length
        let window = QuotaStore.Window(keyID: keyID, start: start)
        let reset = max(1, start + length - seconds)
        return state.withLock { entries in
            var entry = entries[window] ?? Entry(end: start + length)
            let used = entry.shared + entry.pending + entry.writing
            guard used < limit.requests else {
                return RateLimiter.Decision(allowed: false, limit: limit.requests, remaining: 0, resetSeconds: reset)
            }
            entry.pending += 1
            entries[window] = entry
            return RateLimiter.Decision(allowed: true, limit: limit.requests, remaining: limit.requests - used - 1, resetSeconds: reset)
        }
    }

    /// Writes this process's new counts and reads back every process's totals of the windows
    /// in use; forgets windows that have ended.
    package func sync() async throws {
        let seconds = Int(now().timeIntervalSince1970)
        let (deltas, windows) = state.withLock { entries -> ([QuotaStore.Window: Int], Set<QuotaStore.Window>) in
            entries = entries.filter { $0.value.end > seconds }
            var deltas: [QuotaStore.Window: Int] = [:]
            for (window, entry) in entries where entry.pending > 0 {
                deltas[window] = entry.pending
                entries[window]?.writing += entry.pending
                entries[window]?.pending = 0
            }
            return (deltas, Set(entries.keys))
        }
        guard !windows.isEmpty else {
            syncs.add(1, ordering: .relaxed)
            return
        }
        let store = QuotaStore(executor: driver)
        do {
            try await store.add(deltas)
        } catch {
            // Not written: count them again as pending, to be written next time.
            state.withLock { entries in
                for (window, count) in deltas {
                    entries[window]?.writing -= count
                    entries[window]?.pending += count
                }
            }
            throw error
        }
        let totals = try await store.totals(of: windows)
        state.withLock { entries in
            for window in windows {
                guard var entry = entries[window] else { continue }
                entry.writing -= deltas[window] ?? 0
                // The total includes what was just written; counts made since stay pending.
                entry.shared = max(totals[window] ?? 0, entry.shared + (deltas[window] ?? 0))
                entries[window] = entry
            }
        }
        syncs.add(1, ordering: .relaxed)
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastCleanup = ContinuousClock.now
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: self.interval)
                } catch {
                    return
                }
                try? await self.sync()
                // Windows older than two days are of no use to anyone (longest window: a day).
                if ContinuousClock.now - lastCleanup > .seconds(600) {
                    lastCleanup = ContinuousClock.now
                    _ = try? await QuotaStore(executor: self.driver).deleteBefore(Int(self.now().timeIntervalSince1970) - 2 * 86_400)
                }
            }
        }
        try? await sync()
    }
}
