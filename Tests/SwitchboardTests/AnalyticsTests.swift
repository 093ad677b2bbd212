import Core
import Foundation
import HummingbirdTesting
import Logging
import Server
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Analytics and statistics on every database")
struct AnalyticsTests {
    func makeWebhook(_ server: TestServer, url: String, events: [String], maxRetries: Int? = 0) async throws -> Webhook {
        try await server.components.webhooks.create(
            WebhookDraft(name: "w", url: url, events: events, maxRetries: maxRetries, retryDelaysMs: [100]))
    }

    func logs(_ server: TestServer, webhook: UUID) async throws -> [DeliveryLog] {
        try await server.components.deliveryLogs.list(DeliveryLogFilter(webhookID: webhook), cursor: nil, limit: 100).entries
    }

    func finished(_ server: TestServer, webhook: UUID, count: Int) async throws -> Bool {
        let entries = try await logs(server, webhook: webhook)
        return entries.count == count && entries.allSatisfy { $0.delivery.status == .succeeded || $0.delivery.status == .failed }
    }

    @Test(
        "Analytics figures match deliveries with known outcomes and latencies; a rebuild gives the same figures",
        arguments: TestDriverKind.all)
    func figuresMatchDeliveries(_ kind: TestDriverKind) async throws {
        // No circuit breaker here: the broken receiver's deliveries must use up their retries.
        try await withTestServer(kind, configure: { $0.circuitPolicy.failureThreshold = 10_000 }) { server in
            try await withReceiver { fast in
                try await withReceiver({ _, _ in ScriptedResponse(status: .internalServerError) }) { failing in
                    try await withReceiver({ _, _ in ScriptedResponse(delay: .milliseconds(300)) }) { slow in
                        let ok = try await makeWebhook(server, url: fast.url, events: ["contact.created"])
                        let broken = try await makeWebhook(server, url: failing.url, events: ["contact.updated"])
                        let sluggish = try await makeWebhook(server, url: slow.url, events: ["property.created"])
                        try await withRunningWorker(server) {
                            for _ in 0..<6 {
                                _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([]))
                                _ = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([]))
                            }
                            for _ in 0..<2 {
                                _ = try await server.components.dispatcher.publish(type: "property.created", data: .object([]))
                            }
                            try await eventually(timeout: .seconds(20), "all deliveries finished") {
                                let a = try await finished(server, webhook: ok.id, count: 6)
                                let b = try await finished(server, webhook: broken.id, count: 6)
                                let c = try await finished(server, webhook: sluggish.id, count: 2)
                                return a && b && c
                            }
                        }
                        var durations: [Int] = []
                        for webhook in [ok, broken, sluggish] {
                            durations += try await logs(server, webhook: webhook.id).flatMap(\.attempts).map(\.durationMs)
                        }
                        #expect(durations.count == 14)
                        var measured = DeliveryFigures()
                        for duration in durations { measured.add(success: true, milliseconds: duration, at: Date()) }
                        let expectedP50 = measured.percentile(0.5)
                        let expectedP95 = measured.percentile(0.95)
                        let expectedAverage = Int((Double(durations.reduce(0, +)) / 14).rounded())

                        let before = try await server.test { client in
                            let answer = try await client.send(.get, "/api/webhooks/analytics", key: server.adminKey)
                            #expect(answer.status == .ok, "\(answer.body.compactText)")
                            let data = try #require(answer.body["data"])
                            #expect(data["total_webhooks"]?.intValue == 3)
                            #expect(data["active_webhooks"]?.intValue == 3)
                            #expect(data["total_deliveries"]?.intValue == 14)
                            #expect(data["successful_deliveries"]?.intValue == 8)
                            #expect(data["failed_deliveries"]?.intValue == 6)
                            #expect(data["success_rate"] == .number(57.1))
                            #expect(data["average_response_time"]?.intValue == expectedAverage)
                            // The broken webhook failed 6 times in a row (unhealthy at 5).
                            #expect(data["failed_webhooks"]?.intValue == 1)
                            #expect(data["healthy_webhooks"]?.intValue == 2)
                            // Percentiles are the bucket estimate of the stored durations; the
                            // slowest attempts took at least the slow receiver's 300 ms.
                            #expect(data["p95_response_time"]?.intValue == expectedP95)
                            #expect(data["p50_response_time"]?.intValue == expectedP50)
                            #expect((data["p95_response_time"]?.intValue ?? 0) >= 250)
                            let series = data["series"]?.arrayValue ?? []
                            #expect(series.count == 24)
                            #expect(series.compactMap { $0["deliveries"]?.intValue }.reduce(0, +) == 14)
                            #expect(series.compactMap { $0["failures"]?.intValue }.reduce(0, +) == 6)

                            let stats = try await client.send(
                                .get, "/api/webhooks/\(broken.id.uuidString.lowercased())/stats", key: server.adminKey)
                            #expect(stats.body["data"]?["state"]?.stringValue == "unhealthy")
                            #expect(stats.body["data"]?["rule"]?.stringValue?.contains("6 failed attempts in a row") == true)
                            #expect(stats.body["data"]?["consecutive_failures"]?.intValue == 6)
                            #expect(stats.body["data"]?["success_rate"] == .number(0))
                            #expect(stats.body["data"]?["last_success_at"] == .null)
                            #expect(stats.body["data"]?["last_failure_at"]?.stringValue != nil)
                            let slowStats = try await client.send(
                                .get, "/api/webhooks/\(sluggish.id.uuidString.lowercased())/stats", key: server.adminKey)
                            #expect((slowStats.body["data"]?["average_response_time"]?.intValue ?? 0) >= 300)
                            #expect(slowStats.body["data"]?["state"]?.stringValue == "healthy")
                            #expect(slowStats.body["data"]?["total_deliveries"]?.intValue == 2)
                            return data
                        }

                        // Recounting from the logs gives exactly the incremental figures.
                        let rebuilt = try await StatsStore.rebuild(driver: server.database.driver)
                        #expect(rebuilt.attempts == 14)
                        #expect(rebuilt.rows >= 3)
                        try await server.test { client in
                            let after = try await client.send(.get, "/api/webhooks/analytics", key: server.adminKey)
                            #expect(after.body["data"] == before)
                            let hourAgo = Timestamp.format(Date().addingTimeInterval(-3600))
                            let windowed = try await client.send(.get, "/api/webhooks/analytics?since=\(hourAgo)", key: server.adminKey)
                            #expect(windowed.body["data"]?["total_deliveries"]?.intValue == 14)
                            #expect(windowed.body["data"]?["series"]?.arrayValue.count == 2)
                            let future = Timestamp.format(Date().addingTimeInterval(7200))
                            expectError(
                                try await client.send(.get, "/api/webhooks/analytics?since=\(future)", key: server.adminKey), .badRequest,
                                code: "invalid_query")
                            let longAgo = Timestamp.format(Date().addingTimeInterval(-40 * 86_400))
                            expectError(
                                try await client.send(.get, "/api/webhooks/analytics?since=\(longAgo)", key: server.adminKey), .badRequest,
                                code: "invalid_query")
                            expectError(
                                try await client.send(.get, "/api/webhooks/analytics?until=\(hourAgo)", key: server.adminKey), .badRequest,
                                code: "invalid_query")
                            expectError(
                                try await client.send(.get, "/api/webhooks/\(UUID().uuidString)/stats", key: server.adminKey), .notFound,
                                code: "not_found")
                        }
                    }
                }
            }
        }
    }

    @Test("Health changes are announced once as operational events to a subscribed receiver", arguments: TestDriverKind.all)
    func healthTransitionsAreAnnounced(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: { $0.unhealthyAfterFailures = 3 }) { server in
            // The watched receiver fails its first three requests, then recovers.
            try await withReceiver({ _, index in ScriptedResponse(status: index < 3 ? .serviceUnavailable : .ok) }) { flaky in
                try await withReceiver { watcher in
                    // A path and query holding a token, as receivers' URLs often do.
                    let watched = try await makeWebhook(server, url: flaky.url + "?token=s3cr3t", events: ["contact.created"])
                    _ = try await makeWebhook(
                        server, url: watcher.url, events: ["webhook.unhealthy", "webhook.recovered", "webhook.disabled"])
                    let monitor = server.components.healthMonitor
                    // A second monitor, as another server on the same database would run.
                    let rival = HealthMonitor(
                        analytics: server.components.analytics, driver: server.database.driver, interval: .seconds(60))
                    try await withRunningWorker(server) {
                        for _ in 0..<3 { _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([])) }
                        try await eventually("three failures") { try await finished(server, webhook: watched.id, count: 3) }
                        async let first = monitor.evaluate()
                        async let second = rival.evaluate()
                        let transitions = try await first + second
                        #expect(transitions.map(\.to) == [.unhealthy])
                        #expect(transitions.first?.eventType == "webhook.unhealthy")
                        #expect(try await monitor.evaluate().isEmpty)
                        try await eventually("unhealthy announced") { watcher.requests.count == 1 }

                        _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([]))
                        try await eventually("a success") { try await finished(server, webhook: watched.id, count: 4) }
                        #expect(try await monitor.evaluate().map(\.eventType) == ["webhook.recovered"])
                        try await eventually("recovery announced") { watcher.requests.count == 2 }

                        _ = try await server.components.webhooks.update(id: watched.id, changes: WebhookChanges(isActive: false))
                        #expect(try await monitor.evaluate().map(\.eventType) == ["webhook.disabled"])
                        try await eventually("disabling announced") { watcher.requests.count == 3 }
                    }
                    let bodies = try watcher.requests.map { try JSONValue.parse(Array($0.body)) }
                    #expect(bodies.map { $0["type"]?.stringValue } == ["webhook.unhealthy", "webhook.recovered", "webhook.disabled"])
                    #expect(bodies.allSatisfy { $0["data"]?["webhook_id"]?.stringValue == watched.id.uuidString.lowercased() })
                    #expect(bodies.map { $0["data"]?["previous_state"]?.stringValue } == ["healthy", "unhealthy", "healthy"])
                    #expect(bodies.first?["data"]?["rule"]?.stringValue?.contains("3 failed attempts in a row") == true)
                    #expect(watcher.requests.allSatisfy { $0.header("X-Webhook-Event")?.hasPrefix("webhook.") == true })
                    // Every subscriber of `*` gets these: the URL's path and query stay out.
                    #expect(bodies.allSatisfy { $0["data"]?["url"]?.stringValue == "http://127.0.0.1:\(flaky.port)" })
                    #expect(watcher.requests.allSatisfy { !$0.bodyText.contains("s3cr3t") && !$0.bodyText.contains("/hook") })
                }
            }
        }
    }
}

