import Core
import Foundation
import StorageDrivers
import Testing

@Suite("Database URLs and SQL scripts")
struct DriverSettingsTests {
    @Test("Server URLs: host, port, credentials and database, percent-decoded")
    func serverLocation() throws {
        let url = try DatabaseURL("postgres://crm%40corp:p%2Fss@db.internal:6432/crm_main?schema=switchboard")
        let location = try url.serverLocation(defaultPort: 5432)
        #expect(location.host == "db.internal" && location.port == 6432)
        #expect(location.user == "crm@corp" && location.password == "p/ss" && location.database == "crm_main")
        #expect(try DatabaseURL("mysql://u@db/x").serverLocation(defaultPort: 3306).port == 3306)
        #expect(try DatabaseURL("mariadb://u:p@db/x").engine == .mysql)
    }

    @Test(
        "Bad server URLs are refused before connecting, with what to fix and no password",
        arguments: [
            ("postgres://u:hunter2@db/x?schema=Bad-Name", "schema must be a lower-case identifier"),
            ("postgres://u:hunter2@db/x?sslmode=always", "sslmode must be one of disable, prefer, require, verify-full"),
            ("postgres://u:hunter2@db/x?pool_size=0", "pool_size must be a whole number from 1 to 500"),
            ("postgres://u:hunter2@db/x?poolsize=3", "unknown postgres option 'poolsize'"),
            ("postgres://:hunter2@db/x", "needs a user name"),
            ("mysql://u:hunter2@db", "needs a database name"),
            ("mysql://u:hunter2@db/x?timeout=forever", "timeout must be a whole number"),
            ("mysql://u:hunter2@db/x?sslmode=prefer", "sslmode must be one of disable, require, verify-full"),
            ("mysql://u:hunter2@/x", "needs a host"),
        ])
    func refusedURLs(raw: String, message: String) {
        #expect {
            _ = try StorageDrivers.open(raw)
        } throws: { error in
            let text = "\(error)"
            return text.contains(message) && !text.contains("hunter2")
        }
    }

    @Test("Scripts split at statement ends, not inside quotes, dollar bodies or comments")
    func scriptSplitting() {
        let script = """
            -- leading comment; not a statement
            CREATE TABLE a (x text DEFAULT 'semi;colon');
            /* block; comment */
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            INSERT INTO "odd;name" VALUES ('it''s; fine');
            SELECT $1, $$a;b$$
            """
        #expect(
            SQLScript.statements(script) == [
                "-- leading comment; not a statement\nCREATE TABLE a (x text DEFAULT 'semi;colon')",
                "/* block; comment */\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
                "INSERT INTO \"odd;name\" VALUES ('it''s; fine')",
                "SELECT $1, $$a;b$$",
            ])
        #expect(SQLScript.statements("  ;\n-- only a comment\n").isEmpty)
    }
}
