import Synchronization

/// A bound on bytes held in memory at once over all requests (`GATEWAY_BUFFER_BYTES`): each
/// holder reserves before it keeps bytes, and what it reserved is given back when its
/// `Reservation` is released, whether or not its answer was ever written.
final class ByteBudget: Sendable {
    let limit: Int
    private let used = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Bytes reserved now, for tests and metrics.
    var inUse: Int { used.load(ordering: .relaxed) }

    /// Reserves `bytes` if they fit under the limit.
    func reserve(_ bytes: Int) -> Bool {
        var current = used.load(ordering: .relaxed)
        while current + bytes <= limit {
            let (exchanged, original) = used.compareExchange(expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release(_ bytes: Int) {
        used.subtract(bytes, ordering: .relaxed)
    }

    /// Bytes held from a budget, given back on deinit.
    final class Reservation: Sendable {
        let budget: ByteBudget
        let bytes: Int

        init(budget: ByteBudget, bytes: Int) {
            self.budget = budget
            self.bytes = bytes
        }

        deinit { budget.release(bytes) }
    }
}
