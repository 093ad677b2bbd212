import Core
import Foundation
import SQLiteDriver

/// A fresh SQLite database file in its own temporary folder, migrated to the latest schema.
struct TestDatabase {
    let folder: URL
    let path: String
    let driver: SQLiteDriver

    /// The repository's `migrations` folder, found from this source file.
    static let migrations = MigrationDirectory(
        root: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("migrations")
    )

    /// Creates the folder and the database; migrates it unless `migrate` is false.
    static func make(migrate: Bool = true) async throws -> TestDatabase {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("test.sqlite").path
        let driver = try SQLiteDriver(path: path)
        if migrate {
            try await Migrator(driver: driver, files: try migrations.load(for: driver.dialect)).up()
        }
        return TestDatabase(folder: folder, path: path, driver: driver)
    }

    /// Closes the database and deletes its folder.
    func remove() async {
        try? await driver.close()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Every byte of the database files (main file and WAL), for scanning for plaintext.
    func rawBytes() throws -> Data {
        var data = Data()
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
            data.append(try Data(contentsOf: URL(fileURLWithPath: path + suffix)))
        }
        return data
    }
}

/// Runs `body` with a fresh database and removes it afterwards, also when `body` throws.
func withTestDatabase<T>(migrate: Bool = true, _ body: (TestDatabase) async throws -> T) async throws -> T {
    let database = try await TestDatabase.make(migrate: migrate)
    do {
        let result = try await body(database)
        await database.remove()
        return result
    } catch {
        await database.remove()
        throw error
    }
}
