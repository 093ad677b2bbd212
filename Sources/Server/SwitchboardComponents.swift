import AsyncHTTPClient
import Core
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// Every long-lived part of a Switchboard process, built once from the settings: the
/// services the routes call, the outbound HTTP client and the delivery worker.
package struct SwitchboardComponents: Sendable {
    package let settings: ServerSettings
    package let driver: any StorageDriver
    package let catalog: EventTypeCatalog
    package let webhooks: WebhookService
    package let apiKeys: APIKeyService
    /// Console sign-in sessions.
    package let sessions: SessionService
    package let dispatcher: EventDispatcher
    package let deliveryLogs: DeliveryLogService
    package let tester: WebhookTester
    /// Nil when `WEBHOOK_CONCURRENCY` is 0 (an API-only process).
    package let worker: DeliveryWorker?
    package let httpClient: HTTPClient
    /// Outbound clients bound to checked addresses (see `PinnedClients`).
    package let pinnedClients: PinnedClients
    /// The gateway's client to the CRM (`GATEWAY_UPSTREAM`), with its own keep-alive pool and
    /// timeouts; nil when the server is not a gateway.
    package let gatewayClient: HTTPClient?
    /// Encrypts webhook signing secrets at rest.
    package let cipher: SecretCipher
    /// Per-key request counts.
    package let usage: UsageTracker
    /// Key quotas, counted in windows every server process on the database shares.
    package let quotas: SharedQuota
    /// Turns the CRM's outbox rows into events.
    package let outbox: OutboxRelay
    /// Failed authentications per client (IPv4 address or IPv6 /64), at most
    /// `AUTH_FAILURE_BUCKETS` clients at once.
    package let authFailureLimiter: RateLimiter
    package let clientAddresses: ClientAddressResolver
    /// Analytics and health, read from the hourly statistics.
    package let analytics: WebhookAnalytics
    /// Judges webhook health and announces changes.
    package let healthMonitor: HealthMonitor
    /// Prometheus export of the process's metrics.
    package let metrics: MetricsExport
    /// The `/api/stream` answers each key holds open (`STREAM_MAX_PER_KEY`).
    let streamSlots: StreamSlots
    /// The bytes of CRM answers the gateway holds at once to publish them as events
    /// (`GATEWAY_BUFFER_BYTES`).
    let gatewayBuffer: ByteBudget

    /// The background services, in start order; they stop in reverse, after the HTTP server.
    /// The storage driver is not among them: it runs around the whole group (`withRunning`),
    /// so it is there before the first service starts and until the last has stopped.
    package let services: [any Service]

    /// Builds the components. `resolver` is replaceable for tests.
    package init(settings: ServerSettings, driver: any StorageDriver, logger: Logger = Logger(label: "switchboard")) throws {
        try self.init(settings: settings, driver: driver, resolver: SystemHostResolver(), logger: logger)
    }

    init(settings: ServerSettings, driver: any StorageDriver, resolver: any HostResolver, logger: Logger) throws {
        self.settings = settings
        self.driver = driver
        streamSlots = StreamSlots(limit: settings.streamMaxPerKey)
        gatewayBuffer = ByteBudget(limit: settings.gateway?.bufferBytes ?? 0)
        clientAddresses = settings.trustedProxies
        authFailureLimiter = RateLimiter(capacity: settings.authFailureBuckets)
        let targetGuard = OutboundTargetGuard(policy: settings.outboundPolicy, resolver: resolver)
        catalog = EventTypeCatalog(driver: driver)
        let cipher = SecretCipher(serverSecret: settings.secretKey)
        self.cipher = cipher
        webhooks = WebhookService(
            driver: driver, cipher: cipher, catalog: catalog, targetGuard: targetGuard,
            rotationOverlap: .seconds(settings.secretOverlapHours * 3600))
        apiKeys = APIKeyService(
            driver: driver, secrets: SecretMaterial(serverSecret: settings.secretKey), defaultExpiryDays: settings.apiKeyExpiryDays)
        sessions = SessionService(driver: driver, apiKeys: apiKeys, serverSecret: settings.secretKey, policy: settings.sessionPolicy)

        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .milliseconds(Int64(settings.connectTimeoutMilliseconds)),
                read: .milliseconds(Int64(settings.deliveryTimeoutMilliseconds))),
            decompression: .disabled)
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, settings.deliveryConcurrency))
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        // Host names connect to the address the outbound check approved, through clients of
        // the same configuration bound to that address.
        let pinned = PinnedClients(configuration: configuration, grace: .milliseconds(settings.deliveryTimeoutMilliseconds) + .seconds(30))
        pinnedClients = pinned
        gatewayClient = settings.gateway.map { gateway in
            var configuration = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(
                    connect: .milliseconds(Int64(gateway.connectTimeoutMilliseconds)),
                    read: .milliseconds(Int64(gateway.timeoutMilliseconds))),
                decompression: .disabled)
            configuration.connectionPool = .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: gateway.maxConnections)
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        }
        let sender = HTTPWebhookSender(
            client: httpClient, pinned: pinned, targetGuard: targetGuard, totalTimeout: .milliseconds(settings.deliveryTimeoutMilliseconds),
            excerptBytes: settings.responseExcerptBytes)
        metrics = MetricsExport.shared
        analytics = WebhookAnalytics(driver: driver, rules: settings.healthRules)
        // The monitor publishes events the worker should deliver at once, and the worker's
        // recorder asks the monitor to look again: the relay closes that loop.
        let wakeRelay = CallbackRelay()
        let healthMonitor = HealthMonitor(
            analytics: analytics, driver: driver, interval: .seconds(settings.healthCheckIntervalSeconds),
            logger: Logger(label: "switchboard.health"), onPublished: { wakeRelay.fire() })
        self.healthMonitor = healthMonitor
        let recorder = AttemptRecorder(
            driver: driver, defaultPolicy: settings.retryPolicy, autoDisableThreshold: settings.autoDisableThreshold,
            circuitPolicy: settings.circuitPolicy, onRecorded: { healthMonitor.poke() })
        tester = WebhookTester(driver: driver, sender: sender, recorder: recorder, cipher: cipher, version: SwitchboardApp.version)

        let worker =
            settings.deliveryConcurrency > 0
            ? DeliveryWorker(
                driver: driver, sender: sender, recorder: recorder,
                configuration: DeliveryWorkerConfiguration(
                    concurrency: settings.deliveryConcurrency,
                    lease: .milliseconds(settings.deliveryTimeoutMilliseconds * 2 + 30_000),
                    pollInterval: .milliseconds(settings.pollIntervalMilliseconds), circuitPolicy: settings.circuitPolicy),
                cipher: cipher, version: SwitchboardApp.version, logger: Logger(label: "switchboard.delivery"))
            : nil
        self.worker = worker
        let wake: @Sendable () -> Void = { worker?.wake() }
        wakeRelay.set(wake)
        // Publishes through the API hand their deliveries straight to this process's worker
        // when it has room (see `DeliveryWorker+Handoff`); the others are claimed as usual.
        var handoff: (@Sendable () -> DeliveryHandoffTicket?)?
        if let worker, settings.handoff { handoff = { worker.handoffTicket() } }
        dispatcher = EventDispatcher(driver: driver, catalog: catalog, handoff: handoff, onPublished: wake)
        deliveryLogs = DeliveryLogService(driver: driver, onRequeued: wake)
        let usage = UsageTracker(driver: driver)
        quotas = SharedQuota(driver: driver, interval: .milliseconds(settings.quotaSyncMilliseconds))
        self.usage = usage
        let cleanup = CleanupService(
            cleaner: RetentionCleaner(driver: driver, policy: settings.retentionPolicy), sessions: sessions,
            interval: .seconds(settings.cleanupIntervalHours * 3600), logger: Logger(label: "switchboard.cleanup"))
        outbox = OutboxRelay(driver: driver, catalog: catalog, interval: .milliseconds(settings.outboxPollMilliseconds), onPublished: wake)
        services =
            [HTTPClientService(client: httpClient), pinned] + (gatewayClient.map { [HTTPClientService(client: $0)] } ?? []) + [
                quotas, authFailureLimiter, usage, cleanup, healthMonitor, outbox,
            ]
            + (worker.map { [$0] } ?? [])
    }
}
