public import Core
import SQLiteDriver

/// Opens the driver a `DATABASE_URL` names. The one place that knows every concrete driver,
/// so the server and the migrate tool choose alike.
public enum StorageDrivers {
    /// Parses `raw` and opens a driver for it; throws a message naming the supported schemes
    /// when there is no driver for the URL's scheme.
    public static func open(_ raw: String) throws -> any StorageDriver {
        let url = try DatabaseURL(raw)
        switch url.engine {
        case .sqlite:
            return try SQLiteDriver(url: url)
        case .postgres, .mysql:
            throw StorageError.invalidURL("no driver for \(url.engine.rawValue) in this build; use a sqlite:// URL")
        }
    }
}
