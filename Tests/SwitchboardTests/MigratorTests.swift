import Server
import Core
import Foundation
import SQLiteDriver
import Testing

@Suite("Migrations")
struct MigratorTests {
    static let tables = [
        "api_key_quota_windows", "api_key_usage", "api_keys", "audit_logs", "console_sessions", "console_sign_in_links", "event_types",
        "events", "switchboard_outbox", "switchboard_outbox_rejected", "webhook_attempts", "webhook_deliveries", "webhook_stats_hourly",
        "webhook_stats_total", "webhooks",
    ]

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

    /// On MySQL, which commits DDL statement by statement, the statements that ran are undone
    /// with the version's down script; elsewhere the transaction is rolled back. Either way the
    /// next `up` is not blocked by leftovers.
    @Test("A failing migration leaves nothing half-applied, and the next up is not blocked", arguments: TestDriverKind.all)
    func failingMigrationRollsBack(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind, migrate: false) { database in
            let ok = MigrationFile(version: "0001", name: "ok", upSQL: "CREATE TABLE a (x INTEGER);", downSQL: "DROP TABLE a;")
            // Its down script also drops `e`, which it did not create (someone else's table): the
            // undo must leave it.
            let broken = MigrationFile(
                version: "0002", name: "broken", upSQL: "CREATE TABLE b (x INTEGER); CREATE TABLE c (x INTEGER); CREATE TABLE oops (;",
                downSQL: "DROP TABLE e; DROP TABLE c; DROP TABLE b;")
            let migrator = Migrator(driver: database.driver, files: [ok, broken])
            try await Migrator(driver: database.driver, files: [ok]).up()
            try await database.driver.executeScript("CREATE TABLE e (x INTEGER)")
            await #expect(throws: (any Error).self) { try await migrator.up() }
            let states = try await migrator.status().map(\.state)
            let tables = try await database.tableNames()
            #expect(states == [.applied, .pending])
            #expect(tables == ["a", "e"], "what the run created is gone; what it did not create stays")
            try await database.driver.executeScript("DROP TABLE e")
            let fixed = MigrationFile(
                version: "0002", name: "broken", upSQL: "CREATE TABLE b (x INTEGER); CREATE TABLE c (x INTEGER);", downSQL: broken.downSQL)
            #expect(try await Migrator(driver: database.driver, files: [ok, fixed]).up() == ["0002"])
            #expect(try await database.tableNames() == ["a", "b", "c"])
        }
    }

    @Test("the objects a script creates and drops are read from its statements")
    func objects() {
        let objects = MigrationObjects(
            script: """
                -- a comment; with a semicolon
                CREATE TABLE events (id TEXT);
                create unique index IF NOT EXISTS events_idx ON events (id);
                CREATE OR REPLACE FUNCTION notify_it() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;
                CREATE TRIGGER `t1` AFTER INSERT ON events FOR EACH ROW SELECT 1;
                DROP INDEX IF EXISTS old_idx;
                INSERT INTO events VALUES ('CREATE TABLE not_this');
                CREATE TABLE IF NOT EXISTS public."webhooks" (id TEXT);
                CREATE INDEX CONCURRENTLY IF NOT EXISTS hooks_idx ON webhooks (id);
                CREATE INDEX ON webhooks (id);
                /* a note */ CREATE DEFINER=`root`@`%` TRIGGER t2 AFTER INSERT ON webhooks FOR EACH ROW SELECT 1;
                CREATE MATERIALIZED VIEW totals AS SELECT 1;
                CREATE TYPE state AS ENUM ('a');
                DROP TABLE IF EXISTS sb.`outbox`;
                """)
        #expect(
            objects.created.map(\.description) == [
                "table events", "index events_idx", "function notify_it", "trigger t1", "table webhooks", "index hooks_idx", "trigger t2",
                "view totals", "type state",
            ])
        #expect(objects.dropped.map(\.description) == ["index old_idx", "table outbox"])
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
        #expect(
            first.map { URL(fileURLWithPath: $0).lastPathComponent } == [
                "0001_add_webhook_feature.up.sql", "0001_add_webhook_feature.down.sql",
            ])
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
