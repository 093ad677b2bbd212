import Synchronization

/// Joins concurrent submissions into batches that one caller commits for all (group commit):
/// while a batch is being committed, new submissions queue; when it is done, the first of
/// them commits everything that queued meanwhile, up to `maxBatch`. The window is therefore
/// exactly as long as the previous commit took: no timer, no added wait when traffic is light
/// (a lone submission commits at once), and large batches when the database is the bottleneck.
///
/// Nothing runs in the background: the committing is done by the submitting tasks themselves
/// (a leader hands on to the next waiting submitter), so there is no service to start and
/// nothing to stop, and a caller's answer never waits for another caller's later batch.
package final class GroupCommit<Item: Sendable, Value: Sendable>: Sendable {
    /// Commits a batch and answers each item, in order: one result per item.
    package typealias Commit = @Sendable ([Item]) async -> [Result<Value, any Error>]

    private let maxBatch: Int
    private let commit: Commit
    private let state = Mutex(State())

    private struct State {
        /// Submissions not yet taken into a batch, oldest first.
        var queue: [Waiter] = []
        /// True while some submitter leads (is committing or about to). Invariant: a
        /// non-empty queue has a leader.
        var leading = false
    }

    /// Creates a group commit that commits at most `maxBatch` items at once with `commit`.
    package init(maxBatch: Int, commit: @escaping Commit) {
        precondition(maxBatch > 0)
        self.maxBatch = maxBatch
        self.commit = commit
    }

    /// Submits `item` and returns its result once the batch holding it is committed.
    package func submit(_ item: Item) async throws -> Value {
        let waiter = Waiter(item: item)
        let leads = state.withLock { state -> Bool in
            state.queue.append(waiter)
            if state.leading { return false }
            state.leading = true
            return true
        }
        if leads { await lead() }
        while true {
            switch await waiter.outcome() {
            case .done(let result): return try result.get()
            case .lead: await lead()
            }
        }
    }

    /// Commits one batch from the head of the queue (which holds the leader itself), answers
    /// it, then hands the lead to the next waiting submitter or gives it up.
    private func lead() async {
        let batch = state.withLock { state -> [Waiter] in
            let batch = Array(state.queue.prefix(maxBatch))
            state.queue.removeFirst(batch.count)
            return batch
        }
        let results = await commit(batch.map(\.item))
        for (index, waiter) in batch.enumerated() {
            waiter.finish(.done(index < results.count ? results[index] : .failure(GroupCommitError.noResult)))
        }
        let next = state.withLock { state -> Waiter? in
            guard let next = state.queue.first else {
                state.leading = false
                return nil
            }
            return next
        }
        next?.finish(.lead)
    }

    private enum Outcome: Sendable {
        case done(Result<Value, any Error>)
        /// This submitter is next to commit a batch.
        case lead
    }

    /// One submission: its item, and where its outcome is handed over.
    private final class Waiter: Sendable {
        let item: Item
        private let slot = Mutex<(outcome: Outcome?, continuation: CheckedContinuation<Outcome, Never>?)>((nil, nil))

        init(item: Item) { self.item = item }

        /// Hands over an outcome, waking the submitter if it waits.
        func finish(_ outcome: Outcome) {
            let continuation = slot.withLock { slot -> CheckedContinuation<Outcome, Never>? in
                guard let continuation = slot.continuation else {
                    slot.outcome = outcome
                    return nil
                }
                slot.continuation = nil
                return continuation
            }
            continuation?.resume(returning: outcome)
        }

        /// The next outcome (a lead can come before the result). Not cancellable: once
        /// submitted, an item is committed or failed, and its submitter hears which.
        func outcome() async -> Outcome {
            await withCheckedContinuation { continuation in
                let ready = slot.withLock { slot -> Outcome? in
                    if let outcome = slot.outcome {
                        slot.outcome = nil
                        return outcome
                    }
                    slot.continuation = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}

/// A commit function returned fewer results than items (a programming error, answered as a
/// failure rather than never).
package struct GroupCommitError: Error, CustomStringConvertible {
    package static let noResult = GroupCommitError()
    package var description: String { "group commit returned no result for an item" }
}