@Suite("Health monitor service")
struct HealthMonitorServiceTests {
    @Test("The monitor stops promptly on graceful shutdown, however long its interval")
    func stopsOnShutdown() async throws {
        try await withTestServer { server in
            let monitor = HealthMonitor(analytics: server.components.analytics, driver: server.database.driver, interval: .seconds(3600))
            var logger = Logger(label: "test-monitor")
            logger.logLevel = .warning
            let group = ServiceGroup(configuration: .init(services: [monitor], gracefulShutdownSignals: [], logger: logger))
            let stopped = Mutex(false)
            // Not awaited: a monitor that ignored shutdown would hold the test for an hour.
            Task {
                try? await group.run()
                stopped.withLock { $0 = true }
            }
            // Let it finish its first evaluation and settle into the hour-long wait.
            try await Task.sleep(for: .milliseconds(300))
            await group.triggerGracefulShutdown()
            try await eventually("the monitor stopped after shutdown began, not after its interval") { stopped.withLock { $0 } }
        }
    }
}

@Suite("Health rules and latency figures")
struct HealthRuleTests {
    func figures(successes: Int, failures: Int) -> DeliveryFigures {
        var figures = DeliveryFigures()
        for _ in 0..<successes { figures.add(success: true, milliseconds: 10, at: Date()) }
        for _ in 0..<failures { figures.add(success: false, milliseconds: 10, at: Date()) }
        return figures
    }

