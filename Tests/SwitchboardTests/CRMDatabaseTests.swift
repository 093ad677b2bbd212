import Core
import Foundation
import MySQLDriver
import Testing

/// Migrating into a CRM's own database, shaped like real ones: Rails' `schema_migrations`
/// (one `version` column), a calendar `events` table, the CRM's `contacts`. Looking never
/// changes anything, a name clash stops `up` before any change, the previous releases'
/// migration table moves, and nothing half-done blocks the next `up`.
@Suite("Migrating into a CRM's database")
struct CRMDatabaseTests {
    /// The CRM's own tables, as its framework made them.
    static func createCRM(_ driver: any StorageDriver, calendar: Bool) async throws {
        // PostgreSQL tests live in a schema of their own (?schema=): the CRM's tables go there too.
        try await driver.prepareNamespace()
        try await driver.executeScript("CREATE TABLE schema_migrations (version VARCHAR(255) NOT NULL PRIMARY KEY)")
        try await driver.execute("INSERT INTO schema_migrations (version) VALUES ('20240101000000'), ('20240202000000')")
        try await driver.executeScript("CREATE TABLE contacts (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(100))")
        if calendar {
            try await driver.executeScript(
                "CREATE TABLE events (id INTEGER NOT NULL PRIMARY KEY, title VARCHAR(100), starts_at VARCHAR(32))")
        }
    }

    /// Every object of the namespace, with its kind, sorted.
    static func catalog(_ driver: any StorageDriver) async throws -> [String] {
        try await driver.query(SQLQuery(stringLiteral: driver.dialect.catalogQuery)).map {
            "\(try $0.string("kind")) \(try $0.string("name"))"
        }.sorted()
    }

