import CMariaDB
import Core
import Foundation

/// One libmariadb connection and its prepared statements. Every method blocks, so it is only
/// called on the driver's thread pool, and only by the task that leased it from the pool:
/// the pool's lease is what makes sharing this class across threads safe.
final class MySQLConnection: @unchecked Sendable {
    private let handle: UnsafeMutablePointer<MYSQL>
    private var statements: [String: UnsafeMutablePointer<MYSQL_STMT>] = [:]
    /// When the connection last finished a statement, to decide whether to check it is alive.
    var lastUsed = ContinuousClock.now

    /// Statements kept prepared per connection; beyond this the cache starts over.
    static let statementCacheLimit = 256
    /// libmariadb's global state must be set up once, before connections open on many threads.
    private static let libraryReady: Bool = mysql_server_init(0, nil, nil) == 0

    /// Opens a connection with the session settings every statement relies on.
    init(settings: MySQLSettings) throws {
        guard Self.libraryReady, let handle = mysql_init(nil) else {
            throw StorageError.unavailable(detail: "libmariadb could not be initialised")
        }
        self.handle = handle
        var connectTimeout = UInt32(settings.connectTimeoutSeconds)
        var ioTimeout = UInt32(settings.ioTimeoutSeconds)
        mysql_options(handle, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
        mysql_options(handle, MYSQL_OPT_READ_TIMEOUT, &ioTimeout)
        mysql_options(handle, MYSQL_OPT_WRITE_TIMEOUT, &ioTimeout)
        mysql_options(handle, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        if settings.sslMode != .disable {
            var enforce: my_bool = 1
            mysql_options(handle, MYSQL_OPT_SSL_ENFORCE, &enforce)
            var verify: my_bool = settings.sslMode == .verifyFull ? 1 : 0
            mysql_options(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify)
        }
        // CLIENT_FOUND_ROWS (2): UPDATE reports matched rows, as PostgreSQL and SQLite do, not
        // only the rows whose values changed. CLIENT_MULTI_STATEMENTS (1 << 16): migration
        // scripts run whole; bound statements go through prepared statements, which never
        // accept more than one statement.
        let flags: UInt = 2 | (1 << 16)
        let location = settings.location
        guard
            mysql_real_connect(
                handle, location.host, location.user, location.password, settings.database,
                UInt32(location.port), nil, flags) != nil
        else {
            // Every stored property is set, so a throw runs deinit, which closes the handle.
            throw MySQLFailure(code: mysql_errno(handle), message: String(cString: mysql_error(handle)))
        }
        // UTC for any server-side time function; READ COMMITTED so concurrent claimers lock
        // only the rows they take (no gap locks); strict mode so an over-long value is an
        // error rather than silently cut.
        try script(
            """
            SET time_zone = '+00:00';
            SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED;
            SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION'
            """)
    }

    deinit {
        for statement in statements.values { mysql_stmt_close(statement) }
        mysql_close(handle)
    }

    /// Whether the server still answers on this connection.
    func ping() -> Bool {
        mysql_ping(handle) == 0
    }

    /// Runs a script of statements without parameters, reading and discarding any results.
    func script(_ sql: String) throws {
        defer { lastUsed = .now }
        let bytes = Array(sql.utf8)
        if mysql_real_query(handle, bytes, UInt(bytes.count)) != 0 { throw failure() }
        while true {
            if let result = mysql_store_result(handle) {
                mysql_free_result(result)
            } else if mysql_field_count(handle) != 0 {
                throw failure()
            }
            let next = mysql_next_result(handle)
            if next > 0 { throw failure() }
            if next < 0 { return }
        }
    }

    /// Runs one bound statement; rows for statements that return them, else the number of
    /// rows matched.
    func run(_ query: SQLQuery) throws -> (rows: [SQLRow], affected: Int) {
        defer { lastUsed = .now }
        let sql = query.sql(in: .mysql)
        do {
            return try run(sql: sql, binds: query.binds)
        } catch let error as MySQLFailure where error.code == 1615 {
            // "Prepared statement needs to be re-prepared" after a schema change.
            forget(sql)
            return try run(sql: sql, binds: query.binds)
        } catch let error as MySQLFailure {
            throw MySQLFailure(code: error.code, message: "\(error.message) [in: \(sql.prefix(80))…]")
        }
    }

    private func run(sql: String, binds: [SQLValue]) throws -> (rows: [SQLRow], affected: Int) {
        let statement = try prepared(sql)
        let parameters = MySQLParameters(binds)
        try parameters.withBinds { binds in
            if !binds.isEmpty, mysql_stmt_bind_param(statement, binds.baseAddress) != 0 { throw failure(statement) }
            if mysql_stmt_execute(statement) != 0 { throw failure(statement) }
        }
        guard let metadata = mysql_stmt_result_metadata(statement) else {
            return ([], Int(mysql_stmt_affected_rows(statement)))
        }
        defer {
            mysql_free_result(metadata)
            mysql_stmt_free_result(statement)
        }
        return (try MySQLResultReader(statement: statement, metadata: metadata).readAll(onError: failure), 0)
    }

    private func prepared(_ sql: String) throws -> UnsafeMutablePointer<MYSQL_STMT> {
        if let statement = statements[sql] { return statement }
        guard let statement = mysql_stmt_init(handle) else { throw failure() }
        let bytes = Array(sql.utf8)
        if mysql_stmt_prepare(statement, bytes, UInt(bytes.count)) != 0 {
            let error = failure(statement)
            mysql_stmt_close(statement)
            throw error
        }
        if statements.count >= Self.statementCacheLimit {
            for cached in statements.values { mysql_stmt_close(cached) }
            statements.removeAll(keepingCapacity: true)
        }
        statements[sql] = statement
        return statement
    }

    private func forget(_ sql: String) {
        if let statement = statements.removeValue(forKey: sql) { mysql_stmt_close(statement) }
    }

    private func failure() -> MySQLFailure {
        MySQLFailure(code: mysql_errno(handle), message: String(cString: mysql_error(handle)))
    }

    /// The statement's error, or the connection's when the error arrived while rows were
    /// being read (libmariadb then records it on the connection only).
    private func failure(_ statement: UnsafeMutablePointer<MYSQL_STMT>) -> MySQLFailure {
        let code = mysql_stmt_errno(statement)
        guard code == 0 else { return MySQLFailure(code: code, message: String(cString: mysql_stmt_error(statement))) }
        let connectionCode = mysql_errno(handle)
        guard connectionCode == 0 else { return failure() }
        return MySQLFailure(
            code: 0, message: "statement failed without an error number (sqlstate \(String(cString: mysql_stmt_sqlstate(statement))))")
    }
}

/// An error the server or the connector reported, with its MySQL error number.
struct MySQLFailure: Error, Sendable, CustomStringConvertible {
    let code: UInt32
    let message: String

    var description: String { "MySQL error \(code): \(message)" }

    /// The connection can no longer be used: refused, lost, timed out or killed.
    var isConnectionLost: Bool {
        // 2002/2003 cannot connect, 2006 gone away, 2013 lost during query, 2026 TLS, 2055 lost
        // at handshake, 1053 server shutting down, 1927 connection killed, 4031 idle timeout.
        [2002, 2003, 2005, 2006, 2013, 2026, 2055, 1053, 1927, 4031].contains(code)
    }

    /// Deadlock or lock-wait timeout: the transaction was (or must be) rolled back and may be rerun.
    var isRetryable: Bool { code == 1213 || code == 1205 }

    /// Core's error for this failure: lost connections and overload become `unavailable`.
    var storageError: StorageError {
        switch code {
        case 1062: .uniqueViolation(detail: message)
        case _ where isConnectionLost || isRetryable || code == 1040 || code == 1203:
            .unavailable(detail: description)
        default: .driver(detail: description)
        }
    }
}
