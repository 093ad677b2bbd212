import Core
import Logging

/// Every setting the server reads, in the order the configuration page lists them. A setting
/// is declared here once; `ServerSettings` reads it through its declaration and
/// `ConfigurationPage` writes `docs/configuration.md` from `all`.
package enum SettingsCatalogue {
    package static let databaseURL = Setting(
        "DATABASE_URL", .text("a database URL"), default: "`sqlite://./switchboard.sqlite`",
        "database to use: `sqlite://PATH` (relative, or `sqlite:///absolute/path`), `postgres://USER:PASSWORD@HOST:5432/DB` or `mysql://USER:PASSWORD@HOST:3306/DB` (also `mariadb://`); options in [Database and migrations](database.md#url-options)"
    )
    package static let host = Setting(
        "HOST", .text("a host name or address"), default: "`127.0.0.1`",
        "address to listen on")
    package static let port = IntegerSetting(
        "PORT", default: 8080, range: 1...65535,
        "port to listen on")
    package static let logLevel = Setting(
        "LOG_LEVEL", .choice(Logger.Level.allCases.map(\.rawValue)), default: "`info`",
        "how much the server logs; `DEBUG` turns on debug lines of single subsystems")
    package static let debug = Setting(
        "DEBUG", .text("names"), default: "unset",
        "subsystems that log at debug level whatever `LOG_LEVEL` says, as the Node `debug` module reads it: `webhook:*` for all, or `webhook:delivery` (one line per attempt with webhook, delivery, attempt, status, error), `webhook:cleanup`, `webhook:health`, `webhook:server`; commas or spaces between names, `-name` excludes"
    )
    package static let webhookSecretKey = Setting(
        "WEBHOOK_SECRET_KEY", .text("random text, 32 bytes or more"), default: "none — required",
        "root secret carrying at least 32 random bytes: 64 hex digits (`openssl rand -hex 32`, what `make run` writes) or 43 base64 characters; shorter or memorable values are refused. API keys are stored as HMAC-SHA256 hashes and webhook secrets AES-GCM-encrypted under keys derived from it. The example value of the original JavaScript webhook server's README (`your-webhook-secret-key-change-in-production`) is refused. Changing it invalidates every API key and stored secret"
    )
    package static let switchboardEnv = Setting(
        "SWITCHBOARD_ENV", .text("`development`; any other value is ignored"), default: "unset",
        "`development` replaces a missing or example `WEBHOOK_SECRET_KEY` with a fixed, public development secret (with a warning) and waives the 32-byte rule — for throwaway local data only, so it is refused unless `HOST` is loopback (`127.0.0.1`, `::1`, `localhost`) and the database is SQLite"
    )
    package static let webhookRetryAttempts = IntegerSetting(
        "WEBHOOK_RETRY_ATTEMPTS", default: 3, range: 0...20,
        "retries after the first delivery attempt; a webhook's `maxRetries` overrides it")
    package static let webhookRetryDelay = IntegerSetting(
        "WEBHOOK_RETRY_DELAY", default: 5000, range: 1...3_600_000,
        "base retry delay in ms: retries wait 1 s, then this × 3ⁿ (5 s, 15 s, 45 s, 135 s), ±10 % jitter; a webhook's `retryDelaysMs` overrides the schedule"
    )
    package static let webhookAllowedTargets = Setting(
        "WEBHOOK_ALLOWED_TARGETS", .text("a list"), default: "empty",
        "comma-separated CIDR ranges, addresses and host names that deliveries may reach although they are loopback/private/reserved, e.g. `127.0.0.1,10.0.0.0/8,hooks.internal`"
    )
    package static let webhookTimeoutMs = IntegerSetting(
        "WEBHOOK_TIMEOUT_MS", default: 10_000, range: 100...300_000,
        "longest one delivery attempt may take, connecting, the response head and the body together")
    package static let webhookConnectTimeoutMs = IntegerSetting(
        "WEBHOOK_CONNECT_TIMEOUT_MS", default: 5_000, range: 100...60_000,
        "longest connecting to a receiver may take")
    package static let webhookConcurrency = IntegerSetting(
        "WEBHOOK_CONCURRENCY", default: 64, range: 0...4096,
        "delivery requests in flight per process; `0` runs no delivery worker in this process (API only)")
    package static let webhookAutoDisableAfter = IntegerSetting(
        "WEBHOOK_AUTO_DISABLE_AFTER", default: 10, range: 1...1_000_000,
        "deliveries that ended failed in a row (retries used up, or a final status such as 400) that switch a webhook off; see [Circuit breaker and auto-disable](deliveries.md#circuit-breaker-and-auto-disable)"
    )
    package static let circuitFailureThreshold = IntegerSetting(
        "CIRCUIT_FAILURE_THRESHOLD", default: CircuitPolicy().failureThreshold, range: 1...10_000,
        "transient failures in a row (no answer, timeout, 408, 429, 5xx) that open a webhook's circuit")
    package static let circuitProbeInitialSeconds = IntegerSetting(
        "CIRCUIT_PROBE_INITIAL_SECONDS", default: Int(CircuitPolicy().probeInterval.seconds), range: 1...86_400,
        "wait from opening to the first probe; it doubles after each failed probe")
    package static let circuitProbeMaxSeconds = IntegerSetting(
        "CIRCUIT_PROBE_MAX_SECONDS", default: Int(CircuitPolicy().maxProbeInterval.seconds), range: 1...86_400,
        "longest wait between probes (at least the initial wait)")
    package static let circuitRampSeconds = IntegerSetting(
        "CIRCUIT_RAMP_SECONDS", default: Int(CircuitPolicy().ramp.seconds), range: 0...3600,
        "after a circuit closes, the webhook's concurrency climbs from 1 to its cap over this long")
    package static let circuitDisableAfterSeconds = IntegerSetting(
        "CIRCUIT_DISABLE_AFTER_SECONDS", default: Int(CircuitPolicy().disableAfter.seconds), range: 1...(365 * 86_400),
        "a webhook whose circuit has been open this long is switched off at its next failed probe")
    package static let webhookConcurrencyPerWebhook = IntegerSetting(
        "WEBHOOK_CONCURRENCY_PER_WEBHOOK", default: CircuitPolicy().perWebhookConcurrency, range: 1...4096,
        documented: "a quarter of `WEBHOOK_CONCURRENCY` (16)",
        "requests in flight to one webhook at once, over all server processes")
    package static let webhookMaxDeliveriesPerSecond = Setting(
        "WEBHOOK_MAX_DELIVERIES_PER_SECOND", .number(WebhookService.deliveryRateRange), default: "unset",
        "deliveries started per second to a webhook without its own `maxDeliveriesPerSecond`, over all server processes (0.01–10,000); unset: no limit"
    )
    package static let webhookSecretOverlapHours = IntegerSetting(
        "WEBHOOK_SECRET_OVERLAP_HOURS", default: 24, range: 0...720,
        "how long a rotated-out secret keeps signing")
    package static let webhookResponseExcerptBytes = IntegerSetting(
        "WEBHOOK_RESPONSE_EXCERPT_BYTES", default: 2048, range: 0...65_536,
        "how much of each receiver response is kept in the log")
    package static let webhookPollIntervalMs = IntegerSetting(
        "WEBHOOK_POLL_INTERVAL_MS", default: 250, range: 10...60_000,
        "how often an idle worker looks for due deliveries; a publish in the same process wakes it at once")
    package static let webhookHandoff = Setting(
        "WEBHOOK_HANDOFF", .boolean, default: "`true`",
        "`true`/`false`: a publish through this server's API writes its deliveries already leased to this server's worker when their webhooks have room, and the worker sends them after the commit without claiming them first (see [Deliveries](deliveries.md#from-publish-to-first-attempt)); `false`: every delivery waits for a claim"
    )
    package static let trustedProxies = Setting(
        "TRUSTED_PROXIES", .text("a list"), default: "empty",
        "addresses/CIDR ranges of reverse proxies whose `X-Forwarded-For` is believed; otherwise the socket peer is the client")
    package static let apiRateLimit = Setting(
        "API_RATE_LIMIT", .rateLimit, default: "`6000/60`",
        "default quota of a key, `REQUESTS/SECONDS`; a key's `rateLimit` overrides it")
    package static let authFailureLimit = Setting(
        "AUTH_FAILURE_LIMIT", .rateLimit, default: "`30/60`",
        "wrong keys allowed per client (IPv4 address or IPv6 /64) in the window; past it, requests presenting a key get 429 `too_many_auth_failures` until the window ends (requests with no key still get 401; a key this process verified in the last seconds still works)"
    )
    package static let authFailureBuckets = IntegerSetting(
        "AUTH_FAILURE_BUCKETS", default: 100_000, range: 1_000...10_000_000,
        "most clients whose failures are counted at once; past it the oldest count makes room, so invented addresses cost bounded memory")
    package static let httpIdleTimeoutSeconds = IntegerSetting(
        "HTTP_IDLE_TIMEOUT_SECONDS", default: 30, range: 1...3600,
        "longest a connection may wait for a complete request head, new or kept alive after an answer; headers sent slowly do not extend it"
    )
    package static let httpBodyTimeoutSeconds = IntegerSetting(
        "HTTP_BODY_TIMEOUT_SECONDS", default: 30, range: 1...3600,
        "longest from a request's head to the end of its body")
    package static let httpMaxConnections = IntegerSetting(
        "HTTP_MAX_CONNECTIONS", default: 1024, range: 1...1_000_000,
        "open client connections at once; more are answered 503 `too_many_connections` and closed")
    package static let httpMaxConnectionsPerClient = IntegerSetting(
        "HTTP_MAX_CONNECTIONS_PER_CLIENT", default: 128, range: 1...1_000_000,
        "open connections from one client (IPv4 address or IPv6 /64); addresses in `TRUSTED_PROXIES` are exempt")
    package static let shutdownTimeoutSeconds = IntegerSetting(
        "SHUTDOWN_TIMEOUT_SECONDS", default: 30, range: 1...3600,
        "on SIGTERM/SIGINT, longest the graceful shutdown may take before what is left is cancelled")
    package static let metricsQueueCacheSeconds = IntegerSetting(
        "METRICS_QUEUE_CACHE_SECONDS", default: 5, range: 0...3600,
        "how long `/metrics` reuses its count of the delivery queue (0 counts on every scrape)")
    package static let maxEventBytes = IntegerSetting(
        "MAX_EVENT_BYTES", default: 256 << 10, range: 1024...(16 << 20),
        "largest `POST /api/events` body (256 KiB); larger ones get 413")
    package static let maxBatchBytes = IntegerSetting(
        "MAX_BATCH_BYTES", default: 16 << 20, range: 65_536...(256 << 20),
        "largest `POST /api/events/batch` body (16 MiB); larger ones get 413")
    package static let apiKeyExpiryDays = IntegerSetting(
        "API_KEY_EXPIRY_DAYS", default: 365, range: 0...36_500,
        "lifetime of keys created without `expiresAt`; `0` = never expire")
    package static let webhookCleanupInterval = IntegerSetting(
        "WEBHOOK_CLEANUP_INTERVAL", default: 24, range: 1...8_760,
        "hours between automatic clean-ups; see [Maintenance](operations.md#maintenance)")
    package static let webhookLogRetentionDays = IntegerSetting(
        "WEBHOOK_LOG_RETENTION_DAYS", default: 90, range: 1...36_500,
        "finished delivery logs (and their attempts) older than this are deleted by the clean-up")
    package static let apiKeyCleanupGraceDays = IntegerSetting(
        "API_KEY_CLEANUP_GRACE_DAYS", default: 30, range: 0...36_500,
        "keys that expired longer ago than this are deleted by the clean-up")
    package static let webhookHealthCheckInterval = IntegerSetting(
        "WEBHOOK_HEALTH_CHECK_INTERVAL", default: 60, range: 1...86_400,
        "seconds between health evaluations of every webhook; recorded attempts also trigger one within a second; see [Monitoring](operations.md#health-monitor-and-operational-events)"
    )
    package static let webhookUnhealthyAfter = IntegerSetting(
        "WEBHOOK_UNHEALTHY_AFTER", default: 5, range: 1...1_000_000,
        "failed attempts in a row that make a webhook `unhealthy`")
    package static let webhookHealthWindowHours = IntegerSetting(
        "WEBHOOK_HEALTH_WINDOW_HOURS", default: 24, range: 1...AnalyticsWindow.maximumHours,
        "hourly buckets (this hour and the ones before) a webhook's success rate is judged over")
    package static let maxBodyBytes = IntegerSetting(
        "MAX_BODY_BYTES", default: 1 << 20, range: 1024...(64 << 20),
        "largest request body accepted; larger ones get 413")
    package static let migrationsDir = Setting(
        MigrationDirectory.variable, .text("a folder"), default: "nearest `migrations/` folder above the working directory or the binary",
        "where the migration files are")
    package static let sessionIdleTimeoutMinutes = IntegerSetting(
        "SESSION_IDLE_TIMEOUT_MINUTES", default: Int(SessionPolicy().idleTimeout / 60), range: 1...10_080,
        "a console session with no request for this long ends")
    package static let sessionAbsoluteTimeoutHours = IntegerSetting(
        "SESSION_ABSOLUTE_TIMEOUT_HOURS", default: Int(SessionPolicy().absoluteTimeout / 3600), range: 1...720,
        "a console session ends this long after sign-in however active; also the cookie's `Max-Age`")
    package static let streamMaxSeconds = IntegerSetting(
        "STREAM_MAX_SECONDS", default: 300, range: 1...86_400,
        "longest one `GET /api/stream` answer lasts before the browser reconnects and resumes; keep it below your proxy's read timeout")
    package static let streamResumeWindowSeconds = IntegerSetting(
        "STREAM_RESUME_WINDOW_SECONDS", default: 300, range: 60...86_400,
        "how far back a stream resumes with `Last-Event-ID`; an older resume point gets `event: reset` (reload the log) and the stream starts from now"
    )
    package static let streamMaxPerKey = IntegerSetting(
        "STREAM_MAX_PER_KEY", default: 10, range: 1...1000,
        "`GET /api/stream` answers one key may hold open at once in one server process; one more gets 429 `too_many_streams`; a stream whose client went away gives its place back at its next write (within 15 s)"
    )
    package static let consoleAssetsDir = Setting(
        "CONSOLE_ASSETS_DIR", .text("a folder"), default: "unset",
        "serve the console's files from this folder (the source tree's `web/`), re-read on every request and never cached, instead of the copies built into the binary — for working on the console; unset in production"
    )
    package static let authRouteMapFile = Setting(
        "AUTH_ROUTE_MAP_FILE", .text("a file"), default: "unset",
        "extra route-map rules for `/auth/verify` and the gateway (see [CRM integration](crm-integration.md#forward-authentication)); checked at start-up"
    )
    package static let authUnmatched = Setting(
        "AUTH_UNMATCHED", .choice(["deny", "allow"]), default: "`deny`",
        "what `/auth/verify` and the gateway answer for a CRM route no rule matches: `deny` (403 `route_not_allowed`) or `allow` (any valid key)"
    )
    package static let authAPIKeyHeader = Setting(
        "AUTH_API_KEY_HEADER", .text("a header name"), default: "unset",
        "a header `/auth/verify` and the gateway read the key from instead of `Authorization: Bearer`, e.g. `X-API-Key`; set, `Authorization` is the CRM's own and is never read as a Switchboard key (the gateway passes it on as it came)"
    )
    package static let switchboardPathPrefix = Setting(
        "SWITCHBOARD_PATH_PREFIX", .text("a path"), default: "unset",
        "mounts every Switchboard path (API, console, `/health`, `/ready`, `/metrics`, `/openapi.json`, `/auth/verify`) under this path, e.g. `/switchboard`; in gateway mode everything else goes to the CRM, its own `/api/webhooks` included; without the gateway, paths outside it get 404"
    )
    package static let authProxyStyle = Setting(
        "AUTH_PROXY_STYLE", .choice(ProxyStyle.allCases.map(\.rawValue)), default: "`nginx`",
        "where `/auth/verify` reads the CRM request: `nginx` (`X-Original-Method`, `X-Original-URI`), `forwarded` (`X-Forwarded-Method`, `X-Forwarded-Uri`: Caddy, Traefik) or `envoy` (its own method and the path after `/auth/verify`); a verify request carrying another style's headers is refused 400. The start-up log names the style in force"
    )
    package static let gatewayUpstream = Setting(
        "GATEWAY_UPSTREAM", .text("a URL"), default: "unset",
        "the CRM's base URL (`http(s)://host[:port][/prefix]`); set, every request outside Switchboard's own paths is checked and forwarded there ([gateway mode](crm-integration.md#gateway-mode))"
    )
    package static let gatewayForwardAuthorization = Setting(
        "GATEWAY_FORWARD_AUTHORIZATION", .boolean, default: "`false`",
        "`true` passes the client's `Authorization` (and `AUTH_API_KEY_HEADER`) on to the CRM; by default the CRM gets the key's identity headers, not the key"
    )
    package static let gatewayTimeoutMs = IntegerSetting(
        "GATEWAY_TIMEOUT_MS", default: 30_000, range: 100...600_000,
        "longest the CRM may take to start its answer, and between two pieces of it; past it 504 `upstream_timeout`")
    package static let gatewayConnectTimeoutMs = IntegerSetting(
        "GATEWAY_CONNECT_TIMEOUT_MS", default: 5_000, range: 100...60_000,
        "how long refused or failed connections to the CRM are retried before 502 `upstream_unavailable`")
    package static let gatewayMaxConnections = IntegerSetting(
        "GATEWAY_MAX_CONNECTIONS", default: 128, range: 1...10_000,
        "kept-alive connections to the CRM")
    package static let gatewayUpstreamHeadersFile = Setting(
        "GATEWAY_UPSTREAM_HEADERS_FILE", .text("a file"), default: "unset",
        "a file of `Name: value` lines (`#` comments) added to every request the gateway forwards, replacing the client's headers of those names — the CRM's service token, say (`Authorization: Bearer …`); the values are never logged or shown, and a mistake names only the line"
    )
    package static let gatewayBufferBytes = IntegerSetting(
        "GATEWAY_BUFFER_BYTES", default: 64 << 20, range: 0...(16 << 30),
        "most bytes of CRM answers held at once, over all requests, to publish them as events' `data` (64 MiB); an answer that does not fit is streamed and its event carries `{path, status}`"
    )
    package static let outboxPollIntervalMs = IntegerSetting(
        "OUTBOX_POLL_INTERVAL_MS", default: 250, range: 10...60_000,
        "how often each process's relay looks for rows the CRM committed to `switchboard_outbox`")
    package static let quotaSyncMs = IntegerSetting(
        "QUOTA_SYNC_MS", default: 200, range: 10...10_000,
        "how often each process adds its key-quota counts to the shared table and reads every process's totals; the bound on overshooting a limit with several processes grows with it"
    )

    /// Every setting, in the page's order.
    package static let all: [Setting] = [
        databaseURL,
        host,
        port.setting,
        logLevel,
        debug,
        webhookSecretKey,
        switchboardEnv,
        webhookRetryAttempts.setting,
        webhookRetryDelay.setting,
        webhookAllowedTargets,
        webhookTimeoutMs.setting,
        webhookConnectTimeoutMs.setting,
        webhookConcurrency.setting,
        webhookAutoDisableAfter.setting,
        circuitFailureThreshold.setting,
        circuitProbeInitialSeconds.setting,
        circuitProbeMaxSeconds.setting,
        circuitRampSeconds.setting,
        circuitDisableAfterSeconds.setting,
        webhookConcurrencyPerWebhook.setting,
        webhookMaxDeliveriesPerSecond,
        webhookSecretOverlapHours.setting,
        webhookResponseExcerptBytes.setting,
        webhookPollIntervalMs.setting,
        webhookHandoff,
        trustedProxies,
        apiRateLimit,
        authFailureLimit,
        authFailureBuckets.setting,
        httpIdleTimeoutSeconds.setting,
        httpBodyTimeoutSeconds.setting,
        httpMaxConnections.setting,
        httpMaxConnectionsPerClient.setting,
        shutdownTimeoutSeconds.setting,
        metricsQueueCacheSeconds.setting,
        maxEventBytes.setting,
        maxBatchBytes.setting,
        apiKeyExpiryDays.setting,
        webhookCleanupInterval.setting,
        webhookLogRetentionDays.setting,
        apiKeyCleanupGraceDays.setting,
        webhookHealthCheckInterval.setting,
        webhookUnhealthyAfter.setting,
        webhookHealthWindowHours.setting,
        maxBodyBytes.setting,
        migrationsDir,
        sessionIdleTimeoutMinutes.setting,
        sessionAbsoluteTimeoutHours.setting,
        streamMaxSeconds.setting,
        streamResumeWindowSeconds.setting,
        streamMaxPerKey.setting,
        consoleAssetsDir,
        authRouteMapFile,
        authUnmatched,
        authAPIKeyHeader,
        switchboardPathPrefix,
        authProxyStyle,
        gatewayUpstream,
        gatewayForwardAuthorization,
        gatewayTimeoutMs.setting,
        gatewayConnectTimeoutMs.setting,
        gatewayMaxConnections.setting,
        gatewayUpstreamHeadersFile,
        gatewayBufferBytes.setting,
        outboxPollIntervalMs.setting,
        quotaSyncMs.setting,
    ]
}