    @Test("Each rule decides the state it documents")
    func rules() {
        let rules = HealthRules()
        func state(active: Bool = true, inRow: Int = 0, _ window: DeliveryFigures = DeliveryFigures()) -> HealthState {
            rules.evaluate(WebhookHealthInput(isActive: active, disabledReason: nil, consecutiveFailures: inRow, window: window)).state
        }
        #expect(state() == .healthy)
        #expect(state(active: false) == .disabled)
        #expect(state(active: false, inRow: 50) == .disabled)
        #expect(state(inRow: 5) == .unhealthy)
        #expect(state(inRow: 4) == .degraded)
        #expect(state(inRow: 1, figures(successes: 4, failures: 6)) == .unhealthy)
        // The same poor rate, but the last attempt succeeded: working again, so only degraded.
        #expect(state(figures(successes: 4, failures: 6)) == .degraded)
        #expect(state(figures(successes: 94, failures: 6)) == .degraded)
        #expect(state(figures(successes: 95, failures: 5)) == .healthy)
        // Too few attempts to judge a rate.
        #expect(state(figures(successes: 1, failures: 8)) == .healthy)
    }

    @Test("Operational events are sent for the documented changes only")
    func announcedChanges() {
        #expect(HealthMonitor.eventType(from: .healthy, to: .unhealthy) == "webhook.unhealthy")
        #expect(HealthMonitor.eventType(from: .degraded, to: .unhealthy) == "webhook.unhealthy")
        #expect(HealthMonitor.eventType(from: .unhealthy, to: .disabled) == "webhook.disabled")
        #expect(HealthMonitor.eventType(from: .unhealthy, to: .healthy) == "webhook.recovered")
        #expect(HealthMonitor.eventType(from: .disabled, to: .degraded) == "webhook.recovered")
        #expect(HealthMonitor.eventType(from: .healthy, to: .degraded) == nil)
        #expect(HealthMonitor.eventType(from: .degraded, to: .healthy) == nil)
    }

