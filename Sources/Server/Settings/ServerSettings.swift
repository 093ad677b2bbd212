import Foundation
import Core
import HTTPTypes
import Logging

/// Everything the server reads from its environment (and `.env`), read and parsed once at
/// start-up: nothing below it reads the environment, so the router and components depend on
/// these values only (tests build them directly).
package struct ServerSettings: Sendable {
    /// `DATABASE_URL`; unset means the SQLite file `./switchboard.sqlite`.
    package var databaseURL: DatabaseURL
    /// `MIGRATIONS_DIR`, or the nearest `migrations` folder above the working directory or
    /// the binary: the migrations this build ships, which `/ready` and start-up compare with
    /// the database.
    package var migrations: MigrationDirectory
    /// `HOST`, default 127.0.0.1.
    package var host: String
    /// `PORT`, default 8080.
    package var port: Int
    /// `LOG_LEVEL`, default `info`.
    package var logLevel: Logger.Level
    /// `WEBHOOK_SECRET_KEY`: the root secret API-key hashes (and later stored webhook secrets)
    /// are derived from.
    package var secretKey: String
    /// `WEBHOOK_RETRY_ATTEMPTS`, retries after the first attempt, default 3.
    package var retryAttempts: Int
    /// `WEBHOOK_RETRY_DELAY` in milliseconds, the base of the backoff, default 5000.
    package var retryDelayMilliseconds: Int
    /// `API_KEY_EXPIRY_DAYS`: lifetime of keys created without `expiresAt`; 0 means never.
    package var apiKeyExpiryDays: Int
    /// `DEBUG`: subsystems that log at debug level whatever `LOG_LEVEL` says, e.g. `webhook:*`.
    package var debugNamespaces: DebugNamespaces
    /// `WEBHOOK_CLEANUP_INTERVAL` in hours, default 24.
    package var cleanupIntervalHours: Int
    /// `WEBHOOK_LOG_RETENTION_DAYS`: finished delivery logs older than this are deleted, default 90.
    package var logRetentionDays: Int
    /// `API_KEY_CLEANUP_GRACE_DAYS`: keys expired longer ago than this are deleted, default 30.
    package var expiredKeyGraceDays: Int
    /// `MAX_BODY_BYTES`: the largest request body accepted, default 1 MiB.
    package var maxBodyBytes: Int
    /// `MAX_EVENT_BYTES`: the largest `POST /api/events` body, default 256 KiB.
    package var maxEventBytes: Int
    /// `MAX_BATCH_BYTES`: the largest `POST /api/events/batch` body, default 16 MiB (each
    /// event's `data` still at most `MAX_EVENT_BYTES`).
    package var maxBatchBytes: Int
    /// `WEBHOOK_ALLOWED_TARGETS`: which private or reserved CIDR ranges, addresses and host
    /// names deliveries may reach anyway.
    package var outboundPolicy: TargetPolicy
    /// `WEBHOOK_TIMEOUT_MS`: longest one delivery attempt may take, default 10 s.
    package var deliveryTimeoutMilliseconds: Int
    /// `WEBHOOK_CONNECT_TIMEOUT_MS`: longest connecting may take, default 5 s.
    package var connectTimeoutMilliseconds: Int
    /// `WEBHOOK_CONCURRENCY`: requests in flight per server process, default 64; 0 runs no
    /// delivery worker in this process (API only).
    package var deliveryConcurrency: Int
    /// `WEBHOOK_AUTO_DISABLE_AFTER`: deliveries that ended failed in a row that disable a
    /// webhook, default 10.
    package var autoDisableThreshold: Int
    /// The circuit breaker and per-webhook concurrency: `CIRCUIT_FAILURE_THRESHOLD`,
    /// `CIRCUIT_PROBE_INITIAL_SECONDS`, `CIRCUIT_PROBE_MAX_SECONDS`, `CIRCUIT_RAMP_SECONDS`,
    /// `CIRCUIT_DISABLE_AFTER_SECONDS`, `WEBHOOK_CONCURRENCY_PER_WEBHOOK`,
    /// `WEBHOOK_MAX_DELIVERIES_PER_SECOND`.
    package var circuitPolicy: CircuitPolicy
    /// `WEBHOOK_SECRET_OVERLAP_HOURS`: how long a rotated-out secret keeps signing, default 24.
    package var secretOverlapHours: Int
    /// `WEBHOOK_RESPONSE_EXCERPT_BYTES`: how much of each response body is logged, default 2048.
    package var responseExcerptBytes: Int
    /// `WEBHOOK_POLL_INTERVAL_MS`: how often an idle worker looks for due deliveries, default 250.
    package var pollIntervalMilliseconds: Int
    /// `WEBHOOK_HANDOFF`: whether API publishes hand their deliveries straight to this
    /// process's worker when it has room, default true.
    package var handoff: Bool
    /// `TRUSTED_PROXIES`: the proxies whose `X-Forwarded-For` is believed.
    package var trustedProxies: ClientAddressResolver
    /// `API_RATE_LIMIT`: the default quota of a key, `REQUESTS/SECONDS`, default 6000/60.
    package var apiRateLimit: RateLimit
    /// `AUTH_FAILURE_LIMIT`: failed authentications allowed per client (IPv4 address or IPv6
    /// /64), default 30/60.
    package var authFailureLimit: RateLimit
    /// `AUTH_FAILURE_BUCKETS`: most clients whose failed authentications are counted at once,
    /// default 100000; past it the oldest count makes room (memory stays bounded).
    package var authFailureBuckets: Int
    /// `HTTP_MAX_CONNECTIONS`: open client connections at once, default 1024; more are
    /// answered 503 and closed.
    package var maxConnections: Int
    /// `HTTP_MAX_CONNECTIONS_PER_CLIENT`: open connections from one client (IPv4 address or IPv6
    /// /64; trusted proxies exempt), default 128.
    package var maxConnectionsPerClient: Int
    /// `HTTP_IDLE_TIMEOUT_SECONDS`: longest a connection may wait for a complete request head
    /// (new, or kept alive after an answer), default 30; slow headers do not extend it.
    package var idleTimeoutSeconds: Int
    /// `HTTP_BODY_TIMEOUT_SECONDS`: longest from a request's head to the end of its body,
    /// default 30.
    package var bodyTimeoutSeconds: Int
    /// `METRICS_QUEUE_CACHE_SECONDS`: how long `/metrics` reuses its count of the delivery
    /// queue, default 5; 0 counts on every scrape.
    package var metricsQueueCacheSeconds: Int
    /// `SHUTDOWN_TIMEOUT_SECONDS`: longest a graceful shutdown may take before the remaining
    /// work is cancelled, default 30.
    package var shutdownTimeoutSeconds: Int
    /// `WEBHOOK_HEALTH_CHECK_INTERVAL` in seconds: how often every webhook's health is judged
    /// even without new attempts, default 60.
    package var healthCheckIntervalSeconds: Int
    /// `WEBHOOK_UNHEALTHY_AFTER`: failed attempts in a row that make a webhook unhealthy, default 5.
    package var unhealthyAfterFailures: Int
    /// `WEBHOOK_HEALTH_WINDOW_HOURS`: the hours a webhook's success rate is judged over, default 24.
    package var healthWindowHours: Int

    /// `SESSION_IDLE_TIMEOUT_MINUTES` (default 30) and `SESSION_ABSOLUTE_TIMEOUT_HOURS`
    /// (default 12): how long a console session lasts without requests, and at most.
    package var sessionPolicy: SessionPolicy
    /// `CONSOLE_ASSETS_DIR`: serve the console's files from this folder (re-read on every
    /// request, not cached) instead of the copies built into the binary; for working on the
    /// console. Unset in production.
    package var consoleAssetsDirectory: String?

    /// `STREAM_MAX_SECONDS`: longest one `/api/stream` response lasts before the browser
    /// reconnects (resuming where it was), default 300; keep it below proxies' read timeouts.
    package var streamMaxSeconds: Int
    /// `STREAM_RESUME_WINDOW_SECONDS`: how far back a stream resumes with `Last-Event-ID`,
    /// default 300; an older resume point is told to reload the log (`event: reset`).
    package var streamResumeWindowSeconds: Int
    /// `STREAM_MAX_PER_KEY`: `/api/stream` answers one key may hold open at once, default 10.
    package var streamMaxPerKey: Int

    /// `AUTH_ROUTE_MAP_FILE` and `AUTH_UNMATCHED`: which permission each CRM route needs, for
    /// `/auth/verify` (the file's rules before the built-in table; unmatched denied, or
    /// with `AUTH_UNMATCHED=allow` open to any valid key).
    package var routeMap: RouteMap
    /// `AUTH_API_KEY_HEADER`: a header `/auth/verify` also reads a key from (e.g. `X-API-Key`),
    /// besides `Authorization: Bearer`.
    package var apiKeyHeader: String?
    /// `SWITCHBOARD_PATH_PREFIX`: where Switchboard's own paths (API, console, `/health`,
    /// `/auth/verify`, …) are mounted, e.g. `/switchboard`; empty (the default) for the root.
    package var pathPrefix: String
    /// `AUTH_PROXY_STYLE`: which headers `/auth/verify` reads the CRM request from, default
    /// `nginx`; requests carrying another style's are refused.
    package var proxyStyle: ProxyStyle
    /// `GATEWAY_UPSTREAM` and the other `GATEWAY_*` settings; nil when the server is not a
    /// gateway.
    package var gateway: GatewaySettings?

    /// `QUOTA_SYNC_MS`: how often each process adds its key-quota counts to the shared table and
    /// reads every process's totals back, default 200; the most a key's limit can be overshot
    /// is what the other processes let through in one such interval.
    package var quotaSyncMilliseconds: Int

    /// `OUTBOX_POLL_INTERVAL_MS`: how often the outbox relay looks for rows the CRM committed,
    /// default 250 (at most this long from the CRM's commit to the event).
    package var outboxPollMilliseconds: Int

    /// `SWITCHBOARD_ENV=development`: a missing or example `WEBHOOK_SECRET_KEY` is replaced by a
    /// fixed, public development secret instead of stopping the server.
    package var isDevelopment = false

    /// The example value the Node original's README shows, refused because it is public.
    package static let placeholderSecret = "your-webhook-secret-key-change-in-production"

    /// Settings with the documented defaults and the given secret; for tests and tools.
    package init(
        secretKey: String, databaseURL: DatabaseURL = try! DatabaseURL(DatabaseURL.defaultValue),
        migrations: MigrationDirectory = .locate(environment: [:])
    ) {
        self.databaseURL = databaseURL
        self.migrations = migrations
        self.host = "127.0.0.1"
        self.port = SettingsCatalogue.port.defaultValue
        self.logLevel = .info
        self.secretKey = secretKey
        self.retryAttempts = SettingsCatalogue.webhookRetryAttempts.defaultValue
        self.retryDelayMilliseconds = SettingsCatalogue.webhookRetryDelay.defaultValue
        self.apiKeyExpiryDays = SettingsCatalogue.apiKeyExpiryDays.defaultValue
        self.cleanupIntervalHours = SettingsCatalogue.webhookCleanupInterval.defaultValue
        self.debugNamespaces = DebugNamespaces("")
        self.logRetentionDays = SettingsCatalogue.webhookLogRetentionDays.defaultValue
        self.expiredKeyGraceDays = SettingsCatalogue.apiKeyCleanupGraceDays.defaultValue
        self.maxBodyBytes = SettingsCatalogue.maxBodyBytes.defaultValue
        self.maxEventBytes = SettingsCatalogue.maxEventBytes.defaultValue
        self.maxBatchBytes = SettingsCatalogue.maxBatchBytes.defaultValue
        self.outboundPolicy = TargetPolicy()
        self.deliveryTimeoutMilliseconds = SettingsCatalogue.webhookTimeoutMs.defaultValue
        self.connectTimeoutMilliseconds = SettingsCatalogue.webhookConnectTimeoutMs.defaultValue
        self.deliveryConcurrency = SettingsCatalogue.webhookConcurrency.defaultValue
        self.autoDisableThreshold = SettingsCatalogue.webhookAutoDisableAfter.defaultValue
        self.circuitPolicy = CircuitPolicy()
        self.secretOverlapHours = SettingsCatalogue.webhookSecretOverlapHours.defaultValue
        self.responseExcerptBytes = SettingsCatalogue.webhookResponseExcerptBytes.defaultValue
        self.pollIntervalMilliseconds = SettingsCatalogue.webhookPollIntervalMs.defaultValue
        self.handoff = true
        self.trustedProxies = ClientAddressResolver()
        self.apiRateLimit = RateLimit(requests: 6000, windowSeconds: 60)
        self.authFailureLimit = RateLimit(requests: 30, windowSeconds: 60)
        self.authFailureBuckets = SettingsCatalogue.authFailureBuckets.defaultValue
        self.maxConnections = SettingsCatalogue.httpMaxConnections.defaultValue
        self.maxConnectionsPerClient = SettingsCatalogue.httpMaxConnectionsPerClient.defaultValue
        self.idleTimeoutSeconds = SettingsCatalogue.httpIdleTimeoutSeconds.defaultValue
        self.bodyTimeoutSeconds = SettingsCatalogue.httpBodyTimeoutSeconds.defaultValue
        self.shutdownTimeoutSeconds = SettingsCatalogue.shutdownTimeoutSeconds.defaultValue
        self.metricsQueueCacheSeconds = SettingsCatalogue.metricsQueueCacheSeconds.defaultValue
        self.healthCheckIntervalSeconds = SettingsCatalogue.webhookHealthCheckInterval.defaultValue
        self.unhealthyAfterFailures = SettingsCatalogue.webhookUnhealthyAfter.defaultValue
        self.healthWindowHours = SettingsCatalogue.webhookHealthWindowHours.defaultValue
        self.sessionPolicy = SessionPolicy(
            idleTimeout: TimeInterval(SettingsCatalogue.sessionIdleTimeoutMinutes.defaultValue) * 60,
            absoluteTimeout: TimeInterval(SettingsCatalogue.sessionAbsoluteTimeoutHours.defaultValue) * 3600)
        self.consoleAssetsDirectory = nil
        self.streamMaxSeconds = SettingsCatalogue.streamMaxSeconds.defaultValue
        self.streamResumeWindowSeconds = SettingsCatalogue.streamResumeWindowSeconds.defaultValue
        self.streamMaxPerKey = SettingsCatalogue.streamMaxPerKey.defaultValue
        self.quotaSyncMilliseconds = SettingsCatalogue.quotaSyncMs.defaultValue
        self.outboxPollMilliseconds = SettingsCatalogue.outboxPollIntervalMs.defaultValue
        self.routeMap = RouteMap()
        self.apiKeyHeader = nil
        self.proxyStyle = .standard
        self.pathPrefix = ""
        self.gateway = nil
    }

    /// Reads and checks every setting; the error names the variable and the accepted values.
    /// The fixed secret of development mode. Public, so only for throwaway local data.
    package static let developmentSecret = "switchboard-development-mode-only-secret"

    package init(environment: [String: String]) throws {
        var environment = environment
        let development = environment[SettingsCatalogue.switchboardEnv.name]?.lowercased() == "development"
        if development,
            (environment[SettingsCatalogue.webhookSecretKey.name] ?? "").isEmpty
                || environment[SettingsCatalogue.webhookSecretKey.name] == Self.placeholderSecret
        {
            environment[SettingsCatalogue.webhookSecretKey.name] = Self.developmentSecret
        }
        guard let secret = environment[SettingsCatalogue.webhookSecretKey.name], !secret.isEmpty else {
            throw ConfigurationError(
                "WEBHOOK_SECRET_KEY is not set: set it to a long random value (e.g. `openssl rand -hex 32`; `make run` writes one to .env for you), or set SWITCHBOARD_ENV=development for throwaway local data"
            )
        }
        guard secret != Self.placeholderSecret else {
            throw ConfigurationError(
                "WEBHOOK_SECRET_KEY still has the example value from the documentation: replace it with a long random value")
        }
        guard secret.count >= 16 else {
            throw ConfigurationError("WEBHOOK_SECRET_KEY must be at least 16 characters")
        }
        if !development, SecretMaterial.estimatedEntropyBits(secret) < SecretMaterial.minimumRootSecretBits {
            throw ConfigurationError(
                "WEBHOOK_SECRET_KEY must carry at least 32 bytes of randomness (64 hex digits or 43 base64 characters, e.g. from `openssl rand -hex 32`): every API key and stored webhook secret is derived from it, and a shorter or memorable value can be guessed offline from a copy of the database"
            )
        }
        let database = try DatabaseURL(EnvironmentReader(environment).text(SettingsCatalogue.databaseURL) ?? DatabaseURL.defaultValue)
        self.init(secretKey: secret, databaseURL: database, migrations: .locate(environment: environment))
        isDevelopment = development
        let reader = EnvironmentReader(environment)
        host = reader.text(SettingsCatalogue.host) ?? host
        if development {
            // Development mode may swap in a public root secret: only for data nobody else can
            // reach (a local file, a server listening on loopback only).
            guard Self.isLoopback(host: host), database.engine == .sqlite else {
                throw ConfigurationError(
                    "SWITCHBOARD_ENV=development is only allowed with a loopback HOST (127.0.0.1, ::1 or localhost) and a SQLite database, since it may use a public WEBHOOK_SECRET_KEY; this configuration has HOST=\(host) and a \(database.engine.rawValue) database. Unset SWITCHBOARD_ENV and set a WEBHOOK_SECRET_KEY (`openssl rand -hex 32`)"
                )
            }
        }
        port = try reader.integer(SettingsCatalogue.port)
        logLevel = try reader.choice(SettingsCatalogue.logLevel).flatMap(Logger.Level.init(rawValue:)) ?? logLevel
        debugNamespaces = DebugNamespaces(reader.text(SettingsCatalogue.debug) ?? "")
        retryAttempts = try reader.integer(SettingsCatalogue.webhookRetryAttempts)
        retryDelayMilliseconds = try reader.integer(SettingsCatalogue.webhookRetryDelay)
        apiKeyExpiryDays = try reader.integer(SettingsCatalogue.apiKeyExpiryDays)
        cleanupIntervalHours = try reader.integer(SettingsCatalogue.webhookCleanupInterval)
        logRetentionDays = try reader.integer(SettingsCatalogue.webhookLogRetentionDays)
        expiredKeyGraceDays = try reader.integer(SettingsCatalogue.apiKeyCleanupGraceDays)
        maxBodyBytes = try reader.integer(SettingsCatalogue.maxBodyBytes)
        maxEventBytes = try reader.integer(SettingsCatalogue.maxEventBytes)
        maxBatchBytes = try reader.integer(SettingsCatalogue.maxBatchBytes)
        outboundPolicy = try TargetPolicy(allowList: reader.text(SettingsCatalogue.webhookAllowedTargets) ?? "")
        deliveryTimeoutMilliseconds = try reader.integer(SettingsCatalogue.webhookTimeoutMs)
        connectTimeoutMilliseconds = try reader.integer(SettingsCatalogue.webhookConnectTimeoutMs)
        deliveryConcurrency = try reader.integer(SettingsCatalogue.webhookConcurrency)
        autoDisableThreshold = try reader.integer(SettingsCatalogue.webhookAutoDisableAfter)
        circuitPolicy = try Self.readCircuitPolicy(reader, default: circuitPolicy, concurrency: deliveryConcurrency)
        secretOverlapHours = try reader.integer(SettingsCatalogue.webhookSecretOverlapHours)
        responseExcerptBytes = try reader.integer(SettingsCatalogue.webhookResponseExcerptBytes)
        pollIntervalMilliseconds = try reader.integer(SettingsCatalogue.webhookPollIntervalMs)
        handoff = try reader.boolean(SettingsCatalogue.webhookHandoff, default: handoff)
        trustedProxies = try ClientAddressResolver(trustedProxies: reader.text(SettingsCatalogue.trustedProxies) ?? "")
        apiRateLimit = try reader.rateLimit(SettingsCatalogue.apiRateLimit, default: apiRateLimit)
        authFailureLimit = try reader.rateLimit(SettingsCatalogue.authFailureLimit, default: authFailureLimit)
        authFailureBuckets = try reader.integer(SettingsCatalogue.authFailureBuckets)
        maxConnections = try reader.integer(SettingsCatalogue.httpMaxConnections)
        maxConnectionsPerClient = try reader.integer(SettingsCatalogue.httpMaxConnectionsPerClient)
        idleTimeoutSeconds = try reader.integer(SettingsCatalogue.httpIdleTimeoutSeconds)
        bodyTimeoutSeconds = try reader.integer(SettingsCatalogue.httpBodyTimeoutSeconds)
        shutdownTimeoutSeconds = try reader.integer(SettingsCatalogue.shutdownTimeoutSeconds)
        metricsQueueCacheSeconds = try reader.integer(SettingsCatalogue.metricsQueueCacheSeconds)
        healthCheckIntervalSeconds = try reader.integer(SettingsCatalogue.webhookHealthCheckInterval)
        unhealthyAfterFailures = try reader.integer(SettingsCatalogue.webhookUnhealthyAfter)
        healthWindowHours = try reader.integer(SettingsCatalogue.webhookHealthWindowHours)
        streamMaxSeconds = try reader.integer(SettingsCatalogue.streamMaxSeconds)
        // At least a heartbeat (15 s) and a reconnection past the look-back, so a quiet stream
        // never resets on its own reconnects.
        streamResumeWindowSeconds = try reader.integer(SettingsCatalogue.streamResumeWindowSeconds)
        streamMaxPerKey = try reader.integer(SettingsCatalogue.streamMaxPerKey)
        quotaSyncMilliseconds = try reader.integer(SettingsCatalogue.quotaSyncMs)
        outboxPollMilliseconds = try reader.integer(SettingsCatalogue.outboxPollIntervalMs)
        let unmatched = try reader.choice(SettingsCatalogue.authUnmatched) ?? "deny"
        var fileRules: [RouteMap.Rule] = []
        if let file = reader.text(SettingsCatalogue.authRouteMapFile) {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw ConfigurationError("AUTH_ROUTE_MAP_FILE=\(file) cannot be read as UTF-8 text")
            }
            fileRules = try RouteMap.parse(text)
        }
        routeMap = RouteMap(fileRules: fileRules, allowUnmatched: unmatched == "allow")
        if let header = reader.text(SettingsCatalogue.authAPIKeyHeader) {
            guard HTTPField.Name(header) != nil, header.lowercased() != "authorization" else {
                throw ConfigurationError("AUTH_API_KEY_HEADER must be a header name such as X-API-Key, not '\(header)'")
            }
            apiKeyHeader = header
        }
        proxyStyle = try ProxyStyle.parse(reader.text(SettingsCatalogue.authProxyStyle))
        pathPrefix = try PrefixedResponder.validated(reader.text(SettingsCatalogue.switchboardPathPrefix) ?? "")
        gateway = try GatewaySettings.read(reader)
        let idleMinutes = try reader.integer(SettingsCatalogue.sessionIdleTimeoutMinutes)
        let absoluteHours = try reader.integer(SettingsCatalogue.sessionAbsoluteTimeoutHours)
        sessionPolicy = SessionPolicy(idleTimeout: TimeInterval(idleMinutes) * 60, absoluteTimeout: TimeInterval(absoluteHours) * 3600)
        if let directory = reader.text(SettingsCatalogue.consoleAssetsDir) {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory + "/index.html", isDirectory: &isFolder), !isFolder.boolValue else {
                throw ConfigurationError("CONSOLE_ASSETS_DIR=\(directory) has no index.html; point it at the source tree's web/ folder")
            }
            consoleAssetsDirectory = directory
        }
    }

    /// The circuit breaker's settings; the per-webhook cap defaults to a quarter of
    /// `WEBHOOK_CONCURRENCY` (at least 1), so one receiver never holds every slot.
    static func readCircuitPolicy(_ reader: EnvironmentReader, default policy: CircuitPolicy, concurrency: Int) throws -> CircuitPolicy {
        var policy = policy
        policy.failureThreshold = try reader.integer(SettingsCatalogue.circuitFailureThreshold)
        let initial = try reader.integer(SettingsCatalogue.circuitProbeInitialSeconds)
        let maximum = try reader.integer(SettingsCatalogue.circuitProbeMaxSeconds)
        guard maximum >= initial else {
            throw ConfigurationError("CIRCUIT_PROBE_MAX_SECONDS (\(maximum)) must be at least CIRCUIT_PROBE_INITIAL_SECONDS (\(initial))")
        }
        policy.probeInterval = .seconds(initial)
        policy.maxProbeInterval = .seconds(maximum)
        policy.ramp = .seconds(try reader.integer(SettingsCatalogue.circuitRampSeconds))
        policy.disableAfter = .seconds(
            try reader.integer(SettingsCatalogue.circuitDisableAfterSeconds))
        policy.perWebhookConcurrency = try reader.integer(SettingsCatalogue.webhookConcurrencyPerWebhook, default: max(1, concurrency / 4))
        policy.defaultMaxDeliveriesPerSecond =
            try reader.number(SettingsCatalogue.webhookMaxDeliveriesPerSecond) ?? policy.defaultMaxDeliveriesPerSecond
        return policy
    }

    /// Whether `host` (a `HOST` value) listens on loopback only.
    static func isLoopback(host: String) -> Bool {
        if host.lowercased() == "localhost" { return true }
        return IPAddress(host)?.isLoopback ?? false
    }

    /// The health rules the settings describe.
    package var healthRules: HealthRules {
        var rules = HealthRules()
        rules.windowHours = healthWindowHours
        rules.unhealthyConsecutiveFailures = unhealthyAfterFailures
        return rules
    }

    /// What the clean-up keeps, from `WEBHOOK_LOG_RETENTION_DAYS` and `API_KEY_CLEANUP_GRACE_DAYS`.
    package var retentionPolicy: RetentionPolicy {
        RetentionPolicy(deliveryLogDays: logRetentionDays, expiredKeyGraceDays: expiredKeyGraceDays)
    }

    /// The connection limits and client timeouts the settings describe.
    var connectionLimits: ConnectionLimits {
        ConnectionLimits(
            maxConnections: maxConnections, maxConnectionsPerClient: maxConnectionsPerClient,
            headTimeout: .seconds(idleTimeoutSeconds), bodyTimeout: .seconds(bodyTimeoutSeconds))
    }

    /// The retry schedule the settings describe.
    package var retryPolicy: RetryPolicy {
        RetryPolicy(maxRetries: retryAttempts, baseDelay: .milliseconds(retryDelayMilliseconds))
    }
}
