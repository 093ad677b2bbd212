/// The differences between SQL databases that Switchboard's stores care about.
///
/// Stores are written once; where the text must differ they ask the dialect instead of
/// testing which driver they run on.
package struct SQLDialect: Sendable, Equatable {
    /// How bound parameters are written.
    package enum PlaceholderStyle: Sendable, Equatable {
        /// `$1`, `$2`, … (PostgreSQL).
        case dollarNumbered
        /// `?` for every parameter (SQLite, MySQL).
        case questionMark
    }

    /// How an insert that may collide with a unique key is turned into an update.
    package enum UpsertStyle: Sendable, Equatable {
        /// `ON CONFLICT (…) DO UPDATE SET col = excluded.col` (PostgreSQL, SQLite).
        case onConflict
        /// `ON DUPLICATE KEY UPDATE col = VALUES(col)` (MySQL, MariaDB).
        case onDuplicateKey
    }

    /// How a point in time is stored.
    package enum TimestampStorage: Sendable, Equatable {
        /// ISO-8601 text in UTC with milliseconds (SQLite), which sorts in time order.
        case isoText
        /// `timestamptz` (PostgreSQL).
        case timestampWithTimeZone
        /// `DATETIME(3)` holding UTC (MySQL, MariaDB; sessions run with time_zone '+00:00').
        case utcDatetime
    }

    /// Short name used for the migrations folder: `sqlite`, `postgres` or `mysql`.
    package var name: String
    /// How parameters are written.
    package var placeholderStyle: PlaceholderStyle
    /// How upserts are spelled.
    package var upsertStyle: UpsertStyle
    /// The clause appended to a `SELECT` that claims rows for one worker, or `nil` where the
    /// database serialises writers itself (SQLite).
    package var claimLockingClause: String?
    /// The clause that locks the rows a `SELECT` reads, before updating them, until the
    /// transaction ends, or nil where transactions already run one at a time (SQLite's single
    /// writer). PostgreSQL's `FOR NO KEY UPDATE` is the lock its own `UPDATE` of non-key
    /// columns takes: it excludes other updaters as `FOR UPDATE` does but not the `KEY SHARE`
    /// lock a foreign-key check takes, so publishes inserting deliveries that reference a
    /// webhook do not queue behind a recording that holds the webhook's row.
    package var rowLockClause: String?
    /// Whether DDL runs inside a transaction (false on MySQL, where DDL commits implicitly).
    package var supportsTransactionalDDL: Bool
    /// How timestamps are stored.
    package var timestampStorage: TimestampStorage
    /// The function giving the larger of its arguments (`MAX` as a scalar on SQLite).
    package var greatestFunction: String
    /// The function giving the smaller of its arguments (`MIN` as a scalar on SQLite).
    package var leastFunction: String
    /// What turns a statement into a request for its query plan (`EXPLAIN`, SQLite's
    /// `EXPLAIN QUERY PLAN`).
    package var explainPrefix: String
    /// The index hint a `DELETE` of rows listed by primary key needs, if any (see
    /// `deleteByPrimaryKey(from:)`).
    package var primaryKeyDeleteHint: String?
    /// Whether rows that each get their own values are better written by one statement for
    /// many rows (`CASE id WHEN … THEN …`) than by one statement per row. True for the
    /// servers, where each statement is parsed, planned and answered over the network;
    /// false for SQLite, in process with its statements compiled once and cached, where a
    /// statement per row costs microseconds and the `CASE` form would scan its `WHEN` list
    /// for every row it writes.
    package var batchesRowUpdates: Bool

    /// The head of a `DELETE` of rows listed by primary key (`… WHERE id IN (…)`). MariaDB
    /// plans such a statement on a small table (an outbox being drained, say) as a full scan,
    /// and a scanning `DELETE` locks every row it passes, rows another transaction holds
    /// included: two servers each deleting the rows they claimed wait for each other and
    /// deadlock. Forcing the primary key keeps each to its own rows.
    package func deleteByPrimaryKey(from table: String) -> String {
        primaryKeyDeleteHint.map { "DELETE \(table) FROM \(table) \($0)" } ?? "DELETE FROM \(table)"
    }

    /// Creates a dialect description.
    package init(
        name: String,
        placeholderStyle: PlaceholderStyle,
        upsertStyle: UpsertStyle,
        claimLockingClause: String?,
        supportsTransactionalDDL: Bool,
        timestampStorage: TimestampStorage,
        greatestFunction: String,
        leastFunction: String,
        explainPrefix: String = "EXPLAIN",
        primaryKeyDeleteHint: String? = nil,
        rowLockClause: String? = nil,
        batchesRowUpdates: Bool = true
    ) {
        self.batchesRowUpdates = batchesRowUpdates
        self.rowLockClause = rowLockClause
        self.explainPrefix = explainPrefix
        self.primaryKeyDeleteHint = primaryKeyDeleteHint
        self.timestampStorage = timestampStorage
        self.greatestFunction = greatestFunction
        self.leastFunction = leastFunction
        self.name = name
        self.placeholderStyle = placeholderStyle
        self.upsertStyle = upsertStyle
        self.claimLockingClause = claimLockingClause
        self.supportsTransactionalDDL = supportsTransactionalDDL
    }

    /// The placeholder for the parameter at a 1-based position.
    package func placeholder(_ position: Int) -> String {
        switch placeholderStyle {
        case .dollarNumbered: "$\(position)"
        case .questionMark: "?"
        }
    }

    /// SQL giving the UTC hour of the timestamp `column` as `YYYY-MM-DDTHH`, the key hourly
    /// statistics are stored under (`StatsHour.key`).
    package func utcHourKey(_ column: String) -> String {
        switch timestampStorage {
        case .isoText: "substr(\(column), 1, 13)"
        case .timestampWithTimeZone: "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')"
        case .utcDatetime: "DATE_FORMAT(\(column), '%Y-%m-%dT%H')"
        }
    }

    /// SQLite 3.35+ as bundled by GRDB: `?` parameters, `ON CONFLICT`, and no row
    /// locks because a single writer at a time is the lock.
    package static let sqlite = SQLDialect(
        name: "sqlite",
        placeholderStyle: .questionMark,
        upsertStyle: .onConflict,
        claimLockingClause: nil,
        supportsTransactionalDDL: true,
        timestampStorage: .isoText,
        greatestFunction: "MAX",
        leastFunction: "MIN",
        explainPrefix: "EXPLAIN QUERY PLAN",
        batchesRowUpdates: false
    )

    /// PostgreSQL 12+: `$n` parameters, `ON CONFLICT`, row locks that concurrent
    /// claimers skip, and DDL inside transactions.
    package static let postgres = SQLDialect(
        name: "postgres",
        placeholderStyle: .dollarNumbered,
        upsertStyle: .onConflict,
        claimLockingClause: "FOR UPDATE SKIP LOCKED",
        supportsTransactionalDDL: true,
        timestampStorage: .timestampWithTimeZone,
        greatestFunction: "GREATEST",
        leastFunction: "LEAST",
        rowLockClause: "FOR NO KEY UPDATE"
    )

    /// MySQL 8.0.1+ and MariaDB 10.6+ (the first versions with `SKIP LOCKED`): `?` parameters,
    /// `ON DUPLICATE KEY UPDATE`, and DDL that commits by itself.
    package static let mysql = SQLDialect(
        name: "mysql",
        placeholderStyle: .questionMark,
        upsertStyle: .onDuplicateKey,
        claimLockingClause: "FOR UPDATE SKIP LOCKED",
        supportsTransactionalDDL: false,
        timestampStorage: .utcDatetime,
        greatestFunction: "GREATEST",
        leastFunction: "LEAST",
        primaryKeyDeleteHint: "FORCE INDEX (PRIMARY)",
        rowLockClause: "FOR UPDATE"
    )

    /// Every dialect Switchboard ships migrations for.
    package static let all: [SQLDialect] = [.sqlite, .postgres, .mysql]
}
