import Core
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The PostgreSQL driver: postgres-nio's `PostgresClient` pool, speaking the wire protocol
/// natively. The pool lives in `run()`: a server runs the driver around its service group,
/// tools and tests with `withRunning`.
package final class PostgresDriver: StorageDriver {
    package let dialect = SQLDialect.postgres
    let client: PostgresClient
    let settings: PostgresSettings
    let logger: Logger
    /// Fails statements left waiting on connections that closed.
    private let watches = ConnectionWatches()
    /// Open once `run()` starts the pool.
    private let started = StartGate()

    /// Creates the pool for a `postgres://` URL; connections open on first use.
    package init(url: DatabaseURL, logger: Logger = Logger(label: "switchboard.postgres")) throws {
        settings = try PostgresSettings(url)
        var logger = logger
        // The pool logs every reconnect attempt at info; during an outage the callers already
        // report `database unavailable`, so only its warnings and errors are kept.
        logger.logLevel = max(logger.logLevel, .warning)
        self.logger = logger
        client = PostgresClient(configuration: settings.configuration, backgroundLogger: logger)
    }

    package func query(_ query: SQLQuery) async throws -> [SQLRow] {
        try TransactionScope.checkOutside(self)
        return try await withConnection { try await self.executor(on: $0).query(query) }
    }

    @discardableResult
    package func execute(_ query: SQLQuery) async throws -> Int {
        try TransactionScope.checkOutside(self)
        return try await withConnection { try await self.executor(on: $0).execute(query) }
    }

    package func executeScript(_ sql: String) async throws {
        try TransactionScope.checkOutside(self)
        try await withConnection { try await self.executor(on: $0).executeScript(sql) }
    }

    /// Runs `body` between `BEGIN` and `COMMIT` on one pooled connection. A deadlock or
    /// serialization failure rolls the transaction back on the server; it is then run again
    /// (up to three times in all) before the failure is reported.
    ///
    /// Not `PostgresClient.withTransaction`: it sends `BEGIN`/`COMMIT` through postgres-nio's
    /// own waits, which never end when the connection closed just before (see
    /// `value(orFailureWhenClosed:)`), and the lease and query deadlines could then not end
    /// the transaction either. Here every statement goes through the watched executor.
    package func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await transaction(.durable, body)
    }

    /// A relaxed transaction commits with `synchronous_commit = off` (for this transaction
    /// only): the commit returns before its WAL record is flushed, which PostgreSQL's WAL
    /// writer does within a few hundred milliseconds; a database crash in between loses the
    /// commit, never the database's consistency.
    package func transaction<T: Sendable>(_ durability: CommitDurability, _ body: @Sendable (any SQLExecutor) async throws -> T)
        async throws -> T
    {
        // The lease deadline runs the body in a child task, which needs an escaping closure;
        // the task group ends before this call returns, so the body never outlives it.
        try TransactionScope.checkOutside(self)
        return try await withoutActuallyEscaping(body) { body in try await transaction(escaping: body, durability: durability) }
    }

    private func transaction<T: Sendable>(
        escaping body: @escaping @Sendable (any SQLExecutor) async throws -> T, durability: CommitDurability
    ) async throws -> T {
        var attempt = 1
        while true {
            let failures = FailureRecord()
            do {
                return try await withConnection { connection in
                    let executor = self.executor(on: connection, failures: failures)
                    try await executor.run("BEGIN")
                    if durability == .relaxed { try await executor.run("SET LOCAL synchronous_commit TO OFF") }
                    do {
                        let result = try await TransactionScope.inside(self) { try await body(executor) }
                        try await executor.run("COMMIT")
                        return result
                    } catch {
                        try? await executor.run("ROLLBACK")
                        throw error
                    }
                }
            } catch  where failures.lastWasRetryable && attempt < 3 {
                attempt += 1
                logger.debug("retrying transaction after a conflict", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Statements on a leased connection, watched so that its close ends every wait on it.
    private func executor(on connection: PostgresConnection, failures: FailureRecord = FailureRecord()) -> PostgresConnectionExecutor {
        PostgresConnectionExecutor(
            connection: connection, watch: watches.watch(id: connection.id, closeFuture: connection.closeFuture), logger: logger,
            failures: failures)
    }

    /// Creates the `?schema=` schema if the URL names one (called by the migrate tool).
    package func prepareNamespace() async throws {
        guard let schema = settings.schema else { return }
        // The name was checked to be a plain lower-case identifier, so it can be spliced.
        try await executeScript("CREATE SCHEMA IF NOT EXISTS \(schema)")
    }

    /// Holds one pooled connection for as long as it listens (the query deadline does not
    /// apply: listening is waiting). Notifications arrive only for committed transactions.
    package func listen(channel: String, onNotification: @escaping @Sendable () -> Void) async throws -> Bool {
        await started.wait()
        let logger = logger
        do {
            try await client.withConnection { connection in
                try await connection.listen(on: channel) { notifications in
                    for try await _ in notifications { onNotification() }
                }
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            logger.debug("LISTEN ended", metadata: ["channel": "\(channel)", "error": "\(error)"])
            throw PostgresValues.translate(error)
        }
        return true
    }

    /// Runs the pool until graceful shutdown (or cancellation), then closes its connections.
    package func run() async throws {
        let client = client
        let started = started
        await withDiscardingTaskGroup { group in
            group.addTask {
                started.open()
                await client.run()
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    /// Leases a connection for `body`. Waiting for a connection is bounded by the URL's
    /// `connect_timeout`: while the server is down the pool keeps trying to connect and a
    /// caller gets `unavailable` instead of waiting for ever. Once `body` has started it has
    /// `query_timeout` to finish; past it the connection is closed (the server rolls back
    /// whatever was open) and the caller gets `unavailable`. So no caller waits unbounded,
    /// whatever the server or the network does. Errors from `body` pass through unchanged.
    private func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let lease = LeaseState()
        let client = client
        let started = started
        let connectTimeout = settings.connectTimeout
        let queryTimeout = settings.queryTimeout
        let logger = logger
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    await started.wait()
                    return try await client.withConnection { connection in
                        guard lease.begin() else { throw CancellationError() }
                        do {
                            return try await withDeadline(queryTimeout) { try await body(connection) }
                        } catch is DeadlineExceeded {
                            logger.warning(
                                "closing a PostgreSQL connection that did not answer in time", metadata: ["timeout": "\(queryTimeout)"])
                            try? await withDeadline(.seconds(1)) { try await connection.close() }
                            throw BodyError(
                                underlying: StorageError.unavailable(
                                    detail: "no answer from PostgreSQL within \(queryTimeout) (query_timeout)"))
                        } catch {
                            throw BodyError(underlying: error)
                        }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: connectTimeout)
                    if lease.expire() {
                        throw StorageError.unavailable(detail: "no PostgreSQL connection within \(connectTimeout)")
                    }
                    return nil
                }
                while let result = try await group.next() {
                    if let value = result {
                        group.cancelAll()
                        return value
                    }
                }
                throw CancellationError()
            }
        } catch let error as BodyError {
            throw error.underlying
        } catch {
            throw PostgresValues.translate(error)
        }
    }
}

/// An error thrown by the caller's code on a leased connection, kept apart from the pool's.
private struct BodyError: Error {
    let underlying: any Error
}

/// The last server error seen on a connection, so a transaction can tell a deadlock or
/// serialization failure (worth running again) from other failures.
final class FailureRecord: Sendable {
    private let sqlState = Mutex<String?>(nil)

    func record(_ error: any Error) {
        sqlState.withLock { $0 = PostgresValues.sqlState(error) }
    }

    var lastWasRetryable: Bool {
        sqlState.withLock { $0.map(PostgresValues.retryableStates.contains) ?? false }
    }
}

/// Who got there first: the lease (the body starts) or the deadline.
final class LeaseState: Sendable {
    private let state = Mutex(0)

    /// Marks the body as started; false when the deadline already passed.
    func begin() -> Bool {
        state.withLock { value in
            guard value == 0 else { return false }
            value = 1
            return true
        }
    }

    /// Marks the deadline as passed; false when the body already started.
    func expire() -> Bool {
        state.withLock { value in
            guard value == 0 else { return false }
            value = 2
            return true
        }
    }
}

/// Statements on one leased connection; handed to transaction bodies. Errors come out as
/// Core's `StorageError`.
struct PostgresConnectionExecutor: SQLBatchExecutor {
    let connection: PostgresConnection
    let watch: ConnectionWatch
    let logger: Logger
    var failures = FailureRecord()
    var dialect: SQLDialect { .postgres }

    func query(_ query: SQLQuery) async throws -> [SQLRow] {
        try await translatingErrors {
            let result = try await connection.query(try PostgresValues.query(query), logger: logger).value(orFailureWhenClosed: watch)
            return try PostgresValues.rows(result.rows)
        }
    }

    @discardableResult
    func execute(_ query: SQLQuery) async throws -> Int {
        try await translatingErrors {
            try await connection.query(try PostgresValues.query(query), logger: logger).value(orFailureWhenClosed: watch).metadata.rows ?? 0
        }
    }

    /// Hands every statement to the connection before waiting for the first answer, so they
    /// run back to back in order without a task switch between them.
    func executeBatch(_ queries: [SQLQuery]) async throws -> [Int] {
        try await translatingErrors {
            let pending = try queries.map { connection.query(try PostgresValues.query($0), logger: logger) }
            var counts: [Int] = []
            for answer in pending { counts.append(try await answer.value(orFailureWhenClosed: watch).metadata.rows ?? 0) }
            return counts
        }
    }

    /// Runs the script's statements one after another on this connection (postgres-nio
    /// speaks only the extended protocol, which takes one statement at a time).
    func executeScript(_ sql: String) async throws {
        for statement in SQLScript.statements(sql) { try await run(statement) }
    }

    /// Runs one statement written by the program, without parameters.
    func run(_ statement: String) async throws {
        try await translatingErrors {
            _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).value(orFailureWhenClosed: watch)
        }
    }

    private func translatingErrors<T>(_ work: () async throws -> T) async throws -> T {
        // A statement written to a connection the server already closed may never be
        // answered (see `valueOrCancellation`); most such cases are caught here at once.
        guard !connection.isClosed else {
            throw StorageError.unavailable(detail: "the PostgreSQL connection was closed")
        }
        do {
            return try await work()
        } catch {
            failures.record(error)
            throw PostgresValues.translate(error)
        }
    }
}
