/// The time allowed for a piece of work ran out before the work finished.
package struct DeadlineExceeded: Error, Sendable, CustomStringConvertible {
    /// The time that was allowed.
    package let timeout: Duration

    package var description: String { "no result within \(timeout)" }
}

/// Runs `body` and returns its result, or cancels it and throws `DeadlineExceeded` when
/// `timeout` passes first.
///
/// The body runs in a child task, so the call returns only once the body has noticed its
/// cancellation: every wait inside it must be cancellable (a plain `EventLoopFuture.get()`
/// is not).
package func withDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        // The first child to finish decides; the other is cancelled.
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        guard let value = first else { throw DeadlineExceeded(timeout: timeout) }
        return value
    }
}