    @Test("Percentiles are interpolated inside latency buckets, never outside the shortest and longest attempt")
    func percentiles() {
        var figures = DeliveryFigures()
        #expect(figures.percentile(0.5) == nil)
        for ms in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] { figures.add(success: true, milliseconds: ms, at: Date()) }
        #expect(figures.percentile(0.5) == 5)  // half of ten attempts are at most 5 ms: the (2, 5] bucket's top
        figures.add(success: true, milliseconds: 400, at: Date())
        figures.add(success: false, milliseconds: 60_000, at: Date())
        // Above the last bound the bucket reaches as far as the longest attempt: 88 % of 30–60 s.
        #expect(figures.percentile(0.99) == 56_400)
        #expect(figures.percentile(1) == 60_000)
        #expect(figures.averageMilliseconds == Int((Double(55 + 400 + 60_000) / 12).rounded()))
        #expect(figures.successRate == 91.7)
        #expect(figures.minMilliseconds == 1 && figures.maxMilliseconds == 60_000)
        #expect(DeliveryFigures.bucketIndex(0) == 0)
        #expect(DeliveryFigures.bucketIndex(1) == 0)
        #expect(DeliveryFigures.bucketIndex(2) == 1)
        #expect(DeliveryFigures.bucketIndex(25) == 4)
        #expect(DeliveryFigures.bucketIndex(26) == 5)
        #expect(DeliveryFigures.bucketIndex(30_001) == DeliveryFigures.bucketBounds.count)

