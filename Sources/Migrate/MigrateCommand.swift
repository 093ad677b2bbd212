import ArgumentParser
import Core
import Foundation
import StorageDrivers

/// `switchboard-migrate`: applies, reverts, reports and creates schema versions for the
/// database `DATABASE_URL` names.
@main
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard-migrate",
        abstract: "Manage Switchboard's database schema (reads DATABASE_URL and MIGRATIONS_DIR, also from .env).",
        subcommands: [Up.self, Down.self, Status.self, Create.self]
    )
}

/// The environment with `.env` beneath it.
func environment() throws -> [String: String] {
    try DotEnv.merged()
}

/// Opens the database and reads its dialect's migration files, then runs `body`.
func withMigrator(_ body: (Migrator, any StorageDriver) async throws -> Void) async throws {
    let env = try environment()
    let raw = env["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? DatabaseURL.defaultValue
    // Errors are thrown as they are: each describes itself, and the argument parser prints
    // that description and exits non-zero.
    try await StorageDrivers.open(raw).withRunning { driver in
        let directory = MigrationDirectory.locate(environment: env)
        let files = try directory.load(for: driver.dialect)
        print("database: \(DatabaseURL.redacted(raw))")
        print("migrations: \(directory.folder(for: driver.dialect).path)")
        try await body(Migrator(driver: driver, files: files, log: { print($0) }), driver)
    }
}

extension MigrateCommand {
    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply every pending migration.")

        func run() async throws {
            try await withMigrator { migrator, _ in
                let applied = try await migrator.up()
                print("done: \(applied.count) migration(s) applied")
            }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Roll back the most recent migrations.")

        @Option(help: "How many versions to roll back.")
        var steps: Int = 1

        func validate() throws {
            guard steps >= 1 else { throw ValidationError("--steps must be 1 or more") }
        }

        func run() async throws {
            try await withMigrator { migrator, _ in
                let reverted = try await migrator.down(steps: steps)
                print("done: \(reverted.count) migration(s) rolled back")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every version and whether it is applied (reads only; changes nothing).")

        func run() async throws {
            try await withMigrator { migrator, driver in
                // Reads only: a look at a production database must not change it.
                switch try await MigrationLedger(driver: driver).place() {
                case .none:
                    print(
                        "not migrated: no Switchboard table here (nothing was changed); `switchboard-migrate up` checks for name clashes first, then creates them"
                    )
                case .legacy:
                    print(
                        "versions recorded in \(MigrationLedger.legacyTable) (a previous release's table); the next `switchboard-migrate up` moves them to \(MigrationLedger.table)"
                    )
                case .current:
                    break
                }
                let states = try await migrator.status()
                for state in states {
                    let applied = state.appliedAt.map { "  applied \(Timestamp.format($0))" } ?? ""
                    print(
                        "\(state.version)  \(state.state.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0))  \(state.name)\(applied)"
                    )
                }
                let pending = states.filter { $0.state == .pending }.count
                print(pending == 0 ? "schema is up to date" : "\(pending) pending: run `switchboard-migrate up`")
                if states.contains(where: { $0.state == .changed || $0.state == .missingFile }) {
                    throw ExitCode(2)
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write empty up/down files for a new version in every dialect folder.")

        @Argument(help: "What the migration does, e.g. add_webhook_feature.")
        var name: String

        func run() async throws {
            let directory = MigrationDirectory.locate(environment: try environment())
            let dialects = ["sqlite", "postgres", "mysql"].filter {
                FileManager.default.fileExists(atPath: directory.root.appendingPathComponent($0).path)
            }
            for path in try Migrator.create(name: name, in: directory, dialects: dialects.isEmpty ? ["sqlite"] : dialects) {
                print("created \(path)")
            }
        }
    }
}
