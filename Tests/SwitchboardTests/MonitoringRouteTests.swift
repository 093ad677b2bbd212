import Core
import Foundation
import HummingbirdTesting
import Server
import Testing

/// Parses Prometheus' text format into `name{labels}` → value.
enum PrometheusText {
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }
}

@Suite("Metrics and API-key analytics")
struct MonitoringRouteTests {
    func metrics(_ client: any TestClientProtocol) async throws -> (text: String, samples: [String: Double]) {
        let response = try await client.execute(uri: "/metrics", method: .get, headers: [:], body: nil)
        #expect(response.status == .ok)
        #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = String(buffer: response.body)
        return (text, PrometheusText.samples(text))
    }

    @Test("/metrics counts requests by route and status, auth failures, deliveries and their latency, and shows the queue")
    func prometheusMetrics() async throws {
        try await withTestServer { server in
            try await withReceiver { receiver in
                _ = try await server.components.webhooks.create(WebhookDraft(name: "m", url: receiver.url, events: ["*"]))
                try await server.test { client in
                    let before = try await metrics(client).samples
                    let requests = #"switchboard_http_requests_total{method="GET",route="/api/webhooks",status="200"}"#
                    let missing = #"switchboard_auth_failures_total{reason="missing_api_key"}"#
                    let invalid = #"switchboard_auth_failures_total{reason="invalid_api_key"}"#
                    let succeeded = #"switchboard_deliveries_total{outcome="succeeded"}"#
                    try await client.send(.get, "/api/webhooks", key: server.adminKey)
                    try await client.send(.get, "/api/webhooks", key: server.adminKey)
                    try await client.send(.get, "/api/webhooks")
                    try await client.send(.get, "/api/webhooks", key: "sbk_not-a-real-key")
                    // Published but not delivered yet: one due delivery in the queue.
                    try await client.send(.post, "/api/events", key: server.adminKey, json: #"{"type":"contact.created","data":{}}"#)
                    let queued = try await metrics(client)
                    #expect((queued.samples[requests] ?? 0) - (before[requests] ?? 0) >= 2)
                    #expect((queued.samples[missing] ?? 0) - (before[missing] ?? 0) >= 1)
                    #expect((queued.samples[invalid] ?? 0) - (before[invalid] ?? 0) >= 1)
                    #expect(queued.samples[#"switchboard_delivery_queue_depth{state="due"}"#] == 1)
                    #expect(queued.samples[#"switchboard_delivery_queue_depth{state="in_flight"}"#] == 0)
                    #expect(queued.samples["switchboard_delivery_oldest_due_age_seconds"] != nil)

                    try await withRunningWorker(server) {
                        try await eventually("delivered") { receiver.requests.count == 1 }
                        try await eventually("recorded") {
                            try await server.components.deliveryLogs.list(DeliveryLogFilter(), cursor: nil, limit: 10).entries.first?
                                .delivery.status == .succeeded
                        }
                    }
                    let (afterText, after) = try await metrics(client)
                    #expect(afterText.contains("# TYPE switchboard_delivery_attempt_duration_seconds histogram"))
                    #expect((after[succeeded] ?? 0) - (before[succeeded] ?? 0) >= 1)
                    #expect((after["switchboard_delivery_attempt_duration_seconds_count"] ?? 0) >= 1)
                    #expect(
                        (after["switchboard_delivery_claim_duration_seconds_count"] ?? 0) >= 1, "the claim that took the delivery is timed")
                    #expect(after[#"switchboard_delivery_queue_depth{state="due"}"#] == 0)
                    #expect(after["switchboard_delivery_oldest_due_age_seconds"] == 0)
                }
            }
        }
    }

    @Test("/metrics counts the queue at most once per METRICS_QUEUE_CACHE_SECONDS")
    func queueFiguresAreCached() async throws {
        try await withTestServer(configure: { $0.metricsQueueCacheSeconds = 3600 }) { server in
            _ = try await server.components.webhooks.create(WebhookDraft(name: "m", url: "https://m.example", events: ["*"]))
            try await server.test { client in
                let due = #"switchboard_delivery_queue_depth{state="due"}"#
                #expect(try await metrics(client).samples[due] == 0)
                _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([]))
                // Counted a moment ago: the scrape reuses that count instead of asking the database.
                #expect(try await metrics(client).samples[due] == 0)
                let fresh = try await server.components.metrics.render(driver: server.database.driver, maxAge: .zero)
                #expect(String(decoding: fresh, as: UTF8.self).contains(#"\#(due) 1"#))
            }
        }
    }

    @Test("Rate-limit rejections are counted")
    func rateLimitMetric() async throws {
        try await withTestServer { server in
            let key = try await server.apiKeys.create(
                APIKeyDraft(name: "tight", permissions: [.readWebhooks], rateLimit: RateLimit(requests: 1, windowSeconds: 60))
            ).plaintext
            try await server.test { client in
                let name = #"switchboard_rate_limit_rejections_total{reason="rate_limited"}"#
                let before = try await metrics(client).samples[name] ?? 0
                try await client.send(.get, "/api/webhooks", key: key)
                expectError(try await client.send(.get, "/api/webhooks", key: key), .tooManyRequests, code: "rate_limited")
                #expect((try await metrics(client).samples[name] ?? 0) - before >= 1)
            }
        }
    }

    @Test("API-key analytics: requests per day, busiest keys first, error rates")
    func apiKeyAnalytics() async throws {
        try await withTestServer { server in
            let busy = try await server.apiKeys.create(APIKeyDraft(name: "busy", permissions: [.readWebhooks]))
            let quiet = try await server.key([.readWebhooks])
            try await server.test { client in
                for _ in 0..<3 { try await client.send(.get, "/api/webhooks", key: busy.plaintext) }
                try await client.send(.get, "/api/webhooks/\(UUID().uuidString)", key: busy.plaintext)
                try await client.send(.get, "/api/webhooks", key: quiet)
                let answer = try await client.send(.get, "/api/api-keys/analytics?days=7&top=5", key: server.adminKey)
                #expect(answer.status == .ok, "\(answer.body.compactText)")
                let data = try #require(answer.body["data"])
                #expect(data["total_requests"]?.intValue == 5)
                #expect(data["client_errors"]?.intValue == 1)
                #expect(data["error_rate"] == .number(20))
                let days = data["requests_per_day"]?.arrayValue ?? []
                #expect(days.count == 7)
                #expect(days.last?["day"]?.stringValue == String(Timestamp.format(Date()).prefix(10)))
                #expect(days.last?["requests"]?.intValue == 5)
                let top = data["top_keys"]?.arrayValue ?? []
                #expect(top.count == 2)
                #expect(top.first?["key_id"]?.stringValue == busy.record.id.uuidString.lowercased())
                #expect(top.first?["name"]?.stringValue == "busy")
                #expect(top.first?["requests"]?.intValue == 4)
                #expect(top.first?["error_rate"] == .number(25))
                expectError(
                    try await client.send(.get, "/api/api-keys/analytics?days=0", key: server.adminKey), .badRequest, code: "invalid_query")
                expectError(
                    try await client.send(.get, "/api/api-keys/analytics?top=1000", key: server.adminKey), .badRequest,
                    code: "invalid_query")
                expectError(
                    try await client.send(.get, "/api/api-keys/analytics", key: quiet), .forbidden, code: "insufficient_permissions")
            }
        }
    }
}
