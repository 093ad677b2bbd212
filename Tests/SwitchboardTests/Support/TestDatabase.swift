import Core
import Foundation
import MySQLDriver
import PostgresDriver
import SQLiteDriver
import Testing

/// The databases the conformance tests run against. PostgreSQL and MariaDB are real servers
/// reached through `TEST_POSTGRES_URL` / `TEST_MYSQL_URL` (`make test` starts both).
enum TestDriverKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres, mysql

    var testDescription: String { rawValue }

    /// The environment variable holding the server's URL, for the server drivers.
    var environmentVariable: String? {
        switch self {
        case .sqlite: nil
        case .postgres: "TEST_POSTGRES_URL"
        case .mysql: "TEST_MYSQL_URL"
        }
    }

    var serverURL: String? {
        environmentVariable.flatMap { ProcessInfo.processInfo.environment[$0] }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The kinds to run: all three under `CI=true` (a missing URL then fails the test that
    /// needs it), else SQLite plus each server whose URL is set; the ones left out are
    /// named on stderr so nothing is skipped silently.
    static let all: [TestDriverKind] = {
        if ProcessInfo.processInfo.environment["CI"] == "true" { return allCases }
        let available = allCases.filter { $0 == .sqlite || $0.serverURL != nil }
        for kind in allCases where !available.contains(kind) {
            FileHandle.standardError.write(
                Data("note: \(kind) conformance tests not run: \(kind.environmentVariable!) is unset (make test sets it)\n".utf8))
        }
        return available
    }()
}

/// A fresh, migrated database of one kind: a SQLite file in a temporary folder, a PostgreSQL
/// schema of its own (through `?schema=`), or a MariaDB database of its own.
struct TestDatabase {
    let kind: TestDriverKind
    /// The `DATABASE_URL` that reaches this database.
    let url: String
    let driver: any StorageDriver
    /// The SQLite file, for tests that read its bytes.
    let path: String?
    /// Removes what the test created while the driver still runs (PostgreSQL's schema).
    fileprivate let cleanupWhileRunning: @Sendable () async -> Void
    /// Removes what is left once the driver stopped (the SQLite folder, the MariaDB database).
    fileprivate let cleanupAfterStop: @Sendable () async -> Void

    /// The repository's `migrations` folder, found from this source file.
    static let migrations = MigrationDirectory(
        root: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("migrations")
    )

    /// Creates the database (its driver not yet running).
    static func create(_ kind: TestDriverKind) async throws -> TestDatabase {
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        switch kind {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let path = folder.appendingPathComponent("test.sqlite").path
            let driver = try SQLiteDriver(path: path)
            return TestDatabase(kind: kind, url: "sqlite://\(path)", driver: driver, path: path, cleanupWhileRunning: {}) {
                try? FileManager.default.removeItem(at: folder)
            }
        case .postgres:
            let url = withOption(try requireServerURL(kind), "schema=\(name)&pool_size=4")
            let driver = try PostgresDriver(url: try DatabaseURL(url))
            return TestDatabase(
                kind: kind, url: url, driver: driver, path: nil,
                cleanupWhileRunning: {
                    try? await driver.executeScript("DROP SCHEMA IF EXISTS \(name) CASCADE")
                }, cleanupAfterStop: {})
        case .mysql:
            let base = try requireServerURL(kind)
            let adminURL = try DatabaseURL(withOption(base, "pool_size=1"))
            try await MySQLDriver(url: adminURL).withRunning { admin in
                try await admin.executeScript("CREATE DATABASE \(name) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            }
            let url = withOption(replacingDatabase(in: base, with: name), "pool_size=4")
            let driver = try MySQLDriver(url: try DatabaseURL(url))
            return TestDatabase(kind: kind, url: url, driver: driver, path: nil, cleanupWhileRunning: {}) {
                try? await MySQLDriver(url: adminURL).withRunning { admin in
                    try await admin.executeScript("DROP DATABASE IF EXISTS \(name)")
                }
            }
        }
    }

    /// Every byte of a SQLite database's files (main file and WAL), for scanning for plaintext.
    func rawBytes() throws -> Data {
        let path = try #require(path, "rawBytes reads SQLite files only")
        var data = Data()
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
            data.append(try Data(contentsOf: URL(fileURLWithPath: path + suffix)))
        }
        return data
    }

    /// The names of Switchboard's tables (without `switchboard_migrations`), sorted.
    func tableNames() async throws -> [String] {
        let query: SQLQuery =
            switch kind {
            case .sqlite:
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'switchboard_migrations' ORDER BY name"
            case .postgres:
                "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'switchboard_migrations' ORDER BY table_name"
            case .mysql:
                "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'switchboard_migrations' ORDER BY table_name"
            }
        // Sorted here: MySQL's information_schema collation orders `_` before letters.
        return try await driver.query(query).map { try $0.string("name") }.sorted()
    }

    private static func requireServerURL(_ kind: TestDriverKind) throws -> String {
        guard let url = kind.serverURL else {
            throw TestDatabaseMissing(kind: kind)
        }
        return url
    }

    private static func withOption(_ url: String, _ option: String) -> String {
        url + (url.contains("?") ? "&" : "?") + option
    }

    private static func replacingDatabase(in url: String, with name: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + name
        return components.string ?? url
    }
}

/// A server driver's tests ran (under `CI=true`) without the server's URL.
struct TestDatabaseMissing: Error, CustomStringConvertible {
    let kind: TestDriverKind
    var description: String {
        "\(kind.environmentVariable ?? kind.rawValue) is not set: run the suite with `make test`, which starts PostgreSQL and MariaDB"
    }
}

/// Runs `body` with a fresh database (migrated unless `migrate` is false) whose driver runs
/// meanwhile, and removes the database afterwards, also when `body` throws.
func withTestDatabase<T>(_ kind: TestDriverKind = .sqlite, migrate: Bool = true, _ body: (TestDatabase) async throws -> T) async throws -> T
{
    let database = try await TestDatabase.create(kind)
    do {
        let result = try await database.driver.withRunning { driver in
            do {
                if migrate {
                    try await Migrator(driver: driver, files: try TestDatabase.migrations.load(for: driver.dialect)).up()
                }
                let result = try await body(database)
                await database.cleanupWhileRunning()
                return result
            } catch {
                await database.cleanupWhileRunning()
                throw error
            }
        }
        await database.cleanupAfterStop()
        return result
    } catch {
        await database.cleanupAfterStop()
        throw error
    }
}
