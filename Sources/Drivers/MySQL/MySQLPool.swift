import Core
import NIOPosix
import Synchronization

/// A bounded set of open connections. Callers lease one, use it alone, and give it back;
/// a connection that broke is dropped and its slot reopened on demand, which is how the
/// driver recovers when the server restarts.
final class MySQLPool: Sendable {
    private enum Grant: Sendable {
        case connection(MySQLConnection)
        /// A slot was freed: open a new connection in it.
        case openSlot
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Grant, any Error>
    }

    private struct State {
        var idle: [MySQLConnection] = []
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID = 0
        var closed = false
    }

    /// A connection idle longer than this is pinged before use: the server may have gone
    /// away (restart, idle timeout) since.
    private static let pingAfterIdle = Duration.seconds(2)

    private let state = Mutex(State())
    private let settings: MySQLSettings
    private let threads: NIOThreadPool

    init(settings: MySQLSettings, threads: NIOThreadPool) {
        self.settings = settings
        self.threads = threads
    }

    /// A connection for the caller's exclusive use until `release`. Waits at most the URL's
    /// `connect_timeout` for a free one; throws `unavailable` when none comes or the server
    /// cannot be reached.
    func lease() async throws -> MySQLConnection {
        while true {
            enum Next { case reuse(MySQLConnection), open, wait, closed }
            let next: Next = state.withLock { state in
                if state.closed { return .closed }
                if let connection = state.idle.popLast() { return .reuse(connection) }
                if state.open < settings.poolSize {
                    state.open += 1
                    return .open
                }
                return .wait
            }
            switch next {
            case .closed:
                throw StorageError.unavailable(detail: "the MySQL pool is closed")
            case .open:
                return try await openConnection()
            case .reuse(let connection):
                if try await isAlive(connection) { return connection }
                release(connection, reusable: false)
            case .wait:
                switch try await waitForGrant() {
                case .connection(let connection):
                    if try await isAlive(connection) { return connection }
                    release(connection, reusable: false)
                case .openSlot:
                    return try await openConnection()
                }
            }
        }
    }

    /// Gives a connection back; a broken one is dropped and its slot handed on.
    func release(_ connection: MySQLConnection, reusable: Bool) {
        let waiter: Waiter? = state.withLock { state in
            if reusable, !state.closed {
                guard !state.waiters.isEmpty else {
                    state.idle.append(connection)
                    return nil
                }
                return state.waiters.removeFirst()
            }
            return nil
        }
        if let waiter {
            waiter.continuation.resume(returning: .connection(connection))
        } else if !reusable {
            freeSlot()
        }
    }

    /// Drops every idle connection and fails every waiter.
    func close() {
        let waiters = state.withLock { state in
            state.closed = true
            state.open -= state.idle.count
            state.idle.removeAll()
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: StorageError.unavailable(detail: "the MySQL pool is closed"))
        }
    }

    /// Opens a connection in a slot already counted as open; gives the slot back on failure.
    private func openConnection() async throws -> MySQLConnection {
        let settings = settings
        do {
            return try await threads.runIfActive { try MySQLConnection(settings: settings) }
        } catch {
            freeSlot()
            if let failure = error as? MySQLFailure { throw failure.storageError }
            throw StorageError.unavailable(detail: "\(error)")
        }
    }

    private func isAlive(_ connection: MySQLConnection) async throws -> Bool {
        guard ContinuousClock.now - connection.lastUsed > Self.pingAfterIdle else { return true }
        return try await threads.runIfActive { connection.ping() }
    }

    /// A slot became free: a waiter opens a connection in it, or the open count drops.
    private func freeSlot() {
        let waiter: Waiter? = state.withLock { state in
            if !state.closed, !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.open -= 1
            return nil
        }
        waiter?.continuation.resume(returning: .openSlot)
    }

    private func waitForGrant() async throws -> Grant {
        let timeout = Duration.seconds(settings.connectTimeoutSeconds)
        return try await withCheckedThrowingContinuation { continuation in
            let id = state.withLock { state in
                state.nextWaiterID += 1
                state.waiters.append(Waiter(id: state.nextWaiterID, continuation: continuation))
                return state.nextWaiterID
            }
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                self?.expire(waiter: id, after: timeout)
            }
        }
    }

    private func expire(waiter id: Int, after timeout: Duration) {
        let waiter: Waiter? = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: StorageError.unavailable(detail: "no free MySQL connection within \(timeout)"))
    }
}
