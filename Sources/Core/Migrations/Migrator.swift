import Foundation

/// Applies and reverts schema versions and records them in `schema_migrations`.
///
/// Each version runs in its own transaction where the dialect allows DDL in transactions;
/// on MySQL, where DDL commits by itself, progress is still recorded after each file so a
/// failure leaves a clear point to resume from.
package struct Migrator: Sendable {
    /// The state of one version, as `status` reports it.
    package struct VersionStatus: Sendable, Equatable {
        package enum State: String, Sendable {
            case applied
            case pending
            /// Applied, but the file's checksum no longer matches what was applied.
            case changed
            /// Recorded as applied, but its file is gone.
            case missingFile = "missing file"
        }

        package let version: String
        package let name: String
        package let state: State
        package let appliedAt: Date?
    }

    /// A file that was changed after it was applied, or removed.
    package struct ChecksumMismatch: Error, Sendable, CustomStringConvertible {
        package let versions: [String]
        package var description: String {
            "migration(s) \(versions.joined(separator: ", ")) changed or disappeared after being applied; "
                + "restore the original files (add a new migration instead of editing an applied one)"
        }
    }

    let driver: any StorageDriver
    let files: [MigrationFile]
    let log: @Sendable (String) -> Void

    /// Creates a migrator for the given driver and its dialect's files. `log` receives one line
    /// per step.
    package init(driver: any StorageDriver, files: [MigrationFile], log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.driver = driver
        self.files = files
        self.log = log
    }

    private struct AppliedRow {
        let version: String
        let checksum: String
        let appliedAt: Date
    }

    private func ensureTable() async throws {
        try await driver.prepareNamespace()
        try await driver.executeScript("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version VARCHAR(16) PRIMARY KEY,
                name VARCHAR(255) NOT NULL,
                checksum VARCHAR(64) NOT NULL,
                applied_at VARCHAR(32) NOT NULL
            )
            """)
    }

    private func applied() async throws -> [AppliedRow] {
        try await ensureTable()
        return try await driver.query("SELECT version, checksum, applied_at FROM schema_migrations ORDER BY version").map {
            AppliedRow(version: try $0.string("version"), checksum: try $0.string("checksum"), appliedAt: try $0.date("applied_at"))
        }
    }

    /// The versions recorded as applied, in order, read without creating anything (for
    /// readiness checks, which must not write).
    package func appliedVersions() async throws -> [String] {
        try await driver.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.string("version") }
    }

    /// Every known version with its state, in version order.
    package func status() async throws -> [VersionStatus] {
        let appliedRows = try await applied()
        var result: [VersionStatus] = files.map { file in
            guard let row = appliedRows.first(where: { $0.version == file.version }) else {
                return VersionStatus(version: file.version, name: file.name, state: .pending, appliedAt: nil)
            }
            return VersionStatus(version: file.version, name: file.name, state: row.checksum == file.checksum ? .applied : .changed, appliedAt: row.appliedAt)
        }
        for row in appliedRows where !files.contains(where: { $0.version == row.version }) {
            result.append(VersionStatus(version: row.version, name: "?", state: .missingFile, appliedAt: row.appliedAt))
        }
        return result.sorted { $0.version < $1.version }
    }

    /// Versions not applied yet, or throws when an applied one was edited or removed.
    package func pending() async throws -> [MigrationFile] {
        let states = try await status()
        let broken = states.filter { $0.state == .changed || $0.state == .missingFile }.map(\.version)
        guard broken.isEmpty else { throw ChecksumMismatch(versions: broken) }
        let pendingVersions = Set(states.filter { $0.state == .pending }.map(\.version))
        return files.filter { pendingVersions.contains($0.version) }
    }

    /// Applies every pending version in order; returns the versions applied.
    @discardableResult
    package func up() async throws -> [String] {
        let todo = try await pending()
        if todo.isEmpty { log("schema is up to date") }
        for file in todo {
            log("applying \(file.version)_\(file.name)")
            try await runStep(file.upSQL, record: """
                INSERT INTO schema_migrations (version, name, checksum, applied_at)
                VALUES (\(file.version), \(file.name), \(file.checksum), \(Timestamp.format(Date())))
                """)
            log("applied  \(file.version)_\(file.name)")
        }
        return todo.map(\.version)
    }

    /// Reverts the most recent `steps` applied versions; returns the versions reverted.
    @discardableResult
    package func down(steps: Int = 1) async throws -> [String] {
        let states = try await status()
        let broken = states.filter { $0.state == .changed || $0.state == .missingFile }.map(\.version)
        guard broken.isEmpty else { throw ChecksumMismatch(versions: broken) }
        let appliedVersions = states.filter { $0.state == .applied }.map(\.version).reversed().prefix(max(0, steps))
        if appliedVersions.isEmpty { log("nothing to roll back") }
        var reverted: [String] = []
        for version in appliedVersions {
            guard let file = files.first(where: { $0.version == version }) else { continue }
            log("reverting \(file.version)_\(file.name)")
            try await runStep(file.downSQL, record: "DELETE FROM schema_migrations WHERE version = \(file.version)")
            log("reverted  \(file.version)_\(file.name)")
            reverted.append(version)
        }
        return reverted
    }

    /// Runs one version's script and the statement that records it, together in one
    /// transaction where the dialect allows DDL in transactions, else one after the other.
    private func runStep(_ script: String, record: SQLQuery) async throws {
        if driver.dialect.supportsTransactionalDDL {
            try await driver.transaction { transaction in
                try await transaction.executeScript(script)
                try await transaction.execute(record)
            }
        } else {
            try await driver.executeScript(script)
            try await driver.execute(record)
        }
    }

    /// Writes the next version's empty up and down files into every dialect folder that
    /// exists, so the version lists stay identical. Returns the paths written.
    package static func create(name: String, in directory: MigrationDirectory, dialects: [String]) throws -> [String] {
        let slug = name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        let cleanName = String(slug).split(separator: "_").joined(separator: "_")
        guard !cleanName.isEmpty else { throw ConfigurationError("migration name must contain letters or digits") }
        let fileManager = FileManager.default
        var highest = 0
        for dialect in dialects {
            let folder = directory.root.appendingPathComponent(dialect).path
            for file in (try? fileManager.contentsOfDirectory(atPath: folder)) ?? [] {
                if let number = Int(file.prefix(4)) { highest = max(highest, number) }
            }
        }
        let version = String(format: "%04d", highest + 1)
        var written: [String] = []
        for dialect in dialects {
            let folder = directory.root.appendingPathComponent(dialect)
            try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
            for direction in ["up", "down"] {
                let path = folder.appendingPathComponent("\(version)_\(cleanName).\(direction).sql").path
                let header = "-- \(version) \(cleanName) (\(direction), \(dialect))\n"
                guard fileManager.createFile(atPath: path, contents: Data(header.utf8)) else {
                    throw ConfigurationError("could not write \(path)")
                }
                written.append(path)
            }
        }
        return written
    }
}
