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
    /// `/auth/verify` (the file's rules before the seed's built-in table; unmatched denied, or
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

    /// The seed's example value, refused because it is public.
    package static let placeholderSecret = "your-webhook-secret-key-change-in-production"

    /// Settings with the documented defaults and the given secret; for tests and tools.
    package init(secretKey: String, databaseURL: DatabaseURL = try! DatabaseURL(DatabaseURL.defaultValue), migrations: MigrationDirectory = .locate(environment: [:])) {
        self.databaseURL = databaseURL
        self.migrations = migrations
        self.host = "127.0.0.1"
        self.port = 8080
        self.logLevel = .info
        self.secretKey = secretKey
        self.retryAttempts = 3
        self.retryDelayMilliseconds = 5000
        self.apiKeyExpiryDays = 365
        self.cleanupIntervalHours = 24
        self.debugNamespaces = DebugNamespaces("")
        self.logRetentionDays = 90
        self.expiredKeyGraceDays = 30
        self.maxBodyBytes = 1 << 20
        self.maxEventBytes = 256 << 10
        self.maxBatchBytes = 16 << 20
        self.outboundPolicy = TargetPolicy()
        self.deliveryTimeoutMilliseconds = 10_000
        self.connectTimeoutMilliseconds = 5_000
        self.deliveryConcurrency = 64
        self.autoDisableThreshold = 10
        self.circuitPolicy = CircuitPolicy()
        self.secretOverlapHours = 24
        self.responseExcerptBytes = 2048
        self.pollIntervalMilliseconds = 250
        self.handoff = true
        self.trustedProxies = ClientAddressResolver()
        self.apiRateLimit = RateLimit(requests: 6000, windowSeconds: 60)
        self.authFailureLimit = RateLimit(requests: 30, windowSeconds: 60)
        self.authFailureBuckets = 100_000
        self.maxConnections = 1024
        self.maxConnectionsPerClient = 128
        self.idleTimeoutSeconds = 30
        self.bodyTimeoutSeconds = 30
        self.shutdownTimeoutSeconds = 30
        self.metricsQueueCacheSeconds = 5
        self.healthCheckIntervalSeconds = 60
        self.unhealthyAfterFailures = 5
        self.healthWindowHours = 24
        self.sessionPolicy = SessionPolicy()
        self.consoleAssetsDirectory = nil
        self.streamMaxSeconds = 300
        self.streamResumeWindowSeconds = 300
        self.streamMaxPerKey = 10
        self.quotaSyncMilliseconds = 200
        self.outboxPollMilliseconds = 250
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
        let development = environment["SWITCHBOARD_ENV"]?.lowercased() == "development"
        if development, (environment["WEBHOOK_SECRET_KEY"] ?? "").isEmpty || environment["WEBHOOK_SECRET_KEY"] == Self.placeholderSecret {
            environment["WEBHOOK_SECRET_KEY"] = Self.developmentSecret
        }
        guard let secret = environment["WEBHOOK_SECRET_KEY"], !secret.isEmpty else {
            throw ConfigurationError("WEBHOOK_SECRET_KEY is not set: set it to a long random value (e.g. `openssl rand -hex 32`; `make run` writes one to .env for you), or set SWITCHBOARD_ENV=development for throwaway local data")
        }
        guard secret != Self.placeholderSecret else {
            throw ConfigurationError("WEBHOOK_SECRET_KEY still has the example value from the documentation: replace it with a long random value")
        }
        guard secret.count >= 16 else {
            throw ConfigurationError("WEBHOOK_SECRET_KEY must be at least 16 characters")
        }
        if !development, SecretMaterial.estimatedEntropyBits(secret) < SecretMaterial.minimumRootSecretBits {
            throw ConfigurationError(
                "WEBHOOK_SECRET_KEY must carry at least 32 bytes of randomness (64 hex digits or 43 base64 characters, e.g. from `openssl rand -hex 32`): every API key and stored webhook secret is derived from it, and a shorter or memorable value can be guessed offline from a copy of the database")
        }
        let database = try DatabaseURL(environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? DatabaseURL.defaultValue)
        self.init(secretKey: secret, databaseURL: database, migrations: .locate(environment: environment))
        isDevelopment = development
        let reader = EnvironmentReader(environment)
        host = environment["HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? host
        if development {
            // Development mode may swap in a public root secret: only for data nobody else can
            // reach (a local file, a server listening on loopback only).
            guard Self.isLoopback(host: host), database.engine == .sqlite else {
                throw ConfigurationError(
                    "SWITCHBOARD_ENV=development is only allowed with a loopback HOST (127.0.0.1, ::1 or localhost) and a SQLite database, since it may use a public WEBHOOK_SECRET_KEY; this configuration has HOST=\(host) and a \(database.engine.rawValue) database. Unset SWITCHBOARD_ENV and set a WEBHOOK_SECRET_KEY (`openssl rand -hex 32`)")
            }
        }
        port = try reader.integer("PORT", default: port, range: 1...65535)
        logLevel = try reader.logLevel("LOG_LEVEL", default: logLevel)
        debugNamespaces = DebugNamespaces(environment["DEBUG"] ?? "")
        retryAttempts = try reader.integer("WEBHOOK_RETRY_ATTEMPTS", default: retryAttempts, range: 0...20)
        retryDelayMilliseconds = try reader.integer("WEBHOOK_RETRY_DELAY", default: retryDelayMilliseconds, range: 1...3_600_000)
        apiKeyExpiryDays = try reader.integer("API_KEY_EXPIRY_DAYS", default: apiKeyExpiryDays, range: 0...36_500)
        cleanupIntervalHours = try reader.integer("WEBHOOK_CLEANUP_INTERVAL", default: cleanupIntervalHours, range: 1...8_760)
        logRetentionDays = try reader.integer("WEBHOOK_LOG_RETENTION_DAYS", default: logRetentionDays, range: 1...36_500)
        expiredKeyGraceDays = try reader.integer("API_KEY_CLEANUP_GRACE_DAYS", default: expiredKeyGraceDays, range: 0...36_500)
        maxBodyBytes = try reader.integer("MAX_BODY_BYTES", default: maxBodyBytes, range: 1024...(64 << 20))
        maxEventBytes = try reader.integer("MAX_EVENT_BYTES", default: maxEventBytes, range: 1024...(16 << 20))
        maxBatchBytes = try reader.integer("MAX_BATCH_BYTES", default: maxBatchBytes, range: 65_536...(256 << 20))
        outboundPolicy = try TargetPolicy(allowList: environment["WEBHOOK_ALLOWED_TARGETS"] ?? "")
        deliveryTimeoutMilliseconds = try reader.integer("WEBHOOK_TIMEOUT_MS", default: deliveryTimeoutMilliseconds, range: 100...300_000)
        connectTimeoutMilliseconds = try reader.integer("WEBHOOK_CONNECT_TIMEOUT_MS", default: connectTimeoutMilliseconds, range: 100...60_000)
        deliveryConcurrency = try reader.integer("WEBHOOK_CONCURRENCY", default: deliveryConcurrency, range: 0...4096)
        autoDisableThreshold = try reader.integer("WEBHOOK_AUTO_DISABLE_AFTER", default: autoDisableThreshold, range: 1...1_000_000)
        circuitPolicy = try Self.readCircuitPolicy(reader, default: circuitPolicy, concurrency: deliveryConcurrency)
        secretOverlapHours = try reader.integer("WEBHOOK_SECRET_OVERLAP_HOURS", default: secretOverlapHours, range: 0...720)
        responseExcerptBytes = try reader.integer("WEBHOOK_RESPONSE_EXCERPT_BYTES", default: responseExcerptBytes, range: 0...65_536)
        pollIntervalMilliseconds = try reader.integer("WEBHOOK_POLL_INTERVAL_MS", default: pollIntervalMilliseconds, range: 10...60_000)
        handoff = try reader.boolean("WEBHOOK_HANDOFF", default: handoff)
        trustedProxies = try ClientAddressResolver(trustedProxies: environment["TRUSTED_PROXIES"] ?? "")
        apiRateLimit = try reader.rateLimit("API_RATE_LIMIT", default: apiRateLimit)
        authFailureLimit = try reader.rateLimit("AUTH_FAILURE_LIMIT", default: authFailureLimit)
        authFailureBuckets = try reader.integer("AUTH_FAILURE_BUCKETS", default: authFailureBuckets, range: 1_000...10_000_000)
        maxConnections = try reader.integer("HTTP_MAX_CONNECTIONS", default: maxConnections, range: 1...1_000_000)
        maxConnectionsPerClient = try reader.integer("HTTP_MAX_CONNECTIONS_PER_CLIENT", default: maxConnectionsPerClient, range: 1...1_000_000)
        idleTimeoutSeconds = try reader.integer("HTTP_IDLE_TIMEOUT_SECONDS", default: idleTimeoutSeconds, range: 1...3600)
        bodyTimeoutSeconds = try reader.integer("HTTP_BODY_TIMEOUT_SECONDS", default: bodyTimeoutSeconds, range: 1...3600)
        shutdownTimeoutSeconds = try reader.integer("SHUTDOWN_TIMEOUT_SECONDS", default: shutdownTimeoutSeconds, range: 1...3600)
        metricsQueueCacheSeconds = try reader.integer("METRICS_QUEUE_CACHE_SECONDS", default: metricsQueueCacheSeconds, range: 0...3600)
        healthCheckIntervalSeconds = try reader.integer("WEBHOOK_HEALTH_CHECK_INTERVAL", default: healthCheckIntervalSeconds, range: 1...86_400)
        unhealthyAfterFailures = try reader.integer("WEBHOOK_UNHEALTHY_AFTER", default: unhealthyAfterFailures, range: 1...1_000_000)
        healthWindowHours = try reader.integer("WEBHOOK_HEALTH_WINDOW_HOURS", default: healthWindowHours, range: 1...AnalyticsWindow.maximumHours)
        streamMaxSeconds = try reader.integer("STREAM_MAX_SECONDS", default: streamMaxSeconds, range: 1...86_400)
        // At least a heartbeat (15 s) and a reconnection past the look-back, so a quiet stream
        // never resets on its own reconnects.
        streamResumeWindowSeconds = try reader.integer("STREAM_RESUME_WINDOW_SECONDS", default: streamResumeWindowSeconds, range: 60...86_400)
        streamMaxPerKey = try reader.integer("STREAM_MAX_PER_KEY", default: streamMaxPerKey, range: 1...1000)
        quotaSyncMilliseconds = try reader.integer("QUOTA_SYNC_MS", default: quotaSyncMilliseconds, range: 10...10_000)
        outboxPollMilliseconds = try reader.integer("OUTBOX_POLL_INTERVAL_MS", default: outboxPollMilliseconds, range: 10...60_000)
        let unmatched = environment["AUTH_UNMATCHED"] ?? "deny"
        guard unmatched == "deny" || unmatched == "allow" else {
            throw ConfigurationError("AUTH_UNMATCHED must be deny (the default) or allow, not '\(unmatched)'")
        }
        var fileRules: [RouteMap.Rule] = []
        if let file = environment["AUTH_ROUTE_MAP_FILE"], !file.isEmpty {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw ConfigurationError("AUTH_ROUTE_MAP_FILE=\(file) cannot be read as UTF-8 text")
            }
            fileRules = try RouteMap.parse(text)
        }
        routeMap = RouteMap(fileRules: fileRules, allowUnmatched: unmatched == "allow")
        if let header = environment["AUTH_API_KEY_HEADER"], !header.isEmpty {
            guard HTTPField.Name(header) != nil, header.lowercased() != "authorization" else {
                throw ConfigurationError("AUTH_API_KEY_HEADER must be a header name such as X-API-Key, not '\(header)'")
            }
            apiKeyHeader = header
        }
        proxyStyle = try ProxyStyle.parse(environment["AUTH_PROXY_STYLE"])
        pathPrefix = try PrefixedResponder.validated(environment["SWITCHBOARD_PATH_PREFIX"] ?? "")
        gateway = try GatewaySettings.read(environment, reader: reader)
        let idleMinutes = try reader.integer("SESSION_IDLE_TIMEOUT_MINUTES", default: Int(sessionPolicy.idleTimeout / 60), range: 1...10_080)
        let absoluteHours = try reader.integer("SESSION_ABSOLUTE_TIMEOUT_HOURS", default: Int(sessionPolicy.absoluteTimeout / 3600), range: 1...720)
        sessionPolicy = SessionPolicy(idleTimeout: TimeInterval(idleMinutes) * 60, absoluteTimeout: TimeInterval(absoluteHours) * 3600)
        if let directory = environment["CONSOLE_ASSETS_DIR"], !directory.isEmpty {
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
        policy.failureThreshold = try reader.integer("CIRCUIT_FAILURE_THRESHOLD", default: policy.failureThreshold, range: 1...10_000)
        let initial = try reader.integer("CIRCUIT_PROBE_INITIAL_SECONDS", default: Int(policy.probeInterval.seconds), range: 1...86_400)
        let maximum = try reader.integer("CIRCUIT_PROBE_MAX_SECONDS", default: Int(policy.maxProbeInterval.seconds), range: 1...86_400)
        guard maximum >= initial else {
            throw ConfigurationError("CIRCUIT_PROBE_MAX_SECONDS (\(maximum)) must be at least CIRCUIT_PROBE_INITIAL_SECONDS (\(initial))")
        }
        policy.probeInterval = .seconds(initial)
        policy.maxProbeInterval = .seconds(maximum)
        policy.ramp = .seconds(try reader.integer("CIRCUIT_RAMP_SECONDS", default: Int(policy.ramp.seconds), range: 0...3600))
        policy.disableAfter = .seconds(
            try reader.integer("CIRCUIT_DISABLE_AFTER_SECONDS", default: Int(policy.disableAfter.seconds), range: 1...(365 * 86_400)))
        policy.perWebhookConcurrency = try reader.integer(
            "WEBHOOK_CONCURRENCY_PER_WEBHOOK", default: max(1, concurrency / 4), range: 1...4096)
        policy.defaultMaxDeliveriesPerSecond = try reader.optionalNumber(
            "WEBHOOK_MAX_DELIVERIES_PER_SECOND", range: WebhookService.deliveryRateRange) ?? policy.defaultMaxDeliveriesPerSecond
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

/// Typed access to environment variables with range checks.
struct EnvironmentReader {
    let values: [String: String]

    init(_ values: [String: String]) {
        self.values = values
    }

    func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = values[name], !text.isEmpty else { return defaultValue }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw ConfigurationError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// `true` or `false` (also `1`/`0`, `yes`/`no`).
    func boolean(_ name: String, default defaultValue: Bool) throws -> Bool {
        switch values[name]?.trimmingCharacters(in: .whitespaces).lowercased() {
        case nil, "": return defaultValue
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        case let other?: throw ConfigurationError("\(name) must be true or false, not '\(other)'")
        }
    }

    /// A decimal number in `range`, or nil when unset.
    func optionalNumber(_ name: String, range: ClosedRange<Double>) throws -> Double? {
        guard let text = values[name], !text.isEmpty else { return nil }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, range.contains(value) else {
            throw ConfigurationError("\(name) must be a number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    func rateLimit(_ name: String, default defaultValue: RateLimit) throws -> RateLimit {
        guard let text = values[name], !text.isEmpty else { return defaultValue }
        guard let limit = RateLimit(text) else {
            throw ConfigurationError("\(name) must be REQUESTS/SECONDS such as 600/60 (1–1000000 requests, 1–86400 seconds), not '\(text)'")
        }
        return limit
    }

    func logLevel(_ name: String, default defaultValue: Logger.Level) throws -> Logger.Level {
        guard let text = values[name], !text.isEmpty else { return defaultValue }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError("\(name) must be one of \(names), not '\(text)'")
        }
        return level
    }
}
