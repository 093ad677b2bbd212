import Core
import Foundation
import GRDB
import ServiceLifecycle

/// The embedded driver: one SQLite file in WAL mode through a GRDB `DatabasePool`, so reads
/// run on their own connections while the single writer works.
package final class SQLiteDriver: StorageDriver {
    package let dialect = SQLDialect.sqlite
    let pool: DatabasePool
    let durability: Durability
    let gate = AsyncWriteGate()
    /// Runs statements on the single writer connection; only used while holding `gate`.
    let writer: SQLiteWriterConnection

    /// How hard SQLite works to survive a power cut (`PRAGMA synchronous`).
    package enum Durability: String, Sendable {
        /// Every commit is flushed to disk before it returns (SQLite's FULL): an accepted
        /// event survives a power cut. The default.
        case full
        /// Commits survive a crash of Switchboard but the last ones may be lost on a power cut
        /// (SQLite's NORMAL in WAL mode); much faster on slow disks.
        case normal
    }

    /// Opens (and creates if needed) the database file at `path`, creating its folder too.
    package init(path: String, durability: Durability = .full) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        self.durability = durability
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // Several processes (server, migrate tool) may share the file; wait rather than fail.
        configuration.busyMode = .timeout(10)
        // Transactions span several hops to the writer connection; the write gate keeps
        // them whole, so GRDB may leave one open between hops.
        configuration.allowsUnsafeTransactions = true
        configuration.label = "switchboard"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        }
        do {
            pool = try DatabasePool(path: url.path, configuration: configuration)
        } catch {
            throw StorageError.unavailable(detail: "cannot open SQLite database at \(url.path): \(error)")
        }
        writer = SQLiteWriterConnection(pool: pool, dialect: dialect)
    }

    /// Opens the file a `sqlite://` URL names; `?synchronous=normal` trades power-cut
    /// durability for speed (see `Durability`).
    package convenience init(url: DatabaseURL) throws {
        let option = url.options["synchronous"]?.lowercased() ?? "full"
        guard let durability = Durability(rawValue: option) else {
            throw StorageError.invalidURL("synchronous must be full or normal, not '\(option)'")
        }
        try self.init(path: url.path, durability: durability)
    }

    package func query(_ query: SQLQuery) async throws -> [SQLRow] {
        try TransactionScope.checkOutside(self)
        let sql = query.sql(in: dialect)
        let arguments = SQLiteValues.arguments(query)
        do {
            return try await pool.read { db in
                SQLiteValues.rows(try Row.fetchAll(try db.cachedStatement(sql: sql), arguments: arguments))
            }
        } catch {
            throw SQLiteValues.translate(error)
        }
    }

    /// A single statement is atomic on its own, so it runs on the writer connection without
    /// an explicit transaction, but still through the gate so it cannot land inside one.
    @discardableResult
    package func execute(_ query: SQLQuery) async throws -> Int {
        try TransactionScope.checkOutside(self)
        let writer = writer
        return try await gate.withGate { try await writer.execute(query) }
    }

    /// A script may hold several statements; it runs in a transaction so it applies whole.
    package func executeScript(_ sql: String) async throws {
        try await transaction { try await $0.executeScript(sql) }
    }

    package func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await transaction(.durable, body)
    }

    /// A relaxed transaction commits with `synchronous = NORMAL`: in WAL mode the commit is
    /// written to the log without waiting for the disk (several milliseconds per commit on
    /// common virtual disks), and the next durable commit's flush covers it, since the log
    /// is written in order.
    package func transaction<T: Sendable>(_ durability: CommitDurability, _ body: @Sendable (any SQLExecutor) async throws -> T)
        async throws -> T
    {
        try TransactionScope.checkOutside(self)
        let writer = writer
        let pool = pool
        let relax = durability == .relaxed && self.durability == .full
        return try await gate.withGate {
            try await writer.run(relax ? "PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE" : "BEGIN IMMEDIATE")
            do {
                let result = try await TransactionScope.inside(self) { try await body(writer) }
                try await writer.run(relax ? "COMMIT; PRAGMA synchronous = FULL" : "COMMIT")
                return result
            } catch {
                // The rollback must happen even when the surrounding task was cancelled, so it
                // runs in a task of its own.
                try? await Task {
                    try await pool.writeWithoutTransaction { db in
                        if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
                        if relax { try db.execute(sql: "PRAGMA synchronous = FULL") }
                    }
                }.value
                throw error
            }
        }
    }

    /// Closes the database file's connections (after `run()` ends).
    func close() async throws {
        try pool.close()
    }

    package func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }
}

/// Statements on the writer connection. Handed to transaction bodies, where each statement
/// runs inside the transaction the driver opened; also the driver's path for single writes.
/// Statements are prepared once and cached by GRDB, and a batch runs in one hop to the
/// writer's queue.
struct SQLiteWriterConnection: SQLBatchExecutor {
    let pool: DatabasePool
    let dialect: SQLDialect

    func run(_ sql: String) async throws {
        do {
            try await pool.writeWithoutTransaction { db in try db.execute(sql: sql) }
        } catch {
            throw SQLiteValues.translate(error)
        }
    }

    func query(_ query: SQLQuery) async throws -> [SQLRow] {
        let sql = query.sql(in: dialect)
        let arguments = SQLiteValues.arguments(query)
        do {
            return try await pool.writeWithoutTransaction { db in
                SQLiteValues.rows(try Row.fetchAll(try db.cachedStatement(sql: sql), arguments: arguments))
            }
        } catch {
            throw SQLiteValues.translate(error)
        }
    }

    @discardableResult
    func execute(_ query: SQLQuery) async throws -> Int {
        let sql = query.sql(in: dialect)
        let arguments = SQLiteValues.arguments(query)
        do {
            return try await pool.writeWithoutTransaction { db in
                try db.cachedStatement(sql: sql).execute(arguments: arguments)
                return db.changesCount
            }
        } catch {
            throw SQLiteValues.translate(error)
        }
    }

    func executeBatch(_ queries: [SQLQuery]) async throws -> [Int] {
        let prepared = queries.map { ($0.sql(in: dialect), SQLiteValues.arguments($0)) }
        do {
            return try await pool.writeWithoutTransaction { db in
                try prepared.map { sql, arguments in
                    try db.cachedStatement(sql: sql).execute(arguments: arguments)
                    return db.changesCount
                }
            }
        } catch {
            throw SQLiteValues.translate(error)
        }
    }

    func executeScript(_ sql: String) async throws {
        try await run(sql)
    }
}
