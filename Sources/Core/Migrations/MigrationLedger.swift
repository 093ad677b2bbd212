import Foundation

/// The table recording which versions are applied: `switchboard_migrations` (a name no CRM
/// uses; Rails and many others own `schema_migrations`). Releases before 0.3 recorded them in
/// `schema_migrations`; such a table, recognised by having exactly its four columns, is read
/// where it is and renamed by the next `up`.
///
/// Reading never writes: a database without either table is simply not migrated.
package struct MigrationLedger: Sendable {
    package static let table = "switchboard_migrations"
    package static let legacyTable = "schema_migrations"
    /// The columns of Switchboard's table, old or new; a `schema_migrations` with others (a
    /// Rails `version` table) is the CRM's and is left alone.
    static let columns: Set<String> = ["version", "name", "checksum", "applied_at"]

    /// One recorded version.
    package struct Row: Sendable, Equatable {
        package let version: String
        package let checksum: String
        package let appliedAt: Date
    }

    /// Where the versions are recorded now.
    package enum Place: Sendable, Equatable {
        /// Nowhere: Switchboard was never migrated into this database (namespace).
        case none
        case current
        /// The previous releases' `schema_migrations`, which `up` moves.
        case legacy
    }

    let driver: any StorageDriver

    package init(driver: any StorageDriver) {
        self.driver = driver
    }

    /// Where the versions are recorded, found by reading the catalogue.
    package func place() async throws -> Place {
        if try await !columns(of: Self.table).isEmpty { return .current }
        if try await columns(of: Self.legacyTable) == Self.columns { return .legacy }
        return .none
    }

    private func columns(of table: String) async throws -> Set<String> {
        Set(try await driver.query(driver.dialect.columnsQuery(of: table)).map { try $0.string("name").lowercased() })
    }

    /// The recorded versions in order, read without creating anything.
    package func rows() async throws -> [Row] {
        let table: String
        switch try await place() {
        case .none: return []
        case .current: table = Self.table
        case .legacy: table = Self.legacyTable
        }
        return try await driver.query("SELECT version, checksum, applied_at FROM \(unsafeRaw: table) ORDER BY version").map {
            Row(version: try $0.string("version"), checksum: try $0.string("checksum"), appliedAt: try $0.date("applied_at"))
        }
    }

    /// Makes sure `switchboard_migrations` exists: a previous release's `schema_migrations` is
    /// renamed to it (one statement, so nothing is left half-moved), else it is created.
    /// Returns how many recorded versions moved.
    @discardableResult
    package func prepare() async throws -> Int {
        let place = try await place()
        guard place != .current else { return 0 }
        let create = """
            CREATE TABLE \(Self.table) (
                version VARCHAR(16) PRIMARY KEY,
                name VARCHAR(255) NOT NULL,
                checksum VARCHAR(64) NOT NULL,
                applied_at VARCHAR(32) NOT NULL
            )
            """
        guard place == .legacy else {
            try await driver.executeScript(create)
            return 0
        }
        let moved = try await driver.first("SELECT COUNT(*) AS total FROM \(unsafeRaw: Self.legacyTable)")?.int("total") ?? 0
        try await driver.executeScript("ALTER TABLE \(Self.legacyTable) RENAME TO \(Self.table)")
        return moved
    }

    /// The statement recording `file` as applied now.
    func recordApplied(_ file: MigrationFile) -> SQLQuery {
        """
        INSERT INTO \(unsafeRaw: Self.table) (version, name, checksum, applied_at)
        VALUES (\(file.version), \(file.name), \(file.checksum), \(Timestamp.format(Date())))
        """
    }

    /// The statement forgetting `version`.
    func recordReverted(_ version: String) -> SQLQuery {
        "DELETE FROM \(unsafeRaw: Self.table) WHERE version = \(version)"
    }
}
