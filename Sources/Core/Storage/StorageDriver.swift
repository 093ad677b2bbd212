import ServiceLifecycle

/// Something that runs statements: a driver's connection pool, or one open transaction.
package protocol SQLExecutor: Sendable {
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
package protocol SQLBatchExecutor: SQLExecutor {
    /// Runs the statements in order and returns the rows each touched.
    func executeBatch(_ queries: [SQLQuery]) async throws -> [Int]
}

/// A database that Core's stores run against. One implementation per database engine; Core
/// never sees which.
///
/// A driver is a `Service`: its `run()` does the pool's background work (PostgreSQL's client
/// lives there) until graceful shutdown or cancellation, then closes every connection. A
/// server runs it around its service group; tools and tests use `withRunning`.
package protocol StorageDriver: SQLExecutor, Service {
    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    ///
    /// Statements inside must go through the executor passed to `body`; using the driver
    /// itself there throws at once (it would run outside the transaction, and on SQLite wait
    /// for it for ever).
    func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T

    /// Runs `body` in one transaction whose commit may be less durable than the default:
    /// `.relaxed` commits survive a crash of Switchboard or of the database process, but the
    /// last ones may be lost on a power cut or an operating-system crash. For the delivery
    /// engine's own bookkeeping (leases, attempt outcomes), where a lost commit means a
    /// delivery is sent again, which at-least-once delivery allows; never for accepting an
    /// event. A later durable commit makes every earlier one durable too.
    func transaction<T: Sendable>(_ durability: CommitDurability, _ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T

    /// Creates the namespace Switchboard's tables live in when the database URL names one
    /// (PostgreSQL's `?schema=`). Called by the migrator before anything else.
    func prepareNamespace() async throws

    /// Calls `onNotification` whenever a committed transaction announces something on
    /// `channel` (PostgreSQL's `LISTEN`/`NOTIFY`), until cancelled or the connection is lost
    /// (then it throws, and the caller listens again). Returns false at once on databases
    /// that cannot announce; their changes are found by polling.
    func listen(channel: String, onNotification: @escaping @Sendable () -> Void) async throws -> Bool
}

/// How hard a transaction's commit works to survive a power cut.
package enum CommitDurability: Sendable {
    /// Flushed to disk before the commit returns (each database's default).
    case durable
    /// Handed to the operating system, flushed with the next durable commit or soon after.
    case relaxed
}

extension StorageDriver {
    /// Databases without a cheaper commit run every transaction durably.
    package func transaction<T: Sendable>(_ durability: CommitDurability, _ body: @Sendable (any SQLExecutor) async throws -> T)
        async throws -> T
    {
        try await transaction(body)
    }

    /// Most databases need no namespace of their own.
    package func prepareNamespace() async throws {}

    /// Most databases cannot announce changes.
    package func listen(channel: String, onNotification: @escaping @Sendable () -> Void) async throws -> Bool { false }

    /// Runs `body` while the driver runs, then stops it (closing its connections), also when
    /// `body` throws: the way to use a driver outside a service group.
    package func withRunning<T>(_ body: (Self) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.run() }
            defer { group.cancelAll() }
            return try await body(self)
        }
    }
}

/// Marks the task running a transaction's body, so a call on the driver itself from inside
/// it fails at once instead of running outside the transaction (or, on SQLite, waiting for
/// it for ever).
package enum TransactionScope {
    @TaskLocal static var driver: ObjectIdentifier?

    /// Runs `body` marked as inside a transaction of `driver`.
    package static func inside<T>(_ driver: AnyObject, _ body: () async throws -> T) async rethrows -> T {
        try await $driver.withValue(ObjectIdentifier(driver)) { try await body() }
    }

    /// Throws when called from inside a transaction of `driver`.
    package static func checkOutside(_ driver: AnyObject) throws {
        if let current = Self.driver, current == ObjectIdentifier(driver) {
            throw StorageError.driver(
                detail:
                    "a statement was run on the driver inside one of its transactions; use the executor passed to the transaction's body")
        }
    }
}

extension SQLExecutor {
    /// Runs several data-changing statements in order and returns the rows each touched.
    /// Drivers that can send them in one round trip override `executeBatch`; this default
    /// runs them one by one.
    @discardableResult
    package func executeAll(_ queries: [SQLQuery]) async throws -> [Int] {
        if let batching = self as? any SQLBatchExecutor { return try await batching.executeBatch(queries) }
        var counts: [Int] = []
        for query in queries { counts.append(try await execute(query)) }
        return counts
    }

    /// The first row of a result, if any.
    package func first(_ query: SQLQuery) async throws -> SQLRow? {
        try await self.query(query).first
    }
}
