import Server
import Core
import Foundation
import SQLiteDriver
import Testing

@Suite("Migrations")
struct MigratorTests {
    static let tables = ["api_key_quota_windows", "api_key_usage", "api_keys", "audit_logs", "console_sessions", "console_sign_in_links", "event_types", "events", "switchboard_outbox", "switchboard_outbox_rejected", "webhook_attempts", "webhook_deliveries", "webhook_stats_hourly", "webhook_stats_total", "webhooks"]

    @Test("up → down → up on a fresh database", arguments: TestDriverKind.all)
    func upDownUp(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind, migrate: false) { database in
            let files = try TestDatabase.migrations.load(for: database.driver.dialect)
            #expect(!files.isEmpty)
            let migrator = Migrator(driver: database.driver, files: files)
            #expect(try await migrator.status().allSatisfy { $0.state == .pending })

            #expect(try await migrator.up() == files.map(\.version))
            #expect(try await database.tableNames() == Self.tables)
            #expect(try await migrator.up().isEmpty)
            #expect(try await migrator.status().allSatisfy { $0.state == .applied })

            #expect(try await migrator.down(steps: files.count) == files.map(\.version).reversed())
            #expect(try await database.tableNames().isEmpty)
            #expect(try await migrator.pending().count == files.count)

            #expect(try await migrator.up() == files.map(\.version))
            #expect(try await database.tableNames() == Self.tables)
        }
    }

    @Test("An applied file whose checksum changed is refused", arguments: TestDriverKind.all)
    func checksumRefusal(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind, migrate: false) { database in
            let original = try TestDatabase.migrations.load(for: database.driver.dialect)
            try await Migrator(driver: database.driver, files: original).up()

            var edited = original
            let first = edited[0]
            edited[0] = MigrationFile(version: first.version, name: first.name, upSQL: first.upSQL + "\n-- edited", downSQL: first.downSQL)
            let migrator = Migrator(driver: database.driver, files: edited)
            #expect(try await migrator.status()[0].state == .changed)
            await #expect(throws: Migrator.ChecksumMismatch.self) { try await migrator.up() }
            await #expect(throws: Migrator.ChecksumMismatch.self) { try await migrator.down() }

            // A file that disappeared after being applied is refused as well.
            let missing = Migrator(driver: database.driver, files: [])
            #expect(try await missing.status().first?.state == .missingFile)
            await #expect(throws: Migrator.ChecksumMismatch.self) { try await missing.pending() }
        }
    }

    /// MySQL commits DDL statement by statement, so only databases with transactional DDL
    /// can promise this; there the migrator records each file only after it ran whole.
    @Test("A failing migration leaves nothing half-applied", arguments: TestDriverKind.all.filter { $0 != .mysql })
    func failingMigrationRollsBack(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind, migrate: false) { database in
            let files = [
                MigrationFile(version: "0001", name: "ok", upSQL: "CREATE TABLE a (x INTEGER);", downSQL: "DROP TABLE a;"),
                MigrationFile(version: "0002", name: "broken", upSQL: "CREATE TABLE b (x INTEGER); CREATE TABLE oops (;", downSQL: "DROP TABLE b;"),
            ]
            let migrator = Migrator(driver: database.driver, files: files)
            await #expect(throws: (any Error).self) { try await migrator.up() }
            let states = try await migrator.status().map(\.state)
            let tables = try await database.tableNames()
            #expect(states == [.applied, .pending])
            #expect(tables == ["a"])
        }
    }

    @Test("Every dialect folder ships the same versions with the same names")
    func versionListsMatch() throws {
        let lists = try SQLDialect.all.map { dialect in
            try TestDatabase.migrations.load(for: dialect).map { "\($0.version)_\($0.name)" }
        }
        #expect(!lists[0].isEmpty)
        for (dialect, list) in zip(SQLDialect.all, lists) {
            #expect(list == lists[0], "migrations/\(dialect.name) differs from migrations/sqlite")
        }
    }

    @Test("create writes the next version's up and down files")
    func create() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sqlite"), withIntermediateDirectories: true)
        let directory = MigrationDirectory(root: root)
        let first = try Migrator.create(name: "Add webhook feature!", in: directory, dialects: ["sqlite"])
        #expect(first.map { URL(fileURLWithPath: $0).lastPathComponent } == ["0001_add_webhook_feature.up.sql", "0001_add_webhook_feature.down.sql"])
        let second = try Migrator.create(name: "next", in: directory, dialects: ["sqlite"])
        #expect(second.first?.hasSuffix("0002_next.up.sql") == true)
        #expect(try directory.load(for: .sqlite).map(\.version) == ["0001", "0002"])
    }

    @Test("A database behind the shipped migrations is refused at start-up", arguments: TestDriverKind.all)
    func serverRefusesStaleSchema(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind, migrate: false) { database in
            await #expect(throws: ConfigurationError.self) {
                try await checkSchema(database.driver)
            }
            try await Migrator(driver: database.driver, files: try TestDatabase.migrations.load(for: database.driver.dialect)).up()
            try await checkSchema(database.driver)
        }
    }
}

private func checkSchema(_ driver: any StorageDriver) async throws {
    try await SwitchboardApp.requireCurrentSchema(driver: driver, migrations: TestDatabase.migrations)
}
