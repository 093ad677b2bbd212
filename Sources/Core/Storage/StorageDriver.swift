import ServiceLifecycle

/// Something that runs statements: a driver's connection pool, or one open transaction.
public protocol SQLExecutor: Sendable {
    /// The SQL flavour statements must be written in.
    var dialect: SQLDialect { get }

    /// Runs a statement that returns rows.
    func query(_ query: SQLQuery) async throws -> [SQLRow]

    /// Runs a statement that changes data and returns how many rows it touched.
    @discardableResult
    func execute(_ query: SQLQuery) async throws -> Int

    /// Runs a script of one or more statements with no parameters (used by migrations).
    func executeScript(_ sql: String) async throws
}

/// An executor that can run many statements in one trip to the database.
public protocol SQLBatchExecutor: SQLExecutor {
    /// Runs the statements in order and returns the rows each touched.
    func executeBatch(_ queries: [SQLQuery]) async throws -> [Int]
}

/// A database that Core's stores run against. One implementation per database engine; Core
/// never sees which.
///
/// A driver is a `Service`: its `run()` keeps the pool alive until graceful shutdown, then
/// closes it.
public protocol StorageDriver: SQLExecutor, Service {
    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    ///
    /// Statements inside must go through the executor passed to `body`; using the driver
    /// itself there would run outside the transaction (and on SQLite wait for it forever).
    func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T

    /// Closes every connection. Called by `run()` on shutdown, and by tools that never run it.
    func close() async throws

    /// Creates the namespace Switchboard's tables live in when the database URL names one
    /// (PostgreSQL's `?schema=`). Called by the migrator before anything else.
    func prepareNamespace() async throws
}

extension StorageDriver {
    /// Most databases need no namespace of their own.
    public func prepareNamespace() async throws {}
}

extension SQLExecutor {
    /// Runs several data-changing statements in order and returns the rows each touched.
    /// Drivers that can send them in one round trip override `executeBatch`; this default
    /// runs them one by one.
    @discardableResult
    public func executeAll(_ queries: [SQLQuery]) async throws -> [Int] {
        if let batching = self as? any SQLBatchExecutor { return try await batching.executeBatch(queries) }
        var counts: [Int] = []
        for query in queries { counts.append(try await execute(query)) }
        return counts
    }

    /// The first row of a result, if any.
    public func first(_ query: SQLQuery) async throws -> SQLRow? {
        try await self.query(query).first
    }
}
