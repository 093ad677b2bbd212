import Foundation

/// A parsed `DATABASE_URL`.
///
/// `sqlite://./switchboard.sqlite` and `sqlite:///abs/path.sqlite` name a file (relative
/// paths are relative to the working directory); `sqlite::memory:` is not offered because
/// the migrate tool and the server must see the same data.
package struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// The engine named by the URL's scheme.
    package enum Engine: String, Sendable {
        case sqlite
        case postgres
        case mysql
    }

    /// The default when `DATABASE_URL` is unset.
    package static let defaultValue = "sqlite://./switchboard.sqlite"

    /// The engine to use.
    package let engine: Engine
    /// The URL as given.
    package let raw: String
    /// For SQLite, the file path; empty for server databases.
    package let path: String
    /// Query parameters (`?name=value&…`), e.g. `synchronous` for SQLite.
    package let options: [String: String]

    /// Parses a URL; throws with a message naming the schemes that work.
    package init(_ raw: String) throws {
        self.raw = raw
        guard let schemeEnd = raw.range(of: "://") else {
            throw StorageError.invalidURL(
                "'\(DatabaseURL.redacted(raw))' has no scheme; use sqlite://PATH (e.g. \(DatabaseURL.defaultValue))")
        }
        let scheme = raw[..<schemeEnd.lowerBound].lowercased()
        let rest = String(raw[schemeEnd.upperBound...])
        var options: [String: String] = [:]
        if let question = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                options[String(parts[0])] = parts.count == 2 ? String(parts[1]).removingPercentEncoding ?? String(parts[1]) : ""
            }
        }
        self.options = options
        switch scheme {
        case "sqlite", "sqlite3":
            let path = rest.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
            guard !path.isEmpty else {
                throw StorageError.invalidURL("sqlite URL needs a file path, e.g. \(DatabaseURL.defaultValue)")
            }
            self.engine = .sqlite
            self.path = path.removingPercentEncoding ?? path
        case "postgres", "postgresql":
            self.engine = .postgres
            self.path = ""
        case "mysql", "mariadb":
            self.engine = .mysql
            self.path = ""
        default:
            throw StorageError.invalidURL("unknown scheme '\(scheme)'; use sqlite://, postgres:// or mysql://")
        }
    }

    package var description: String { DatabaseURL.redacted(raw) }

    /// The URL with any password replaced, safe to print.
    package static func redacted(_ raw: String) -> String {
        guard let schemeEnd = raw.range(of: "://"), let at = raw[schemeEnd.upperBound...].firstIndex(of: "@") else {
            return raw
        }
        let credentials = raw[schemeEnd.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return raw }
        return String(raw[..<colon]) + ":****" + String(raw[at...])
    }
}
