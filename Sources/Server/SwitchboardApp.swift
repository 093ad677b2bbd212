import Core
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle

/// Builds Switchboard's HTTP application from its settings and a storage driver.
package enum SwitchboardApp {
    /// The version reported by `/health` and sent in `User-Agent`.
    package static let version = "0.3.0"

    /// The router with every route (under `SWITCHBOARD_PATH_PREFIX`), for the server and for
    /// socket-free tests.
    package static func router(_ components: SwitchboardComponents) -> SwitchboardRouter {
        let settings = components.settings
        let router = Router(context: SwitchboardRequestContext.self)
        let audit = AuditTrail(driver: components.driver)
        let verifier = KeyVerifier(
            apiKeys: components.apiKeys, failures: components.authFailureLimiter, failureLimit: settings.authFailureLimit)
        // The CRM's clients bring keys in headers; the console's cookie is not for the CRM.
        // With AUTH_API_KEY_HEADER the key is read from that header only: `Authorization` is
        // then the CRM's own (its users' tokens), never judged as a Switchboard key.
        let keyAuthenticators: [any MiddlewareProtocol<Request, Response, SwitchboardRequestContext>] =
            if let header = settings.apiKeyHeader.flatMap({ HTTPField.Name($0) }) {
                [HeaderKeyAuthenticator(header: header, verifier: verifier)]
            } else {
                [BearerKeyAuthenticator(verifier: verifier)]
            }
        let crmPipeline = CRMRequestPipeline(
            routeMap: settings.routeMap, authenticators: keyAuthenticators, usage: components.usage, quotas: components.quotas,
            defaultLimit: settings.apiRateLimit, audit: audit)
        var gatewayResponder: RouterResponder<SwitchboardRequestContext>?
        if let gateway = settings.gateway, let client = components.gatewayClient {
            let forwarder = GatewayForwarder(
                client: client, settings: gateway, dispatcher: components.dispatcher, proxies: components.clientAddresses,
                keyHeader: settings.apiKeyHeader?.lowercased(), maxEventBytes: settings.maxEventBytes, buffer: components.gatewayBuffer,
                uploadAllowance: .seconds(Int64(settings.bodyTimeoutSeconds)))
            let controller = GatewayController(
                forwarder: forwarder, pipeline: crmPipeline, clientAddresses: components.clientAddresses,
                maxBodyBytes: settings.maxBodyBytes)
            let responder = controller.responder()
            if settings.pathPrefix.isEmpty {
                // First, so none of the console's or the API's middleware touches the CRM's traffic.
                router.add(middleware: GatewayMiddleware(ownPaths: .standard, gateway: responder))
            } else {
                // Under a prefix, everything outside it is the CRM's (`SwitchboardRouter`).
                gatewayResponder = responder
            }
        }
        router.add(middleware: HeadMiddleware())
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: RequestMetricsMiddleware())
        router.add(middleware: NoStoreMiddleware())
        router.add(middleware: ErrorEnvelopeMiddleware(maxBodyBytes: settings.maxBodyBytes))
        router.add(middleware: ClientAddressMiddleware(resolver: components.clientAddresses))
        router.add(middleware: BodyLimitMiddleware(limit: settings.maxBodyBytes))
        // The versions this build ships, read once: `/ready` compares them with the database.
        let shipped = try? settings.migrations.load(for: components.driver.dialect).map(\.version)
        let readiness = ReadinessCheck(driver: components.driver, shippedVersions: shipped, worker: components.worker)
        let assets = ConsoleAssets(directory: settings.consoleAssetsDirectory, prefix: settings.pathPrefix)
        ConsoleController(assets: assets).register(on: router)
        SystemController(
            readiness: readiness, metrics: components.metrics, driver: components.driver, assets: assets,
            queueFiguresMaxAge: .seconds(settings.metricsQueueCacheSeconds)
        ).register(on: router)

        let api = APIRouteRegistrar(
            router: router,
            authenticators: [
                BearerKeyAuthenticator(verifier: verifier),
                SessionCookieAuthenticator(sessions: components.sessions),
            ],
            usage: components.usage, quotas: components.quotas, defaultLimit: settings.apiRateLimit, audit: audit,
            bodyLimits: BodyLimits(standard: settings.maxBodyBytes, event: settings.maxEventBytes, batch: settings.maxBatchBytes))
        EventTypeController(catalog: components.catalog).register(on: api)
        EventController(dispatcher: components.dispatcher, maxEventBytes: settings.maxEventBytes).register(on: api)
        WebhookController(
            webhooks: components.webhooks, tester: components.tester, logs: components.deliveryLogs, analytics: components.analytics
        ).register(on: api)
        DeliveryLogController(logs: components.deliveryLogs, responseExcerptBytes: settings.responseExcerptBytes).register(on: api)
        OutboxController(driver: components.driver).register(on: api)
        DeliveryStreamController(
            logs: components.deliveryLogs, maxDuration: .seconds(settings.streamMaxSeconds),
            resumeWindow: TimeInterval(settings.streamResumeWindowSeconds), slots: components.streamSlots
        ).register(on: api)
        APIKeyController(apiKeys: components.apiKeys, usage: components.usage).register(on: api)
        AuditLogController(audit: audit).register(on: api)
        ForwardAuthController(pipeline: crmPipeline, style: settings.proxyStyle).register(on: router)
        SessionController(
            sessions: components.sessions, verifier: verifier, audit: audit, proxies: components.clientAddresses,
            policy: settings.sessionPolicy
        ).register(on: router, api: api)
        AnalyticsController(
            analytics: components.analytics, apiKeyAnalytics: APIKeyAnalytics(usage: components.usage, driver: components.driver)
        ).register(on: api)
        return SwitchboardRouter(router: router, prefix: settings.pathPrefix, gateway: gatewayResponder)
    }

    /// The application: the HTTP server plus the components' services (database, HTTP
    /// client, delivery worker), which stop after the server on SIGTERM/SIGINT.
    package static func application(_ components: SwitchboardComponents, logger: Logger) -> some ApplicationProtocol {
        let settings = components.settings
        let counter = ConnectionCounter(limits: settings.connectionLimits, trusted: components.clientAddresses)
        return Application(
            router: router(components),
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionGuardHandler(counter: counter)])),
            configuration: ApplicationConfiguration(
                address: .hostname(settings.host, port: settings.port), serverName: "Switchboard/\(version)"),
            services: components.services,
            logger: logger
        )
    }

    /// Runs the application until SIGTERM or SIGINT, then shuts it down gracefully: the HTTP
    /// server first (answers in flight are finished), then the background services in reverse
    /// start order. Every service bounds its own waits; should one still hang, it is cancelled
    /// after `SHUTDOWN_TIMEOUT_SECONDS`, so the process always ends.
    package static func run(_ components: SwitchboardComponents, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(
            services: [application(components, logger: logger)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(components.settings.shutdownTimeoutSeconds)
        // Past this, cancellation that still has not ended the services is escalated to a crash
        // (swift-service-lifecycle's last resort), which at least frees the port.
        configuration.maximumCancellationDuration = .seconds(10)
        try await ServiceGroup(configuration: configuration).run()
    }

    /// Refuses a database whose schema is behind the migrations this build ships.
    package static func requireCurrentSchema(driver: any StorageDriver, migrations: MigrationDirectory) async throws {
        let files = try migrations.load(for: driver.dialect)
        let pending = try await Migrator(driver: driver, files: files).pending()
        guard pending.isEmpty else {
            let names = pending.map { "\($0.version)_\($0.name)" }.joined(separator: ", ")
            throw ConfigurationError(
                "the database schema is \(pending.count) migration(s) behind (\(names)): run `switchboard-migrate up` with the same DATABASE_URL first (`make run` does this for you)"
            )
        }
    }
}
