package import Core
import MySQLDriver
import PostgresDriver
import SQLiteDriver

/// Opens the driver a `DATABASE_URL` names. The one place that knows every concrete driver,
/// so the server and the migrate tool choose alike.
package enum StorageDrivers {
    /// Parses `raw` and opens a driver for it; throws a message naming what to fix when the
    /// URL cannot be used.
    package static func open(_ raw: String) throws -> any StorageDriver {
        try open(try DatabaseURL(raw))
    }

    /// Opens a driver for a parsed URL.
    package static func open(_ url: DatabaseURL) throws -> any StorageDriver {
        switch url.engine {
        case .sqlite: return try SQLiteDriver(url: url)
        case .postgres: return try PostgresDriver(url: url)
        case .mysql: return try MySQLDriver(url: url)
        }
    }
}
