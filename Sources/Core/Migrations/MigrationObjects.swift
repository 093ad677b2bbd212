import Foundation

/// The named objects a migration script creates and drops (`CREATE TABLE events`, `DROP INDEX
/// x`), read from its statements, so that `up` can check them against what the database holds
/// before changing anything. Pure: tested without a database.
package struct MigrationObjects: Sendable, Equatable {
    /// One object: its kind (`table`, `index`, …) and its name, lower case.
    package struct Object: Sendable, Hashable, CustomStringConvertible {
        package let kind: String
        package let name: String

        package init(kind: String, name: String) {
            self.kind = kind
            self.name = name.lowercased()
        }

        package var description: String { "\(kind) \(name)" }
    }

    package var created: [Object] = []
    package var dropped: [Object] = []

    /// `CREATE [OR REPLACE] [UNIQUE] [MATERIALIZED] TABLE | INDEX [CONCURRENTLY] | TRIGGER |
    /// FUNCTION | PROCEDURE | VIEW | SEQUENCE | TYPE`, optionally `DEFINER=…` and `IF NOT
    /// EXISTS`, with a name that may be quoted and schema-qualified (the last part counts); and
    /// their `DROP … [IF EXISTS]`. An unnamed `CREATE INDEX ON …` creates nothing to check.
    private static let name = #"(?:[`"]?[A-Za-z_][A-Za-z0-9_$]*[`"]?\.)?[`"]?([A-Za-z_][A-Za-z0-9_$]*)[`"]?"#
    private static let kinds = "TABLE|INDEX|TRIGGER|FUNCTION|PROCEDURE|VIEW|SEQUENCE|TYPE"
    private static let create = try! NSRegularExpression(
        pattern: #"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:UNIQUE\s+)?(?:MATERIALIZED\s+)?("# + kinds
            + #")\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?!ON\s)"# + name,
        options: [.caseInsensitive])
    private static let drop = try! NSRegularExpression(
        pattern: #"^\s*DROP\s+(?:MATERIALIZED\s+)?("# + kinds + #")\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?"# + name,
        options: [.caseInsensitive])

    /// The objects of a script, statement by statement.
    package init(script: String) {
        for statement in SQLScript.statements(script) {
            let text = Self.withoutComments(statement)
            let range = NSRange(text.startIndex..., in: text)
            if let match = Self.create.firstMatch(in: text, range: range) {
                created.append(Self.object(match, in: text))
            } else if let match = Self.drop.firstMatch(in: text, range: range) {
                dropped.append(Self.object(match, in: text))
            }
        }
    }

    private static func object(_ match: NSTextCheckingResult, in text: String) -> Object {
        Object(
            kind: String(text[Range(match.range(at: 1), in: text)!]).lowercased(), name: String(text[Range(match.range(at: 2), in: text)!]))
    }

    /// A statement without its `--` comment lines and `/* … */` comments (the splitter keeps them).
    private static func withoutComments(_ statement: String) -> String {
        let lines = statement.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
            .joined(separator: "\n")
        return lines.replacingOccurrences(of: #"(?s)/\*.*?\*/"#, with: " ", options: [.regularExpression])
    }
}

/// What `up` found in the way: objects its pending migrations would create that exist and are
/// not Switchboard's, with the version that creates each.
package struct MigrationCollision: Error, Sendable, CustomStringConvertible {
    package let objects: [(object: MigrationObjects.Object, version: String)]
    /// The database's name (`postgres`, `mysql`, `sqlite`), for the way out.
    package let dialect: String

    package var description: String {
        let list = objects.map { "\($0.object) (created by migration \($0.version))" }.joined(separator: ", ")
        let way =
            switch dialect {
            case "postgres":
                "give Switchboard a schema of its own: add ?schema=switchboard to DATABASE_URL (the migrate tool creates it); the CRM's tables stay where they are"
            case "mysql":
                "give Switchboard a database of its own on the same server (CREATE DATABASE switchboard) and point DATABASE_URL at it; the CRM can still write outbox rows in its own transaction with INSERT INTO switchboard.switchboard_outbox …"
            default:
                "give Switchboard a database file of its own"
            }
        return
            "nothing was changed: this database already has \(list), which Switchboard did not create. Do not drop them (they are likely the CRM's); instead \(way)"
    }
}
