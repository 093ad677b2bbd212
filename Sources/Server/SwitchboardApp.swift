import Core
import Foundation
import Hummingbird
import Logging

/// Builds Switchboard's HTTP application from its settings and a storage driver.
public enum SwitchboardApp {
    /// The version reported by `/health` and sent in `User-Agent`.
    public static let version = "0.1.0"

    /// The router with every route, for the server and for socket-free tests.
    public static func router(settings: ServerSettings, driver: any StorageDriver) -> Router<SwitchboardRequestContext> {
        let catalog = EventTypeCatalog()
        let webhooks = WebhookService(driver: driver, catalog: catalog)
        let apiKeys = ApiKeyService(driver: driver, secrets: SecretMaterial(serverSecret: settings.secretKey), defaultExpiryDays: settings.apiKeyExpiryDays)

        let router = Router(context: SwitchboardRequestContext.self)
        router.add(middleware: ErrorEnvelopeMiddleware(maxBodyBytes: settings.maxBodyBytes))
        SystemController().register(on: router)

        let api = APIRouteRegistrar(router: router, routeGuard: RouteGuard(apiKeys: apiKeys))
        EventTypeController(catalog: catalog).register(on: api)
        WebhookController(webhooks: webhooks, maxBodyBytes: settings.maxBodyBytes).register(on: api)
        ApiKeyController(apiKeys: apiKeys, maxBodyBytes: settings.maxBodyBytes).register(on: api)
        return router
    }

    /// The application: HTTP server plus the driver as a service, shut down in that order.
    public static func application(settings: ServerSettings, driver: any StorageDriver, logger: Logger) -> some ApplicationProtocol {
        Application(
            router: router(settings: settings, driver: driver),
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: "Switchboard/\(version)"),
            services: [driver],
            logger: logger
        )
    }

    /// Refuses a database whose schema is behind the migrations this build ships.
    public static func requireCurrentSchema(driver: any StorageDriver, migrations: MigrationDirectory) async throws {
        let files = try migrations.load(for: driver.dialect)
        let pending = try await Migrator(driver: driver, files: files).pending()
        guard pending.isEmpty else {
            let names = pending.map { "\($0.version)_\($0.name)" }.joined(separator: ", ")
            throw ConfigurationError("the database schema is \(pending.count) migration(s) behind (\(names)): run `switchboard-migrate up` with the same DATABASE_URL first (`make run` does this for you)")
        }
    }
}
