import Foundation

/// Applies and reverts schema versions and records them in `switchboard_migrations`
/// (`MigrationLedger`). Reading the state never writes; `up` first checks that nothing its
/// pending versions create exists already (`MigrationCollision`), and changes nothing if so.
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

    /// A version that failed part-way on a database whose DDL commits by itself.
    package struct MigrationStepFailed: Error, Sendable, CustomStringConvertible {
        package let version: String
        package let statement: String
        package let error: String
        /// Statements that had run before the failing one.
        package let ran: Int
        /// Whether the down script's statements all ran.
        package let undoneFully: Bool
        /// What was not undone: statements that ran but created nothing (an `ALTER`), and drops
        /// that failed.
        package let undoLeft: [String]

        package var description: String {
            let undone =
                undoneFully
                ? "the \(ran) statement(s) before it were undone with the version's down script; fix the cause and run up again"
                : "of the \(ran) statement(s) before it, the objects they created were dropped; these could not be undone that way — undo them by hand (the version's down script shows how) before up: \(undoLeft.joined(separator: "; "))"
            return "migration \(version) failed at: \(statement.prefix(200)) — \(error); \(undone)"
        }
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

    private var ledger: MigrationLedger { MigrationLedger(driver: driver) }

    /// The versions recorded as applied, in order, read without creating anything (for
    /// readiness checks and `status`, which must not write).
    package func appliedVersions() async throws -> [String] {
        try await ledger.rows().map(\.version)
    }

    /// Every known version with its state, in version order.
    package func status() async throws -> [VersionStatus] {
        let appliedRows = try await ledger.rows()
        var result: [VersionStatus] = files.map { file in
            guard let row = appliedRows.first(where: { $0.version == file.version }) else {
                return VersionStatus(version: file.version, name: file.name, state: .pending, appliedAt: nil)
            }
            return VersionStatus(
                version: file.version, name: file.name, state: row.checksum == file.checksum ? .applied : .changed, appliedAt: row.appliedAt
            )
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

    /// Applies every pending version in order; returns the versions applied. Before any change
    /// it checks the objects they create against the database (`checkCollisions`); then it
    /// creates the namespace and the ledger (moving a previous release's), and runs each.
    @discardableResult
    package func up() async throws -> [String] {
        let todo = try await pending()
        try await checkCollisions(todo)
        try await driver.prepareNamespace()
        let moved = try await ledger.prepare()
        if moved > 0 { log("moved \(moved) applied version(s) from \(MigrationLedger.legacyTable) to \(MigrationLedger.table)") }
        if todo.isEmpty { log("schema is up to date") }
        for file in todo {
            log("applying \(file.version)_\(file.name)")
            try await runStep(file, script: file.upSQL, undo: file.downSQL, record: ledger.recordApplied(file))
            log("applied  \(file.version)_\(file.name)")
        }
        return todo.map(\.version)
    }

    /// Throws `MigrationCollision` when an object `todo` creates already exists and is not
    /// Switchboard's (created by an applied version and not dropped since). Reads only.
    package func checkCollisions(_ todo: [MigrationFile]) async throws {
        guard !todo.isEmpty else { return }
        let kinds = driver.dialect.namespacedKinds
        var existing = Set(
            try await driver.query(SQLQuery(stringLiteral: driver.dialect.catalogQuery)).map { try $0.string("name").lowercased() })
        let applied = Set(try await appliedVersions())
        var own: Set<String> = [MigrationLedger.table]
        for file in files where applied.contains(file.version) {
            let objects = MigrationObjects(script: file.upSQL)
            own.formUnion(objects.created.map(\.name))
            own.subtract(objects.dropped.map(\.name))
        }
        var collisions: [(object: MigrationObjects.Object, version: String)] = []
        for file in todo {
            let objects = MigrationObjects(script: file.upSQL)
            for object in objects.created where kinds.contains(object.kind) && existing.contains(object.name) && !own.contains(object.name)
            {
                collisions.append((object, file.version))
            }
            // What a pending version drops and creates again is its own by then.
            existing.subtract(objects.dropped.map(\.name))
            own.formUnion(objects.created.map(\.name))
        }
        guard collisions.isEmpty else { throw MigrationCollision(objects: collisions, dialect: driver.dialect.name) }
    }

    /// Reverts the most recent `steps` applied versions; returns the versions reverted.
    @discardableResult
    package func down(steps: Int = 1) async throws -> [String] {
        let states = try await status()
        let broken = states.filter { $0.state == .changed || $0.state == .missingFile }.map(\.version)
        guard broken.isEmpty else { throw ChecksumMismatch(versions: broken) }
        let appliedVersions = states.filter { $0.state == .applied }.map(\.version).reversed().prefix(max(0, steps))
        if appliedVersions.isEmpty { log("nothing to roll back") }
        if !appliedVersions.isEmpty { try await ledger.prepare() }
        var reverted: [String] = []
        for version in appliedVersions {
            guard let file = files.first(where: { $0.version == version }) else { continue }
            log("reverting \(file.version)_\(file.name)")
            try await runStep(file, script: file.downSQL, undo: nil, record: ledger.recordReverted(file.version))
            log("reverted  \(file.version)_\(file.name)")
            reverted.append(version)
        }
        return reverted
    }

    /// Runs one version's script and the statement that records it, together in one
    /// transaction where the dialect allows DDL in transactions. Elsewhere (MySQL commits each
    /// DDL statement) the statements run one by one; when one fails, what the ones that ran
    /// created is undone with the statements of `undo` (the version's down script) that drop
    /// exactly those objects — never one the run did not create — so no leftover blocks the
    /// next `up`; what cannot be undone that way is named.
    private func runStep(_ file: MigrationFile, script: String, undo: String?, record: SQLQuery) async throws {
        if driver.dialect.supportsTransactionalDDL {
            try await driver.transaction { transaction in
                try await transaction.executeScript(script)
                try await transaction.execute(record)
            }
            return
        }
        let statements = SQLScript.statements(script)
        for (index, statement) in statements.enumerated() {
            do {
                try await driver.executeScript(statement)
            } catch {
                guard index > 0, let undo else { throw error }
                let ran = statements[..<index]
                let created = Set(ran.flatMap { MigrationObjects(script: $0).created.map(\.name) })
                var left = ran.filter { MigrationObjects(script: $0).created.isEmpty }
                for step in SQLScript.statements(undo) {
                    let dropped = MigrationObjects(script: step).dropped.map(\.name)
                    guard !dropped.isEmpty, dropped.allSatisfy(created.contains) else { continue }
                    do { try await driver.executeScript(step) } catch { left.append(step) }
                }
                throw MigrationStepFailed(
                    version: "\(file.version)_\(file.name)", statement: statement, error: "\(error)", ran: index, undoneFully: left.isEmpty,
                    undoLeft: left)
            }
        }
        try await driver.execute(record)
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
