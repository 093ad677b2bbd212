import Core
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The MySQL/MariaDB driver over libmariadb (Connector/C). Its calls block, so every one runs
/// on a thread pool of the driver's own, sized to the connection pool, and never on Swift's
/// cooperative threads (two on this machine: one blocking call would stall half the server).
package final class MySQLDriver: StorageDriver {
    package let dialect = SQLDialect.mysql
    let pool: MySQLPool
    let threads: NIOThreadPool

    /// Creates the pool for a `mysql://` or `mariadb://` URL; connections open on first use.
    package init(url: DatabaseURL) throws {
        let settings = try MySQLSettings(url)
        threads = NIOThreadPool(numberOfThreads: settings.poolSize)
        threads.start()
        pool = MySQLPool(settings: settings, threads: threads)
    }

    package func query(_ query: SQLQuery) async throws -> [SQLRow] {
        try await withSession { try await $0.query(query) }
    }

    @discardableResult
    package func execute(_ query: SQLQuery) async throws -> Int {
        try await withSession { try await $0.execute(query) }
    }

    package func executeScript(_ sql: String) async throws {
        try await withSession { try await $0.executeScript(sql) }
    }

    /// Runs `body` between `START TRANSACTION` and `COMMIT` on one connection. A deadlock or
    /// lock-wait timeout rolls the transaction back; it is then run again (up to three times
    /// in all) before the failure is reported.
    package func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try TransactionScope.checkOutside(self)
        var attempt = 1
        while true {
            let session = MySQLSession(connection: try await pool.lease(), threads: threads)
            do {
                try await session.executeScript("START TRANSACTION")
                let result = try await TransactionScope.inside(self) { try await body(session) }
                try await session.executeScript("COMMIT")
                pool.release(session.connection, reusable: true)
                return result
            } catch {
                let failure = session.lastFailure
                let reusable = failure?.isConnectionLost != true
                if reusable { try? await session.executeScript("ROLLBACK") }
                pool.release(session.connection, reusable: reusable && session.lastFailure?.isConnectionLost != true)
                guard failure?.isRetryable == true, attempt < 3 else { throw error }
                attempt += 1
            }
        }
    }

    /// Closes every connection and stops the driver's threads (after `run()` ends).
    func close() async throws {
        pool.close()
        try await threads.shutdownGracefully()
    }

    package func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }

    private func withSession<T: Sendable>(_ body: (MySQLSession) async throws -> T) async throws -> T {
        try TransactionScope.checkOutside(self)
        let session = MySQLSession(connection: try await pool.lease(), threads: threads)
        do {
            let result = try await body(session)
            pool.release(session.connection, reusable: true)
            return result
        } catch {
            pool.release(session.connection, reusable: session.lastFailure?.isConnectionLost != true)
            throw error
        }
    }
}

/// Statements on one leased connection, each run on the driver's thread pool. Handed to
/// transaction bodies; remembers the last server error so the driver can tell a lost
/// connection or a deadlock from other failures.
struct MySQLSession: SQLBatchExecutor {
    let connection: MySQLConnection
    let threads: NIOThreadPool
    private let failure = FailureBox()
    var dialect: SQLDialect { .mysql }

    init(connection: MySQLConnection, threads: NIOThreadPool) {
        self.connection = connection
        self.threads = threads
    }

    var lastFailure: MySQLFailure? { failure.value.withLock { $0 } }

    func query(_ query: SQLQuery) async throws -> [SQLRow] {
        try await blocking { connection in try connection.run(query).rows }
    }

    @discardableResult
    func execute(_ query: SQLQuery) async throws -> Int {
        try await blocking { connection in try connection.run(query).affected }
    }

    func executeScript(_ sql: String) async throws {
        try await blocking { connection in try connection.script(sql) }
    }

    /// Every statement in one trip to the thread pool (still one round trip each to the server).
    func executeBatch(_ queries: [SQLQuery]) async throws -> [Int] {
        try await blocking { connection in try queries.map { try connection.run($0).affected } }
    }

    private func blocking<T: Sendable>(_ work: @escaping @Sendable (MySQLConnection) throws -> T) async throws -> T {
        let connection = connection
        do {
            return try await threads.runIfActive { try work(connection) }
        } catch let error as MySQLFailure {
            failure.value.withLock { $0 = error }
            throw error.storageError
        } catch {
            throw StorageError.unavailable(detail: "\(error)")
        }
    }

    final class FailureBox: Sendable {
        let value = Mutex<MySQLFailure?>(nil)
    }
}