        // Every attempt about 3 ms: the median cannot be far from the mean (the finding: 3 ms
        // average, p50/p95 13/24 ms, from one 0–25 ms bucket).
        var quick = DeliveryFigures()
        for ms in [3, 3, 3, 2, 4, 3, 3, 3, 4, 3] { quick.add(success: true, milliseconds: ms, at: Date()) }
        for quantile in [0.5, 0.95, 0.99] {
            let value = try! #require(quick.percentile(quantile))
            #expect((2...4).contains(value), "p\(Int(quantile * 100)) = \(value) ms with every attempt 2–4 ms")
        }
    }

    /// The exact percentile of sorted values, by rank (the smallest value with at least that
    /// share at or below it).
    static func exact(_ sorted: [Int], _ quantile: Double) -> Int {
        sorted[max(0, Int((quantile * Double(sorted.count)).rounded(.up)) - 1)]
    }

    static let knownDurationSets: [[Int]] = {
        let steady = [Int](repeating: 3, count: 100)
        let spread: [Int] = (0..<100).map { $0 % 10 + 1 }
        let tail: [Int] = (0..<200).map { $0 < 180 ? 4 : 40 + $0 % 7 }
        let outliers: [Int] = [Int](repeating: 120, count: 97) + [900, 2_000, 9_000]
        let even: [Int] = (0..<50).map { $0 * 20 }
        return [steady, spread, tail, outliers, even]
    }()

    @Test("Percentiles of known durations are within one bucket of the exact values", arguments: knownDurationSets)
    func knownDurations(_ durations: [Int]) throws {
        var figures = DeliveryFigures()
        for ms in durations { figures.add(success: true, milliseconds: ms, at: Date()) }
        let sorted = durations.sorted()
        for quantile in [0.5, 0.95, 0.99] {
            let estimate = try #require(figures.percentile(quantile))
            let exact = Self.exact(sorted, quantile)
            let bucket = DeliveryFigures.bucketIndex(exact)
            let lower = bucket == 0 ? 0 : DeliveryFigures.bucketBounds[bucket - 1]
            let upper = bucket < DeliveryFigures.bucketBounds.count ? DeliveryFigures.bucketBounds[bucket] : sorted.last!
            #expect(
                (lower...upper).contains(estimate),
                "p\(Int(quantile * 100)): \(estimate) ms, exactly \(exact) ms (bucket \(lower)–\(upper))")
            #expect(estimate >= sorted.first! && estimate <= sorted.last!, "never outside what was measured")
        }
    }

    @Test("Windows are whole hours, at most 31 days")
    func windows() throws {
        let since = try #require(Timestamp.parse("2026-11-01T10:20:00.000Z"))
        let until = try #require(Timestamp.parse("2026-11-01T12:00:01.000Z"))
        let window = try AnalyticsWindow(since: since, until: until)
        #expect(Timestamp.format(window.since) == "2026-11-01T10:00:00.000Z")
        #expect(Timestamp.format(window.until) == "2026-11-01T13:00:00.000Z")
        #expect(window.hours.count == 3)
        #expect(throws: SwitchboardError.self) { try AnalyticsWindow(since: until, until: since) }
        #expect(throws: SwitchboardError.self) { try AnalyticsWindow(since: since, until: since.addingTimeInterval(32 * 86_400)) }
    }
}

