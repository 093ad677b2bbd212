import ArgumentParser
import Core
import Foundation
import Logging
import StorageDrivers

/// `switchboard`: runs the server, or a maintenance task with `switchboard <subcommand>`.
package struct SwitchboardCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "Webhook delivery and API-key management server.",
        subcommands: [
            ServeCommand.self, APIKeysCommand.self, UILinkCommand.self, CleanupLogsCommand.self, UpdateStatsCommand.self,
            ExplainClaimCommand.self, HealthCheckCommand.self, SettingsCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )

    package init() {}
}

// Errors below are thrown as they are: each describes itself, and the argument parser prints
// that description and exits non-zero without a usage banner.

/// Loads settings from the environment and `.env`.
func loadSettings() throws -> ServerSettings {
    try ServerSettings(environment: try DotEnv.merged())
}

/// Runs `body` with the configured database running, once its schema is known to be current;
/// stops the database afterwards.
func withCurrentDatabase<T>(_ settings: ServerSettings, _ body: (any StorageDriver) async throws -> T) async throws -> T {
    let driver = try StorageDrivers.open(settings.databaseURL)
    return try await driver.withRunning { driver in
        try await SwitchboardApp.requireCurrentSchema(driver: driver, migrations: settings.migrations)
        return try await body(driver)
    }
}

/// Prints a newly issued key in a box that is hard to miss.
func announce(_ issued: IssuedAPIKey, title: String) {
    let lines = [
        title,
        "",
        "  key:         \(issued.plaintext)",
        "  id:          \(issued.record.id.uuidString.lowercased())",
        "  permissions: \(issued.record.permissions.map(\.rawValue).joined(separator: " "))",
        "  expires:     \(issued.record.expiresAt.map(Timestamp.format) ?? "never")",
        "",
        "Store it now: it is shown only this once and cannot be recovered.",
        "Console: open the server's address (e.g. http://127.0.0.1:8080/) and sign in with it,",
        "or print a one-time link: switchboard ui-link --key-id \(issued.record.id.uuidString.lowercased())",
    ]
    let width = (lines.map(\.count).max() ?? 0) + 4
    let border = String(repeating: "=", count: width)
    let text = ([border] + lines.map { "  " + $0 } + [border]).joined(separator: "\n") + "\n"
    // Written unbuffered: standard output may be a file or a pipe, and the key must be there
    // before the server starts serving.
    FileHandle.standardOutput.write(Data(text.utf8))
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the REST API (the default).")

    func run() async throws {
        let settings = try loadSettings()
        let level = settings.logLevel
        let debug = settings.debugNamespaces
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            // DEBUG=webhook:* (as the Node `debug` module reads it) turns on debug lines per subsystem.
            handler.logLevel = debug.isEnabled(DebugNamespaces.namespace(forLoggerLabel: label)) ? min(level, .debug) : level
            return handler
        }
        let logger = Logger(label: "switchboard")
        if settings.isDevelopment, settings.secretKey == ServerSettings.developmentSecret {
            logger.warning(
                "SWITCHBOARD_ENV=development: using the public development WEBHOOK_SECRET_KEY; never use this database for real data")
        }
        // The database runs around the whole server: there before the first service starts,
        // until the last one has stopped.
        try await withCurrentDatabase(settings) { driver in
            let apiKeys = APIKeyService(
                driver: driver, secrets: SecretMaterial(serverSecret: settings.secretKey), defaultExpiryDays: settings.apiKeyExpiryDays)
            if let issued = try await apiKeys.bootstrapAdminKeyIfNeeded() {
                announce(issued, title: "No API key existed, so Switchboard created an admin key (permission *):")
            }
            logger.info(
                "starting",
                metadata: ["database": "\(DatabaseURL.redacted(settings.databaseURL.raw))", "address": "\(settings.host):\(settings.port)"])
            logger.info(
                "forward authentication (/auth/verify) reads the CRM request from \(settings.proxyStyle.source) (AUTH_PROXY_STYLE=\(settings.proxyStyle.rawValue)); verify requests carrying another proxy's headers are refused"
            )
            let components = try SwitchboardComponents(settings: settings, driver: driver, logger: logger)
            let encrypted = try await components.cipher.encryptPlaintextSecrets(driver: driver)
            if encrypted > 0 { logger.notice("encrypted the signing secrets of \(encrypted) webhook(s) stored in plaintext") }
            try await SwitchboardApp.run(components, logger: logger)
        }
    }
}

struct APIKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-keys",
        abstract: "Manage API keys from the shell.",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key and print it once.")

        @Option(help: "A name to recognise the key by.")
        var name: String

        @Option(parsing: .upToNextOption, help: "Permissions, e.g. read:webhooks write:webhooks, or * for all.")
        var permissions: [String]

        @Option(help: "What the key is for.")
        var description: String?

        @Option(help: "Expiry as an ISO-8601 time, e.g. 2027-01-01T00:00:00Z (default: API_KEY_EXPIRY_DAYS from now).")
        var expiresAt: String?

        func run() async throws {
            let parsed = try permissions.map { name in
                guard let permission = Permission(rawValue: name) else {
                    throw ValidationError(
                        "unknown permission '\(name)'; known: \(Permission.allCases.map(\.rawValue).joined(separator: " "))")
                }
                return permission
            }
            var expiry: Date?
            if let expiresAt {
                guard let date = Timestamp.parse(expiresAt) else {
                    throw ValidationError("--expires-at must be ISO-8601, e.g. 2027-01-01T00:00:00Z")
                }
                expiry = date
            }
            let settings = try loadSettings()
            let issued = try await withCurrentDatabase(settings) { driver in
                let service = APIKeyService(
                    driver: driver, secrets: SecretMaterial(serverSecret: settings.secretKey), defaultExpiryDays: settings.apiKeyExpiryDays)
                return try await service.create(APIKeyDraft(name: name, permissions: parsed, description: description, expiresAt: expiry))
            }
            announce(issued, title: "Created API key '\(issued.record.name)':")
        }
    }
}
