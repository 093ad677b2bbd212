import Foundation
import Logging
import ServiceLifecycle

/// Moves rows of the transactional outbox (`switchboard_outbox`, filled by the CRM in its
/// own transactions) into events and deliveries.
///
/// Each batch is one Switchboard transaction: the rows are claimed (locked, so relays in
/// other processes take others), their events and deliveries inserted, and the rows deleted.
/// A crash at any point rolls all of it back and the rows are relayed again later, so every
/// committed row becomes exactly one event; a row whose CRM transaction rolled back was never
/// there. A row that cannot become an event
/// (unknown or reserved type, data that is not JSON, a column that cannot be read) moves to
/// `switchboard_outbox_rejected` with the reason, in the same transaction, and does not hold
/// up the rows behind it.
///
/// The relay looks for rows every `OUTBOX_POLL_INTERVAL_MS`; on PostgreSQL it also listens on
/// the channel the outbox's trigger announces commits on, and looks at once.
package final class OutboxRelay: Service {
    let driver: any StorageDriver
    let catalog: EventTypeCatalog
    let interval: Duration
    let batch: Int
    let environment: CoreEnvironment
    let onPublished: @Sendable () -> Void
    let logger: Logger

    /// Creates the relay; `interval` is `OUTBOX_POLL_INTERVAL_MS`.
    package init(
        driver: any StorageDriver, catalog: EventTypeCatalog, interval: Duration = .milliseconds(250), batch: Int = 200,
        environment: CoreEnvironment = .live, logger: Logger = Logger(label: "switchboard.outbox"),
        onPublished: @escaping @Sendable () -> Void = {}
    ) {
        self.driver = driver
        self.catalog = catalog
        self.interval = interval
        self.batch = batch
        self.environment = environment
        self.logger = logger
        self.onPublished = onPublished
    }

    /// What one pass did.
    package struct Pass: Sendable, Equatable {
        package var published = 0
        package var duplicates = 0
        package var rejected = 0
        package var rows: Int { published + duplicates + rejected }

        /// Creates a pass with these counts.
        package init(published: Int = 0, duplicates: Int = 0, rejected: Int = 0) {
            self.published = published
            self.duplicates = duplicates
            self.rejected = rejected
        }
    }

    /// Relays one batch (at most `batch` rows); returns what it did.
    @discardableResult
    package func relayOnce() async throws -> Pass {
        guard try await OutboxStore(executor: driver).hasRows() else { return Pass() }
        // Read outside the transaction: the catalogue's reads go through the driver itself.
        let known = Set(try await catalog.all().map(\.name))
        let environment = environment
        let batch = batch
        let pass = try await driver.transaction { transaction -> Pass in
            let store = OutboxStore(executor: transaction)
            let claimed = try await store.claim(limit: batch)
            var pass = Pass()
            let now = environment.currentTime()
            var ids: [Int] = []
            for result in claimed {
                let row: OutboxRow
                switch result {
                case .success(let readable):
                    row = readable
                case .failure(let unreadable):
                    try await store.reject(unreadable, at: now)
                    pass.rejected += 1
                    ids.append(unreadable.id)
                    continue
                }
                ids.append(row.id)
                if let reason = Self.problem(with: row, known: known) {
                    try await store.reject(row, reason: reason, at: now)
                    pass.rejected += 1
                    continue
                }
                let data = try JSONValue.parse(Array(row.data.utf8))
                let published = try await EventDispatcher.insertUnlessDuplicate(
                    type: row.eventType, payload: data.compactText,
                    idempotencyKey: row.idempotencyKey.map { EventDispatcher.storedIdempotencyKey($0, scope: nil) },
                    now: now, environment: environment, on: transaction)
                if published.isDuplicate { pass.duplicates += 1 } else { pass.published += 1 }
            }
            try await store.delete(ids: ids)
            return pass
        }
        if pass.published > 0 { onPublished() }
        if pass.rejected > 0 { logger.warning("outbox rows rejected", metadata: ["count": "\(pass.rejected)"]) }
        return pass
    }

    /// Why a row cannot be published, or nil.
    static func problem(with row: OutboxRow, known: Set<String>) -> String? {
        if EventType.isReserved(row.eventType) {
            return "event_type '\(row.eventType)' is reserved: webhook.* events are published by Switchboard itself"
        }
        guard known.contains(row.eventType) else {
            return "unknown event_type '\(row.eventType)'; register it with POST /api/event-types, then insert the row again"
        }
        if let key = row.idempotencyKey, key.isEmpty || key.count > EventDispatcher.maxIdempotencyKeyLength {
            return "idempotency_key must be 1 to \(EventDispatcher.maxIdempotencyKeyLength) characters"
        }
        do {
            _ = try JSONValue.parse(Array(row.data.utf8))
        } catch {
            return "data is not JSON: \(error)"
        }
        return nil
    }

    /// The channel migration 0009's trigger announces outbox inserts on (PostgreSQL).
    package static let channel = "switchboard_outbox"

    package func run() async throws {
        let wake = WakeSignal()
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.listenForCommits(wake: wake) }
                await self.relayLoop(wake: wake)
                group.cancelAll()
            }
        }
    }

    /// Listens for the CRM's commits while the database can announce them, again after a lost
    /// connection (backing off up to 5 s; polling goes on meanwhile).
    func listenForCommits(wake: WakeSignal) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                guard try await driver.listen(channel: Self.channel, onNotification: { wake.signal() }) else { return }
                failures = 0
            } catch is CancellationError {
                return
            } catch {
                failures += 1
            }
            // Rows committed while nobody listened are found by this pass or the next poll.
            wake.signal()
            do { try await Task.sleep(for: min(.seconds(5), .milliseconds(50) * (1 << min(failures, 7)))) } catch { return }
        }
    }

    private func relayLoop(wake: WakeSignal) async {
        var failures = 0
        while !Task.isCancelled {
            var full = false
            do {
                full = try await self.relayOnce().rows >= self.batch
                failures = 0
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                self.logger.error("outbox relay failed; retrying", metadata: ["error": "\(error)"])
            }
            // A full batch means more are waiting; after failures, back off up to 5 s.
            if full { continue }
            if failures == 0 {
                await wake.wait(timeout: self.interval)
            } else {
                do { try await Task.sleep(for: min(.seconds(5), self.interval * (1 << min(failures, 5)))) } catch { return }
            }
        }
    }
}
