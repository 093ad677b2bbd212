import Core
import Foundation
import Testing

@Suite("Core values")
struct CoreValueTests {
    @Test("SQLQuery binds interpolated values and renders each dialect's placeholders")
    func queryRendering() {
        let id = UUID()
        let query: SQLQuery = "SELECT * FROM webhooks WHERE id = \(id) AND name = \("x'; DROP TABLE webhooks; --") LIMIT \(5)"
        #expect(query.sql(in: .sqlite) == "SELECT * FROM webhooks WHERE id = ? AND name = ? LIMIT ?")
        var postgres = SQLDialect.sqlite
        postgres.placeholderStyle = .dollarNumbered
        #expect(query.sql(in: postgres) == "SELECT * FROM webhooks WHERE id = $1 AND name = $2 LIMIT $3")
        #expect(query.binds == [.uuid(id), .text("x'; DROP TABLE webhooks; --"), .integer(5)])
        let list: SQLQuery = "IN (\(list: ["a", "b", "c"]))"
        #expect(list.sql(in: .sqlite) == "IN (?, ?, ?)")
    }

    @Test("WHERE clauses and chunked multi-row inserts")
    func queryBuilders() {
        #expect(SQLQuery.whereClause([]).sql(in: .sqlite) == "")
        let clause = SQLQuery.whereClause(["a = \(1)", "b = \("x")"])
        #expect(clause.sql(in: .sqlite) == " WHERE a = ? AND b = ?")
        #expect(clause.binds == [.integer(1), .text("x")])
        let rows: [SQLQuery] = (0..<5).map { "(\($0))" }
        let inserts = SQLQuery.multiRowInserts("INSERT INTO t (n) VALUES ", rows: rows, chunk: 2)
        #expect(
            inserts.map { $0.sql(in: .sqlite) } == [
                "INSERT INTO t (n) VALUES (?), (?)", "INSERT INTO t (n) VALUES (?), (?)", "INSERT INTO t (n) VALUES (?)",
            ])
        #expect(inserts.flatMap(\.binds) == (0..<5).map { .integer(Int64($0)) })
        #expect(SQLQuery.multiRowInserts("INSERT", rows: [], chunk: 2).isEmpty)
    }

    @Test("JSON round-trips compactly, in member order, like JSON.stringify")
    func jsonRoundTrip() throws {
        let text = #"{ "b": 1, "a": [true, null, 2.5, -0, 1e3, "x/y\"\u00e9\n"], "c": {} }"#
        let value = try JSONValue.parse(Array(text.utf8))
        #expect(value.compactText == #"{"b":1,"a":[true,null,2.5,0,1000,"x/y\"é\n"],"c":{}}"#)
        #expect(value["b"] == .number(1))
    }

    @Test(
        "JSON parser rejects malformed documents",
        arguments: [
            "", "{", "{\"a\":}", "[1,]", "{\"a\":1}x", "{\"a\":1,\"a\":2}", "01", "\"\\x\"", "nul", "\"\u{01}\"", "{'a':1}",
        ])
    func jsonRejects(_ text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test("JSON parser limits nesting depth")
    func jsonDepth() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array(deep.utf8)) }
    }

    @Test("Timestamps format in UTC with milliseconds and parse back")
    func timestamps() throws {
        let date = Date(timeIntervalSince1970: 1_800_000_000.123)
        let text = Timestamp.format(date)
        #expect(text == "2027-01-15T08:00:00.123Z")
        let parsed = try #require(Timestamp.parse(text))
        #expect(abs(parsed.timeIntervalSince(date)) < 0.001)
        #expect(Timestamp.parse("2027-01-01T00:00:00Z") != nil)
        #expect(Timestamp.parse("2027-01-01T02:00:00+02:00") == Timestamp.parse("2027-01-01T00:00:00Z"))
        #expect(Timestamp.parse("2027-01-01 00:00:00") == Timestamp.parse("2027-01-01T00:00:00Z"))
        #expect(Timestamp.parse("yesterday") == nil)
        #expect(Timestamp.parse("2026-11-29 17:57:53.123") == Timestamp.parse("2026-11-29T17:57:53.123Z"))
        #expect(Timestamp.parse("2026-02-29T00:00:00.000Z") == nil)
        #expect(Timestamp.parse("2028-02-29T00:00:00.000Z") != nil)
        #expect(Timestamp.parse("2026-13-01T00:00:00.000Z") == nil)
    }

    @Test("Accumulating upserts add sums and keep the later timestamp, per dialect")
    func accumulatingUpsert() {
        let postgres = SQLDialect.postgres.accumulatingUpsert(table: "t", conflictColumns: ["a", "b"], summed: ["n"], latest: ["at"])
        #expect(
            postgres
                == " ON CONFLICT (a, b) DO UPDATE SET n = t.n + excluded.n, at = COALESCE(GREATEST(t.at, excluded.at), t.at, excluded.at)")
        let sqlite = SQLDialect.sqlite.accumulatingUpsert(table: "t", conflictColumns: ["a"], summed: ["n"], latest: ["at"])
        #expect(sqlite == " ON CONFLICT (a) DO UPDATE SET n = t.n + excluded.n, at = COALESCE(MAX(t.at, excluded.at), t.at, excluded.at)")
        let mysql = SQLDialect.mysql.accumulatingUpsert(table: "t", conflictColumns: ["a"], summed: ["n", "m"])
        #expect(mysql == " ON DUPLICATE KEY UPDATE n = n + VALUES(n), m = m + VALUES(m)")
    }

    @Test("The hand-written timestamp form agrees with Foundation's calendar, 1900 to 2300")
    func timestampsAgreeWithFoundation() throws {
        let style = Date.ISO8601FormatStyle(timeZone: .gmt)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<5_000 {
            // A fixed linear congruential sequence: the same dates every run.
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let milliseconds = -2_208_988_800_000 + Int64(state >> 20) % 12_622_780_800_000
            let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
            let fraction = milliseconds - seconds * 1000
            let expected =
                String(style.format(Date(timeIntervalSince1970: TimeInterval(seconds))).dropLast())
                + "." + String(format: "%03d", Int(fraction)) + "Z"
            let date = Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
            #expect(Timestamp.format(date) == expected)
            #expect(Timestamp.parse(expected) == date)
        }
    }

    @Test(".env files: comments, quotes, export, and the environment wins")
    func dotEnv() throws {
        let values = try DotEnv.parse(
            """
            # comment
            export PORT=9090
            WEBHOOK_SECRET_KEY="quoted value # kept"
            HOST=0.0.0.0 # trailing comment

            LOG_LEVEL='debug'
            """)
        #expect(values == ["PORT": "9090", "WEBHOOK_SECRET_KEY": "quoted value # kept", "HOST": "0.0.0.0", "LOG_LEVEL": "debug"])
        #expect(throws: ConfigurationError.self) { try DotEnv.parse("NOT A PAIR") }
    }

    @Test(
        "DATABASE_URL schemes",
        arguments: [
            ("sqlite://./switchboard.sqlite", true), ("sqlite:///tmp/x.sqlite", true), ("postgres://u:p@h/db", true),
            ("mysql://u:p@h/db", true), ("redis://localhost", false), ("switchboard.sqlite", false), ("sqlite://", false),
        ])
    func databaseURLs(raw: String, valid: Bool) {
        #expect(((try? DatabaseURL(raw)) != nil) == valid)
    }

    @Test("DEBUG namespaces: wildcards, exclusions, separators, and logger labels")
    func debugNamespaces() {
        let all = DebugNamespaces("webhook:*")
        #expect(all.isEnabled("webhook:delivery") && all.isEnabled("webhook:cleanup"))
        #expect(!all.isEnabled("express:router"))
        let some = DebugNamespaces("webhook:*,-webhook:cleanup other")
        #expect(some.isEnabled("webhook:delivery") && !some.isEnabled("webhook:cleanup") && some.isEnabled("other"))
        #expect(DebugNamespaces("*").isEnabled("anything"))
        #expect(!DebugNamespaces("").isEnabled("webhook:delivery"))
        #expect(DebugNamespaces("web*:deli*").isEnabled("webhook:delivery"))
        #expect(!DebugNamespaces("webhook:d*y").isEnabled("webhook:delivery-x"))
        #expect(DebugNamespaces.namespace(forLoggerLabel: "switchboard.delivery") == "webhook:delivery")
        #expect(DebugNamespaces.namespace(forLoggerLabel: "switchboard") == "webhook:server")
    }

    @Test("Passwords are redacted from printed database URLs")
    func redaction() {
        #expect(DatabaseURL.redacted("postgres://user:hunter2@db:5432/crm") == "postgres://user:****@db:5432/crm")
        #expect(DatabaseURL.redacted("sqlite://./x.sqlite") == "sqlite://./x.sqlite")
    }

    @Test("Permissions: * grants everything, others only themselves")
    func permissions() {
        #expect([Permission.all].grants(.deleteWebhooks))
        #expect([Permission.readWebhooks].grants(.readWebhooks))
        #expect(![Permission.readWebhooks].grants(.writeWebhooks))
        #expect(Permission.allCases.count == 14)
    }

    @Test("Generated API keys have the documented shape and hash deterministically per secret")
    func keyMaterial() {
        let key = SecretMaterial.newAPIKey()
        #expect(SecretMaterial.looksLikeAPIKey(key))
        #expect(!SecretMaterial.looksLikeAPIKey("sbk_short"))
        #expect(!SecretMaterial.looksLikeAPIKey(String(key.dropFirst())))
        let a = SecretMaterial(serverSecret: "one-secret-value-123")
        let b = SecretMaterial(serverSecret: "another-secret-value")
        #expect(a.hash(apiKey: key) == a.hash(apiKey: key))
        #expect(a.hash(apiKey: key) != b.hash(apiKey: key))
        #expect(SecretMaterial.newWebhookSecret().hasPrefix("whsec_"))
    }
}