@Suite("Statistics migration on every database")
struct StatsMigrationTests {
    @Test("Upgrading to version 0004 counts the delivery logs already stored, as a rebuild does", arguments: TestDriverKind.all)
    func backfill(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind, migrate: false) { database in
            let driver = database.driver
            let files = try TestDatabase.migrations.load(for: driver.dialect)
            try await Migrator(driver: driver, files: files.filter { $0.version < "0004" }).up()
            let at = { (text: String) in Timestamp.parse("2026-11-02T\(text).000Z")! }
            // Written as version 0003 had it (the store writes today's columns).
            let webhook = (id: UUID(), created: at("09:00:00"))
            try await driver.execute(
                """
                INSERT INTO webhooks (id, name, url, events, is_active, consecutive_failures, created_at, updated_at)
                VALUES (\(webhook.id), \("old"), \("https://example.com/hook"), \("[\"*\"]"), \(true), \(0), \(webhook.created), \(webhook.created))
                """)
            let event = Event(id: UUID(), type: "contact.created", payload: "{}", idempotencyKey: nil, createdAt: at("10:00:00"))
            try await driver.execute(
                """
                INSERT INTO events (id, type, payload, created_at) VALUES (\(event.id), \(event.type), \(event.payload), \(event.createdAt))
                """)
            let delivery = Delivery(
                id: UUID(), eventID: event.id, webhookID: webhook.id, eventType: event.type, status: .succeeded, attemptCount: 3,
                nextAttemptAt: nil, createdAt: at("10:00:00"), updatedAt: at("11:05:00"))
            try await DeliveryStore(executor: driver).insert([delivery])
            let attempts = [(200, 30, "10:15:00"), (500, 600, "10:20:00"), (nil, 5, "11:05:00")].enumerated().map { index, attempt in
                DeliveryAttempt(
                    id: UUID(), deliveryID: delivery.id, attemptNumber: index + 1, requestHeaders: [:], responseStatus: attempt.0,
                    responseBodyExcerpt: nil, durationMs: attempt.1, error: attempt.0 == nil ? "connection refused" : nil,
                    createdAt: at(attempt.2))
            }
            try await DeliveryStore(executor: driver).insert(attempts: attempts)

            try await Migrator(driver: driver, files: files).up()
            let analytics = WebhookAnalytics(driver: driver)
            let window = try AnalyticsWindow(since: at("10:00:00"), until: at("12:00:00"))
            let migrated = try await analytics.series(window)
            #expect(migrated.map(\.figures.attempts) == [2, 1])
            #expect(migrated.map(\.figures.successes) == [1, 0])
            #expect(migrated.map(\.figures.totalMilliseconds) == [630, 5])
            #expect(migrated[0].figures.buckets[DeliveryFigures.bucketIndex(30)] == 1)
            #expect(migrated[0].figures.buckets[DeliveryFigures.bucketIndex(600)] == 1)
            let tenOClock = try #require(
                try await driver.first("SELECT last_success_at, last_failure_at FROM webhook_stats_hourly WHERE hour = \("2026-11-02T10")"))
            #expect(try tenOClock.optionalDate("last_success_at") == at("10:15:00"))
            #expect(try tenOClock.optionalDate("last_failure_at") == at("10:20:00"))
            let allTime = try await analytics.totals(nil)
            #expect(allTime.attempts == 3)
            #expect(allTime.totalMilliseconds == 635)
            #expect(allTime.lastSuccessAt == at("10:15:00"))
            #expect(allTime.lastFailureAt == at("11:05:00"))

