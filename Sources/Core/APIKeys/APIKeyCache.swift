import Foundation
import Synchronization

/// Keeps recently verified keys in memory for a short time so the request hot path does not
/// read the database every time. Revoking, regenerating or changing a key drops it here at
/// once; other server processes see the change when their entry expires (`ttl`).
package final class APIKeyCache: Sendable {
    private struct Entry {
        var key: APIKey
        let storedAt: ContinuousClock.Instant
    }

    /// How long a verified key is trusted without asking the database again.
    package let ttl: Duration
    private let entries = Mutex<[String: Entry]>([:])
    private let clock = ContinuousClock()
    /// Most keys kept; past it the cache starts over (keys are few; this bounds memory).
    private let capacity = 10_000

    /// Creates a cache; a zero `ttl` disables it.
    package init(ttl: Duration = .seconds(5)) {
        self.ttl = ttl
    }

    /// The cached key for a hash, if still fresh.
    func key(forHash hash: String) -> APIKey? {
        guard ttl > .zero else { return nil }
        let now = clock.now
        return entries.withLock { entries in
            guard let entry = entries[hash] else { return nil }
            guard now - entry.storedAt < ttl else {
                entries[hash] = nil
                return nil
            }
            return entry.key
        }
    }

    /// Remembers a verified key.
    func store(_ key: APIKey) {
        guard ttl > .zero else { return }
        let now = clock.now
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key.keyHash] = Entry(key: key, storedAt: now)
        }
    }

    /// Forgets every entry of a key (all its hashes), after it was changed.
    func invalidate(id: UUID) {
        entries.withLock { entries in
            entries = entries.filter { $0.value.key.id != id }
        }
    }
}
