/// The differences between SQL databases that Switchboard's stores care about.
///
/// Stores are written once; where the text must differ they ask the dialect instead of
/// testing which driver they run on.
public struct SQLDialect: Sendable, Equatable {
    /// How bound parameters are written.
    public enum PlaceholderStyle: Sendable, Equatable {
        /// `$1`, `$2`, … (PostgreSQL).
        case dollarNumbered
        /// `?` for every parameter (SQLite, MySQL).
        case questionMark
    }

    /// How an insert that may collide with a unique key is turned into an update.
    public enum UpsertStyle: Sendable, Equatable {
        /// `ON CONFLICT (…) DO UPDATE SET col = excluded.col` (PostgreSQL, SQLite).
        case onConflict
        /// `ON DUPLICATE KEY UPDATE col = VALUES(col)` (MySQL, MariaDB).
        case onDuplicateKey
    }

    /// Short name used for the migrations folder: `sqlite`, `postgres` or `mysql`.
    public var name: String
    /// How parameters are written.
    public var placeholderStyle: PlaceholderStyle
    /// The character that opens and closes a quoted identifier.
    public var identifierQuote: Character
    /// Whether `INSERT/UPDATE … RETURNING` is available on this server version.
    public var supportsReturning: Bool
    /// How upserts are spelled.
    public var upsertStyle: UpsertStyle
    /// The clause appended to a `SELECT` that claims rows for one worker, or `nil` where the
    /// database serialises writers itself (SQLite).
    public var claimLockingClause: String?
    /// Whether DDL runs inside a transaction (false on MySQL, where DDL commits implicitly).
    public var supportsTransactionalDDL: Bool

    /// Creates a dialect description.
    public init(
        name: String,
        placeholderStyle: PlaceholderStyle,
        identifierQuote: Character,
        supportsReturning: Bool,
        upsertStyle: UpsertStyle,
        claimLockingClause: String?,
        supportsTransactionalDDL: Bool
    ) {
        self.name = name
        self.placeholderStyle = placeholderStyle
        self.identifierQuote = identifierQuote
        self.supportsReturning = supportsReturning
        self.upsertStyle = upsertStyle
        self.claimLockingClause = claimLockingClause
        self.supportsTransactionalDDL = supportsTransactionalDDL
    }

    /// The placeholder for the parameter at a 1-based position.
    public func placeholder(_ position: Int) -> String {
        switch placeholderStyle {
        case .dollarNumbered: "$\(position)"
        case .questionMark: "?"
        }
    }

    /// An identifier quoted for this dialect, with embedded quote characters doubled.
    public func quote(_ identifier: String) -> String {
        let quote = String(identifierQuote)
        return quote + identifier.replacingOccurrences(of: quote, with: quote + quote) + quote
    }

    /// SQLite 3.35+ as bundled by GRDB: `?` parameters, `RETURNING`, `ON CONFLICT`, and no row
    /// locks because a single writer at a time is the lock.
    public static let sqlite = SQLDialect(
        name: "sqlite",
        placeholderStyle: .questionMark,
        identifierQuote: "\"",
        supportsReturning: true,
        upsertStyle: .onConflict,
        claimLockingClause: nil,
        supportsTransactionalDDL: true
    )

    /// PostgreSQL 12+: `$n` parameters, `RETURNING`, `ON CONFLICT`, row locks that concurrent
    /// claimers skip, and DDL inside transactions.
    public static let postgres = SQLDialect(
        name: "postgres",
        placeholderStyle: .dollarNumbered,
        identifierQuote: "\"",
        supportsReturning: true,
        upsertStyle: .onConflict,
        claimLockingClause: "FOR UPDATE SKIP LOCKED",
        supportsTransactionalDDL: true
    )

    /// MySQL 8.0.1+ and MariaDB 10.6+ (the first versions with `SKIP LOCKED`): `?` parameters,
    /// `ON DUPLICATE KEY UPDATE`, no `UPDATE … RETURNING`, and DDL that commits by itself.
    public static let mysql = SQLDialect(
        name: "mysql",
        placeholderStyle: .questionMark,
        identifierQuote: "`",
        supportsReturning: false,
        upsertStyle: .onDuplicateKey,
        claimLockingClause: "FOR UPDATE SKIP LOCKED",
        supportsTransactionalDDL: false
    )

    /// Every dialect Switchboard ships migrations for.
    public static let all: [SQLDialect] = [.sqlite, .postgres, .mysql]
}