            let report = try await StatsStore.rebuild(driver: driver)
            #expect(report.fromHour == "2026-11-02T10")
            #expect(report.rows == 2)
            #expect(report.attempts == 3)
            // The rebuild counts the same attempts into 0012's finer buckets, with the exact
            // shortest and longest (the migrations could only give their buckets' bounds).
            let rebuilt = try await analytics.series(window)
            #expect(rebuilt.map(\.figures.attempts) == [2, 1])
            #expect(rebuilt.map(\.figures.totalMilliseconds) == [630, 5])
            #expect(migrated.map(\.figures.minMilliseconds) == [25, 0] && migrated.map(\.figures.maxMilliseconds) == [630, 5])
            #expect(rebuilt.map(\.figures.minMilliseconds) == [30, 5] && rebuilt.map(\.figures.maxMilliseconds) == [600, 5])
            #expect(rebuilt[1].figures.buckets[DeliveryFigures.bucketIndex(5)] == 1)
            // A rebuild from a later hour leaves the earlier one alone.
            #expect(try await StatsStore.rebuild(driver: driver, since: at("11:30:00")).attempts == 1)
            #expect(try await analytics.series(window) == rebuilt)
            let totals = try await analytics.totals(nil)
            #expect(totals.attempts == allTime.attempts && totals.totalMilliseconds == allTime.totalMilliseconds)
            #expect(totals.lastSuccessAt == allTime.lastSuccessAt && totals.lastFailureAt == allTime.lastFailureAt)
            #expect(totals.minMilliseconds == 5 && totals.maxMilliseconds == 600)
        }
    }

    @Test(
        "Upgrading to version 0012 keeps every hourly and all-time count, bounds the shortest and longest attempt by the buckets, and going back merges the new buckets",
        arguments: TestDriverKind.all)
    func finerBuckets(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind, migrate: false) { database in
            let driver = database.driver
            let files = try TestDatabase.migrations.load(for: driver.dialect)
            try await Migrator(driver: driver, files: files.filter { $0.version < "0012" }).up()
            let throughTwelve = files.filter { $0.version <= "0012" }
            let created = Timestamp.parse("2026-11-02T09:00:00.000Z")!
            let webhook = UUID()
            try await driver.execute(
                """
                INSERT INTO webhooks (id, name, url, events, is_active, consecutive_failures, created_at, updated_at)
                VALUES (\(webhook), \("old"), \("https://example.com/hook"), \("[\"*\"]"), \(true), \(0), \(created), \(created))
                """)
            // As version 0011 stored them: twelve quick attempts, three slower ones, one timeout.
            let counts =
                "attempts, successes, failures, total_ms, lat_le_25, lat_le_50, lat_le_100, lat_le_250, lat_le_500, lat_le_1000, lat_le_2500, lat_le_5000, lat_le_10000, lat_over_10000"
            try await driver.execute(
                """
                INSERT INTO webhook_stats_hourly (hour, webhook_id, \(unsafeRaw: counts))
                VALUES (\("2026-11-02T10"), \(webhook), 16, 15, 1, 10300, 12, 0, 3, 0, 0, 0, 0, 0, 0, 1)
                """)
            try await driver.execute(
                """
                INSERT INTO webhook_stats_hourly (hour, webhook_id, \(unsafeRaw: counts))
                VALUES (\("2026-11-02T11"), \(webhook), 2, 2, 0, 70, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0)
                """)
            try await driver.execute(
                """
                INSERT INTO webhook_stats_total (webhook_id, \(unsafeRaw: counts))
                VALUES (\(webhook), 18, 17, 1, 10370, 12, 2, 3, 0, 0, 0, 0, 0, 0, 1)
                """)
            try await Migrator(driver: driver, files: throughTwelve).up()
            let analytics = WebhookAnalytics(driver: driver)
            let window = try AnalyticsWindow(
                since: Timestamp.parse("2026-11-02T10:00:00.000Z")!, until: Timestamp.parse("2026-11-02T12:00:00.000Z")!)
            let hours = try await analytics.series(window).map(\.figures)
            #expect(hours.map(\.attempts) == [16, 2])
            #expect(hours[0].buckets[DeliveryFigures.bucketIndex(25)] == 12 && hours[0].buckets[DeliveryFigures.bucketIndex(100)] == 3)
            #expect(hours[0].buckets[DeliveryFigures.bucketIndex(30_000)] == 1, "the old top bucket becomes the 30 s one")
            #expect(hours[0].minMilliseconds == 0 && hours[0].maxMilliseconds == 10300)
            #expect(hours[1].minMilliseconds == 25 && hours[1].maxMilliseconds == 50)
            let total = try await analytics.totals(nil)
            #expect(total.attempts == 18 && total.totalMilliseconds == 10370 && total.buckets.reduce(0, +) == 18)
            #expect(total.minMilliseconds == 0 && total.maxMilliseconds == 10370)
            // New attempts go to the finer buckets beside the old counts.
            let sample = StatsStore.Sample(
                webhookID: webhook, success: true, milliseconds: 3, at: Timestamp.parse("2026-11-02T11:30:00.000Z")!)
            _ = try await driver.transaction { try await $0.executeAll(StatsStore.upsertQueries([sample], dialect: driver.dialect)) }
            let eleven = try await analytics.series(window).map(\.figures)[1]
            #expect(
                eleven.attempts == 3 && eleven.buckets[DeliveryFigures.bucketIndex(3)] == 1 && eleven.minMilliseconds == 3
                    && eleven.maxMilliseconds == 50)

            _ = try await Migrator(driver: driver, files: throughTwelve).down()
            let back = try #require(
                try await driver.first(
                    "SELECT lat_le_25, lat_le_50, lat_over_10000, attempts FROM webhook_stats_hourly WHERE hour = \("2026-11-02T11")"))
            #expect(
                try back.int("lat_le_25") == 1 && back.int("lat_le_50") == 2 && back.int("lat_over_10000") == 0 && back.int("attempts") == 3
            )
            let backTotal = try #require(try await driver.first("SELECT lat_le_25, lat_over_10000, attempts FROM webhook_stats_total"))
            #expect(try backTotal.int("lat_le_25") == 13 && backTotal.int("lat_over_10000") == 1 && backTotal.int("attempts") == 19)
        }
    }
}
