import Crypto
import Foundation

/// One schema version: an `NNNN_name.up.sql` file and its `.down.sql` partner.
package struct MigrationFile: Sendable, Equatable {
    /// The zero-padded version, e.g. `0001`; versions sort as text.
    package let version: String
    /// The descriptive part of the file name.
    package let name: String
    /// The SQL that applies this version.
    package let upSQL: String
    /// The SQL that reverts it.
    package let downSQL: String

    /// Creates a migration from its parts (files are usually read by `MigrationDirectory`).
    package init(version: String, name: String, upSQL: String, downSQL: String) {
        self.version = version
        self.name = name
        self.upSQL = upSQL
        self.downSQL = downSQL
    }

    /// Hex SHA-256 of the up script; recorded when applied so later edits are noticed.
    package var checksum: String {
        Hex.encode(SHA256.hash(data: Data(upSQL.utf8)))
    }
}

/// Finds and reads the migration files of one dialect.
package struct MigrationDirectory: Sendable {
    /// The root folder holding one sub-folder per dialect.
    package let root: URL

    /// Uses the given root folder, e.g. `./migrations`.
    package init(root: URL) {
        self.root = root
    }

    /// The folder of one dialect.
    package func folder(for dialect: SQLDialect) -> URL {
        root.appendingPathComponent(dialect.name, isDirectory: true)
    }

    /// Every version of a dialect in order. Throws when a version lacks its down file, when two
    /// files share a version, or when a name is not `NNNN_name.up.sql`.
    package func load(for dialect: SQLDialect) throws -> [MigrationFile] {
        let folder = folder(for: dialect)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw ConfigurationError(
                "cannot read migrations folder \(folder.path): set MIGRATIONS_DIR to the repository's migrations folder")
        }
        var files: [MigrationFile] = []
        for fileName in names.sorted() where fileName.hasSuffix(".up.sql") {
            let stem = String(fileName.dropLast(".up.sql".count))
            guard let underscore = stem.firstIndex(of: "_"),
                stem[..<underscore].count == 4, stem[..<underscore].allSatisfy(\.isNumber)
            else {
                throw ConfigurationError("migration \(fileName) is not named NNNN_name.up.sql")
            }
            let version = String(stem[..<underscore])
            guard !files.contains(where: { $0.version == version }) else {
                throw ConfigurationError("two migrations share version \(version) in \(folder.path)")
            }
            let downPath = folder.appendingPathComponent(stem + ".down.sql").path
            guard FileManager.default.fileExists(atPath: downPath) else {
                throw ConfigurationError("migration \(fileName) has no \(stem).down.sql")
            }
            files.append(
                MigrationFile(
                    version: version,
                    name: String(stem[stem.index(after: underscore)...]),
                    upSQL: try String(contentsOf: folder.appendingPathComponent(fileName), encoding: .utf8),
                    downSQL: try String(contentsOfFile: downPath, encoding: .utf8)
                ))
        }
        return files
    }

    /// The environment variable naming the folder.
    package static let variable = "MIGRATIONS_DIR"

    /// Finds the migrations folder: `MIGRATIONS_DIR` when set, otherwise the nearest
    /// `migrations` folder above the working directory or above the running executable (so a
    /// binary inside `.build` finds the repository's folder).
    package static func locate(environment: [String: String], executablePath: String = CommandLine.arguments.first ?? "")
        -> MigrationDirectory
    {
        if let configured = environment[Self.variable], !configured.isEmpty {
            return MigrationDirectory(root: URL(fileURLWithPath: configured, isDirectory: true))
        }
        let starts = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
            URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent(),
        ]
        for start in starts {
            var folder = start
            for _ in 0..<8 {
                let candidate = folder.appendingPathComponent("migrations", isDirectory: true)
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                    return MigrationDirectory(root: candidate)
                }
                folder.deleteLastPathComponent()
            }
        }
        return MigrationDirectory(root: URL(fileURLWithPath: "migrations", isDirectory: true))
    }
}