    static func railsVersions(_ driver: any StorageDriver) async throws -> [String] {
        try await driver.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.string("version") }
    }

    @Test("status on a database Switchboard never migrated says so and changes nothing, not even the schema", arguments: TestDriverKind.all)
    func statusReadsOnly(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind, migrate: false) { database in
            let driver = database.driver
            let migrator = Migrator(driver: driver, files: try TestDatabase.migrations.load(for: driver.dialect))
            if kind == .postgres {
                // ?schema= names a schema that does not exist yet: a look must not create it.
                #expect(try await migrator.status().allSatisfy { $0.state == .pending })
                #expect(
                    try await driver.first("SELECT current_schema() AS name")?.optionalString("name") == nil, "the schema was not created")
            }
            try await Self.createCRM(driver, calendar: true)
            let before = try await Self.catalog(driver)
            #expect(try await MigrationLedger(driver: driver).place() == .none, "Rails' schema_migrations is not Switchboard's")
            // Nor is one with Switchboard's four columns and more: only exactly its shape is.
            try await driver.executeScript("ALTER TABLE schema_migrations ADD COLUMN name VARCHAR(255)")
            try await driver.executeScript("ALTER TABLE schema_migrations ADD COLUMN checksum VARCHAR(64)")
            try await driver.executeScript("ALTER TABLE schema_migrations ADD COLUMN applied_at VARCHAR(32)")
            try await driver.executeScript("ALTER TABLE schema_migrations ADD COLUMN deployed_by VARCHAR(32)")
            #expect(try await MigrationLedger(driver: driver).place() == .none, "four matching columns and a fifth: the CRM's")
            #expect(try await migrator.status().allSatisfy { $0.state == .pending })
            #expect(try await migrator.appliedVersions().isEmpty)
            #expect(try await migrator.pending().count == migrator.status().count)
            #expect(try await Self.catalog(driver) == before, "nothing created")
        }
    }

    @Test(
        "up refuses a CRM table with one of Switchboard's names before any change, naming it and the way out", arguments: TestDriverKind.all
    )
    func collisionRefused(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind, migrate: false) { database in
            let driver = database.driver
            try await Self.createCRM(driver, calendar: true)
            let before = try await Self.catalog(driver)
            let migrator = Migrator(driver: driver, files: try TestDatabase.migrations.load(for: driver.dialect))
            await #expect {
                try await migrator.up()
            } throws: { error in
                guard let collision = error as? MigrationCollision else { return false }
                let text = collision.description
                let wayOut =
                    switch kind {
                    case .postgres: "?schema="
                    case .mysql: "database of its own"
                    case .sqlite: "file of its own"
                    }
                return collision.objects.map(\.object.name) == ["events"] && collision.objects.first?.version == "0001"
                    && text.contains("nothing was changed") && text.contains("table events") && text.contains(wayOut)
            }
            #expect(try await Self.catalog(driver) == before, "no table, index or ledger was created")
            #expect(try await Self.railsVersions(driver) == ["20240101000000", "20240202000000"])
        }
    }

    @Test("beside Rails' own schema_migrations, up installs every table and leaves the CRM's alone", arguments: TestDriverKind.all)
    func besideRails(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind, migrate: false) { database in
            let driver = database.driver
            try await Self.createCRM(driver, calendar: false)
            let files = try TestDatabase.migrations.load(for: driver.dialect)
            let migrator = Migrator(driver: driver, files: files)
            #expect(try await migrator.up() == files.map(\.version))
            #expect(try await migrator.status().allSatisfy { $0.state == .applied })
            #expect(try await Self.railsVersions(driver) == ["20240101000000", "20240202000000"], "the CRM's migration table is untouched")
            #expect(try await database.tableNames() == (MigratorTests.tables + ["contacts", "schema_migrations"]).sorted())
            #expect(try await migrator.down(steps: files.count).count == files.count)
            #expect(try await database.tableNames() == ["contacts", "schema_migrations"])
        }
    }

    @Test(
        "a database migrated by a previous release (schema_migrations) is read where it is, then moved by up with its data intact",
        arguments: TestDriverKind.all)
    func legacyLedgerMoves(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind, migrate: false) { database in
            let driver = database.driver
            let files = try TestDatabase.migrations.load(for: driver.dialect)
            let previous = files.filter { $0.version < "0012" }
            try await Migrator(driver: driver, files: previous).up()
            // As the previous release left it: its versions in schema_migrations, and its data.
            try await driver.executeScript("ALTER TABLE switchboard_migrations RENAME TO schema_migrations")
            let webhook = UUID()
            let now = Date()
            try await driver.execute(
                """
                INSERT INTO webhooks (id, name, url, events, is_active, consecutive_failures, created_at, updated_at)
                VALUES (\(webhook), \("kept"), \("https://example.com/hook"), \("[\"*\"]"), \(true), \(0), \(now), \(now))
                """)
            let migrator = Migrator(driver: driver, files: files)
            #expect(try await MigrationLedger(driver: driver).place() == .legacy)
            let before = try await Self.catalog(driver)
            let newer = files.filter { $0.version >= "0012" }.map(\.version)
            #expect(try await migrator.status().map(\.state) == previous.map { _ in .applied } + newer.map { _ in .pending })
            #expect(try await Self.catalog(driver) == before, "status changed nothing")

            #expect(try await migrator.up() == newer)
            #expect(try await MigrationLedger(driver: driver).place() == .current)
            #expect(try await migrator.status().allSatisfy { $0.state == .applied })
            #expect(try await database.tableNames() == MigratorTests.tables, "schema_migrations was Switchboard's and is gone")
            #expect(try await driver.first("SELECT name FROM webhooks WHERE id = \(webhook)")?.string("name") == "kept")
        }
    }

    @Test(
        "on MariaDB, Switchboard in a database of its own beside the CRM's: the CRM's transaction writes the outbox across databases, a trigger included",
        arguments: TestDriverKind.all.filter { $0 == .mysql })
    func separateDatabaseOutbox(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            let switchboard = try #require(URLComponents(string: server.database.url)?.path.dropFirst()).split(separator: "?").first.map(
                String.init)!
            let crmName = "crm_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
            let base = try #require(TestDriverKind.mysql.serverURL)
            var components = try #require(URLComponents(string: base))
            components.path = "/" + switchboard
            try await server.database.driver.executeScript("CREATE DATABASE \(crmName) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            components.path = "/" + crmName
            let crm = try MySQLDriver(
                url: try DatabaseURL(components.string! + (components.string!.contains("?") ? "&" : "?") + "pool_size=2"))
            try await crm.withRunning { crm in
                try await crm.executeScript("CREATE TABLE contacts (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(100))")
                try await crm.executeScript(
                    """
                    CREATE TRIGGER contacts_to_switchboard AFTER INSERT ON contacts FOR EACH ROW
                    INSERT INTO \(switchboard).switchboard_outbox (event_type, data) VALUES ('contact.created', JSON_OBJECT('id', NEW.id, 'name', NEW.name))
                    """)
                struct RolledBack: Error {}
                // Committed: the contact and its outbox row together.
                _ = try await crm.transaction { try await $0.execute("INSERT INTO contacts (id, name) VALUES (1, 'Ada')") }
                // Rolled back: neither.
                await #expect(throws: RolledBack.self) {
                    try await crm.transaction { transaction in
                        try await transaction.execute("INSERT INTO contacts (id, name) VALUES (2, 'Bob')")
                        throw RolledBack()
                    }
                }
                // The README's explicit form, without a trigger.
                _ = try await crm.transaction { transaction in
                    try await transaction.execute("UPDATE contacts SET name = 'Ada L.' WHERE id = 1")
                    try await transaction.execute(
                        SQLQuery(
                            stringLiteral:
                                "INSERT INTO \(switchboard).switchboard_outbox (event_type, data) VALUES ('contact.updated', '{\"id\":1}')")
                    )
                }
                try await crm.executeScript("DROP DATABASE \(crmName)")
            }
            let relay = OutboxRelay(driver: server.database.driver, catalog: server.components.catalog)
            #expect(try await relay.relayOnce() == OutboxRelay.Pass(published: 2))
            let types = try await server.database.driver.query("SELECT type, payload FROM events ORDER BY created_at, type").map {
                try $0.string("type")
            }
            #expect(types.sorted() == ["contact.created", "contact.updated"])
            #expect(
                try await server.database.driver.first("SELECT payload FROM events WHERE type = 'contact.created'")?.string("payload")
                    == #"{"id":1,"name":"Ada"}"#)
        }
    }
}
