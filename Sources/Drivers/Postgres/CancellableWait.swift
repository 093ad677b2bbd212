import Core
import NIOCore
import Synchronization

extension EventLoopFuture where Value: Sendable {
    /// The future's value; or `unavailable` when `connection` closes without it; or
    /// `CancellationError` as soon as the waiting task is cancelled.
    ///
    /// postgres-nio writes a statement to its channel without a write promise: when the server
    /// closed the connection a moment earlier, the statement's promise is never completed and
    /// `get()` would wait for ever. Waiting through this instead ends such a wait when the
    /// connection's close is seen, and lets the driver's deadline abandon it in any case.
    func value(orFailureWhenClosed connection: ConnectionWatch) async throws -> Value {
        let once = ResumeOnce<Value>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                once.install(continuation)
                let ticket = connection.onClose {
                    once.resume(with: .failure(StorageError.unavailable(detail: "the PostgreSQL connection was closed")))
                }
                whenComplete { result in
                    connection.forget(ticket)
                    once.resume(with: result)
                }
            }
        } onCancel: {
            once.resume(with: .failure(CancellationError()))
        }
    }
}

/// The statements waiting on one connection, failed together when it closes. One per pooled
/// connection (so a connection's close future carries one callback, not one per statement).
final class ConnectionWatch: Sendable {
    private struct State {
        var closed = false
        var nextTicket = 0
        var waiting: [Int: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())

    /// Calls `failure` when the connection closes (at once if it has); returns a ticket for
    /// `forget`.
    func onClose(_ failure: @escaping @Sendable () -> Void) -> Int {
        let ticket: Int? = state.withLock { state in
            guard !state.closed else { return nil }
            state.nextTicket += 1
            state.waiting[state.nextTicket] = failure
            return state.nextTicket
        }
        guard let ticket else {
            failure()
            return 0
        }
        return ticket
    }

    /// The statement was answered: nothing to fail any more.
    func forget(_ ticket: Int) {
        _ = state.withLock { $0.waiting.removeValue(forKey: ticket) }
    }

    /// The connection closed: fails everything still waiting.
    func closed() {
        let waiting = state.withLock { state in
            state.closed = true
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for failure in waiting { failure() }
    }
}

/// The watches of the pool's open connections, by connection id.
final class ConnectionWatches: Sendable {
    private let watches = Mutex<[Int: ConnectionWatch]>([:])

    /// The watch of `id`, created (and tied to `closeFuture`) on first use.
    func watch(id: Int, closeFuture: EventLoopFuture<Void>) -> ConnectionWatch {
        let (watch, isNew) = watches.withLock { watches in
            if let existing = watches[id] { return (existing, false) }
            let watch = ConnectionWatch()
            watches[id] = watch
            return (watch, true)
        }
        if isNew {
            closeFuture.whenComplete { _ in
                _ = self.watches.withLock { $0.removeValue(forKey: id) }
                watch.closed()
            }
        }
        return watch
    }
}

/// A continuation resumed at most once, by whichever comes first: the answer, the close or
/// the cancellation (which may even arrive before the continuation exists).
private final class ResumeOnce<Value: Sendable>: Sendable {
    private enum State {
        case waiting
        case installed(CheckedContinuation<Value, any Error>)
        case finished(Result<Value, any Error>?)
    }

    private let state = Mutex(State.waiting)

    func install(_ continuation: CheckedContinuation<Value, any Error>) {
        let early: Result<Value, any Error>? = state.withLock { state in
            switch state {
            case .waiting:
                state = .installed(continuation)
                return nil
            case .finished(let result):
                state = .finished(nil)
                return result
            case .installed:
                preconditionFailure("continuation installed twice")
            }
        }
        if let early { continuation.resume(with: early) }
    }

    func resume(with result: Result<Value, any Error>) {
        let continuation: CheckedContinuation<Value, any Error>? = state.withLock { state in
            switch state {
            case .waiting:
                state = .finished(result)
                return nil
            case .installed(let continuation):
                state = .finished(nil)
                return continuation
            case .finished:
                return nil
            }
        }
        continuation?.resume(with: result)
    }
}

/// Opened once `run()` is about to start the pool: statements wait for it (cancellably), so
/// none asks postgres-nio for a connection before its client runs.
final class StartGate: Sendable {
    private struct State {
        var open = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    /// Lets every waiter (and every later caller) through.
    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the gate is open, or the task is cancelled.
    func wait() async {
        if state.withLock({ $0.open }) { return }
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let passNow = state.withLock { state -> Bool in
                    if state.open || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if passNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
