import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import Testing

/// What the console needs from the API, on every database: searching webhooks, filtering and
/// reading deliveries, paging the audit trail, dry-run recovery, revealing a secret, custom
/// test payloads, event-type examples and the live stream.
@Suite("Console API")
struct ConsoleAPITests {
    static func create(
        _ client: some TestClientProtocol, _ server: TestServer, name: String, url: String, events: String = #"["*"]"#, extra: String = ""
    ) async throws -> JSONValue {
        let result = try await client.send(
            .post, "/api/webhooks", key: server.adminKey, json: #"{"name":"\#(name)","url":"\#(url)","events":\#(events)\#(extra)}"#)
        #expect(result.status == .created, "\(result.body.compactText)")
        return try #require(result.body["data"])
    }

    @Test(
        "webhook search, state filter and health; delivery filters by several statuses, event and time; detail with the sent body",
        arguments: TestDriverKind.all)
    func listsAndFilters(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            try await withReceiver({ request, _ in ScriptedResponse(status: request.uri.contains("fail") ? .internalServerError : .ok) }) {
                receiver in
                try await server.test { client in
                    let good = try await Self.create(
                        client, server, name: "Billing 100%_done", url: receiver.url, events: #"["contact.created"]"#)
                    let bad = try await Self.create(
                        client, server, name: "Search", url: receiver.url + "?fail=1", events: #"["contact.deleted"]"#,
                        extra: #","maxRetries":0"#)
                    _ = try await Self.create(
                        client, server, name: "Quiet", url: "http://127.0.0.1:9/quiet", events: #"["property.created"]"#)
                    let names = { (query: String) async throws -> [String] in
                        try await client.send(.get, "/api/webhooks?\(query)", key: server.adminKey).body["data"]?.arrayValue.compactMap {
                            $0["name"]?.stringValue
                        } ?? []
                    }
                    #expect(try await names("q=billing") == ["Billing 100%_done"])
                    #expect(try await names("q=100%25_") == ["Billing 100%_done"], "LIKE wildcards in the text match themselves")
                    #expect(try await names("q=_") == ["Billing 100%_done"])
                    #expect(try await names("q=127.0.0.1:9").sorted() == ["Quiet"])
                    _ = try await client.send(
                        .patch, "/api/webhooks/\(try #require(bad["id"]?.stringValue))", key: server.adminKey, json: #"{"isActive":false}"#)
                    #expect(try await names("state=disabled") == ["Search"])
                    #expect(try await names("state=active").sorted() == ["Billing 100%_done", "Quiet"])
                    expectError(
                        try await client.send(.get, "/api/webhooks?state=sleepy", key: server.adminKey), .badRequest, code: "invalid_query")
                    expectError(
                        try await client.send(.get, "/api/webhooks?include=secrets", key: server.adminKey), .badRequest,
                        code: "invalid_query")
                    _ = try await client.send(
                        .patch, "/api/webhooks/\(try #require(bad["id"]?.stringValue))", key: server.adminKey, json: #"{"isActive":true}"#)

                    try await withRunningWorker(server) {
                        for type in ["contact.created", "contact.created", "contact.deleted"] {
                            _ = try await server.components.dispatcher.publish(type: type, data: .object([("id", .string("c"))]))
                        }
                        try await eventually {
                            let logs = try await client.send(.get, "/api/webhooks/logs?status=succeeded,failed", key: server.adminKey)
                            return logs.body["data"]?.arrayValue.count == 3
                        }
                    }
                    let healthy = try await client.send(.get, "/api/webhooks?include=health&q=billing", key: server.adminKey)
                    let health = try #require(healthy.body["data"]?.arrayValue.first?["health"])
                    #expect(health["state"]?.stringValue == "healthy")
                    #expect(health["deliveries"]?.intValue == 2)
                    #expect(health["lastAttemptAt"]?.stringValue != nil)

                    let failed =
                        try await client.send(.get, "/api/webhooks/logs?status=failed", key: server.adminKey).body["data"]?.arrayValue ?? []
                    #expect(failed.count == 1)
                    #expect(failed.first?["webhookId"] == bad["id"])
                    let repeated = try await client.send(.get, "/api/webhooks/logs?status=failed&status=succeeded", key: server.adminKey)
                    #expect(repeated.body["data"]?.arrayValue.count == 3)
                    expectError(
                        try await client.send(.get, "/api/webhooks/logs?status=failed,lost", key: server.adminKey), .badRequest,
                        code: "invalid_query")
                    let eventID = try #require(failed.first?["eventId"]?.stringValue)
                    let byEvent = try await client.send(.get, "/api/webhooks/logs?event_id=\(eventID)", key: server.adminKey)
                    #expect(byEvent.body["data"]?.arrayValue.map { $0["id"] } == [failed.first?["id"]])
                    let future = Timestamp.format(Date().addingTimeInterval(3600))
                    let past = Timestamp.format(Date().addingTimeInterval(-3600))
                    #expect(
                        try await client.send(.get, "/api/webhooks/logs?until=\(past)", key: server.adminKey).body["data"]?.arrayValue.count
                            == 0)
                    #expect(
                        try await client.send(.get, "/api/webhooks/logs?since=\(past)&until=\(future)", key: server.adminKey).body["data"]?
                            .arrayValue.count == 3)
                    expectError(
                        try await client.send(.get, "/api/webhooks/logs?since=\(future)&until=\(past)", key: server.adminKey), .badRequest,
                        code: "invalid_query")

                    let detail = try await client.send(
                        .get, "/api/webhooks/logs/\(try #require(failed.first?["id"]?.stringValue))", key: server.adminKey)
                    let sent = try #require(detail.body["data"]?["request"]?["body"]?.stringValue)
                    #expect(detail.body["data"]?["request"]?["url"]?.stringValue == receiver.url + "?fail=1")
                    #expect(detail.body["data"]?["responseExcerptLimit"]?.intValue == server.settings.responseExcerptBytes)
                    #expect(receiver.requests.contains { $0.bodyText == sent }, "the detail shows exactly the bytes the receiver got")
                    #expect(good["id"] != nil)
                }
            }
        }
    }

    @Test(
        "audit paging by cursor; dry-run recovery changes nothing; reveal-secret is audited; a test send carries given data; event types have examples",
        arguments: TestDriverKind.all)
    func actions(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            try await withReceiver({ _, _ in ScriptedResponse(status: .internalServerError) }) { receiver in
                try await server.test { client in
                    let webhook = try await Self.create(client, server, name: "Failing", url: receiver.url, extra: #","maxRetries":0"#)
                    let id = try #require(webhook["id"]?.stringValue)
                    try await withRunningWorker(server) {
                        for _ in 0..<3 { _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([])) }
                        try await eventually {
                            try await client.send(.get, "/api/webhooks/logs?status=failed", key: server.adminKey).body["data"]?.arrayValue
                                .count == 3
                        }
                    }
                    let dry = try await client.send(
                        .post, "/api/webhooks/\(id)/recover", key: server.adminKey, json: #"{"since":"2020-01-01T00:00:00Z","dryRun":true}"#
                    )
                    #expect(dry.status == .ok)
                    #expect(dry.body["data"]?["matching"]?.intValue == 3)
                    #expect(dry.body["data"]?["requeued"]?.intValue == 0)
                    #expect(
                        try await client.send(.get, "/api/webhooks/logs?status=failed", key: server.adminKey).body["data"]?.arrayValue.count
                            == 3)
                    let real = try await client.send(
                        .post, "/api/webhooks/\(id)/recover", key: server.adminKey, json: #"{"since":"2020-01-01T00:00:00Z"}"#)
                    #expect(real.status == .accepted)
                    #expect(real.body["data"]?["requeued"]?.intValue == 3)

                    let revealed = try await client.send(.post, "/api/webhooks/\(id)/reveal-secret", key: server.adminKey)
                    #expect(revealed.body["data"]?["secret"] == webhook["secret"])
                    let reader = try await server.key([.readWebhooks])
                    expectError(
                        try await client.send(.post, "/api/webhooks/\(id)/reveal-secret", key: reader), .forbidden,
                        code: "insufficient_permissions")
                    let trail = try await client.send(.get, "/api/audit-logs?action=webhook.secret_revealed", key: server.adminKey)
                    #expect(trail.body["data"]?.arrayValue.first?["targetId"]?.stringValue == id)
                    #expect(!trail.body.compactText.contains("whsec_"))

                    let test = try await client.send(
                        .post, "/api/webhooks/\(id)/test", key: server.adminKey,
                        json: #"{"eventType":"contact.created","data":{"id":"mine"}}"#)
                    #expect(test.status == .ok)
                    #expect(receiver.requests.last?.bodyText.contains(#""data":{"id":"mine"}"#) == true)
                    expectError(
                        try await client.send(.post, "/api/webhooks/\(id)/test", key: server.adminKey, json: #"{"data":[1]}"#),
                        .unprocessableContent, code: "validation_failed")

                    // Every change so far is in the trail; page through it two at a time.
                    var seen: [JSONValue] = []
                    var cursor: String?
                    repeat {
                        let page = try await client.send(
                            .get, "/api/audit-logs?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), key: server.adminKey)
                        seen += page.body["data"]?.arrayValue ?? []
                        cursor = page.body["pagination"]?["next_cursor"]?.stringValue
                    } while cursor != nil
                    let all = try await client.send(.get, "/api/audit-logs?limit=500", key: server.adminKey).body["data"]?.arrayValue ?? []
                    #expect(seen.map { $0["id"] } == all.map { $0["id"] })
                    #expect(all.count >= 4)
                    #expect(
                        try await client.send(.get, "/api/audit-logs?target_type=webhook", key: server.adminKey).body["data"]?.arrayValue
                            .allSatisfy { $0["targetType"]?.stringValue == "webhook" } == true)

                    let types = try await client.send(.get, "/api/event-types", key: server.adminKey).body["data"]?.arrayValue ?? []
                    #expect(
                        types.first { $0["name"]?.stringValue == "contact.created" }?["example"]?["email"]?.stringValue == "ada@example.com"
                    )
                    #expect(types.allSatisfy { if case .object? = $0["example"] { true } else { false } })
                }
            }
        }
    }

    @Test("the event stream sends a delivery published while it is open, and resumes after Last-Event-ID", arguments: TestDriverKind.all)
    func stream(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: { $0.streamMaxSeconds = 2 }) { server in
            try await server.test { client in
                _ = try await Self.create(client, server, name: "Streamed", url: "http://127.0.0.1:9/s", events: #"["contact.updated"]"#)
                let before = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([]))
                try await Task.sleep(for: .milliseconds(20))
                let response = try await withThrowingTaskGroup(of: TestResponse?.self) { group in
                    group.addTask {
                        try await client.execute(uri: "/api/stream", method: .get, headers: [.authorization: "Bearer \(server.adminKey)"])
                    }
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(500))
                        _ = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([]))
                        return nil
                    }
                    var answer: TestResponse?
                    for try await result in group { if let result { answer = result } }
                    return try #require(answer)
                }
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream; charset=utf-8")
                let text = String(buffer: response.body)
                let events = text.components(separatedBy: "\n\n").filter { $0.contains("event: delivery") }
                #expect(events.count == 1, "only the delivery published after connecting: \(text)")
                #expect(!text.contains(before.event.id.uuidString.lowercased()))
                let lastID = try #require(events.first?.split(separator: "\n").first { $0.hasPrefix("id: ") }?.dropFirst(4))

                _ = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([]))
                let resumed = try await client.execute(
                    uri: "/api/stream", method: .get,
                    headers: [.authorization: "Bearer \(server.adminKey)", HTTPField.Name("Last-Event-ID")!: String(lastID)])
                let resumedEvents = String(buffer: resumed.body).components(separatedBy: "\n\n").filter { $0.contains("event: delivery") }
                #expect(resumedEvents.count == 1, "the one published while disconnected, not the one already sent")
                expectError(
                    try await client.send(.get, "/api/stream", key: server.adminKey, headers: [HTTPField.Name("Last-Event-ID")!: "junk"]),
                    .badRequest, code: "invalid_cursor")
            }
        }
    }

    @Test("a burst of more deliveries than one read returns all reaches the stream, each once", arguments: TestDriverKind.all)
    func streamBurst(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: { $0.streamMaxSeconds = 2 }) { server in
            try await server.test { client in
                for index in 0..<10 {
                    _ = try await Self.create(
                        client, server, name: "Burst \(index)", url: "http://127.0.0.1:9/b\(index)", events: #"["contact.updated"]"#)
                }
                // Resume from just before the burst: the first read of the stream meets all 260
                // deliveries at once, more than one page of the store's read.
                let before = Date().addingTimeInterval(-0.001)
                for _ in 0..<26 { _ = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([])) }
                let resume = PageCursor.encode(createdAt: before, id: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
                let response = try await client.execute(
                    uri: "/api/stream", method: .get,
                    headers: [.authorization: "Bearer \(server.adminKey)", HTTPField.Name("Last-Event-ID")!: resume])
                let ids = String(buffer: response.body).components(separatedBy: "\n").filter { $0.hasPrefix("id: ") }
                #expect(ids.count == 260, "every delivery")
                #expect(Set(ids).count == ids.count, "each once")
            }
        }
    }

    @Test(
        "a resume point older than STREAM_RESUME_WINDOW_SECONDS is told to reload the log, and nothing before the window is read",
        arguments: TestDriverKind.all)
    func streamResumeWindow(_ kind: TestDriverKind) async throws {
        try await withTestServer(
            kind,
            configure: {
                $0.streamMaxSeconds = 1; $0.streamResumeWindowSeconds = 60
            }
        ) { server in
            try await server.test { client in
                _ = try await Self.create(client, server, name: "Old", url: "http://127.0.0.1:9/o", events: #"["contact.updated"]"#)
                let old = try await server.components.dispatcher.publish(type: "contact.updated", data: .object([]))
                // The finding: Last-Event-ID at the year 2000 read every delivery since then.
                let ancient = PageCursor.encode(createdAt: Timestamp.parse("2000-01-01T00:00:00.000Z")!, id: UUID())
                let response = try await client.execute(
                    uri: "/api/stream", method: .get,
                    headers: [.authorization: "Bearer \(server.adminKey)", HTTPField.Name("Last-Event-ID")!: ancient])
                let text = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(text.contains("event: reset\ndata: {\"reason\":\"resume_window\""), "\(text)")
                #expect(!text.contains("event: delivery"), "nothing from before the window: \(text)")
                #expect(!text.contains(old.event.id.uuidString.lowercased()))
                // Within the window it resumes as before.
                let recent = PageCursor.encode(
                    createdAt: Date().addingTimeInterval(-30), id: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
                let resumed = String(
                    buffer: try await client.execute(
                        uri: "/api/stream", method: .get,
                        headers: [.authorization: "Bearer \(server.adminKey)", HTTPField.Name("Last-Event-ID")!: recent]
                    ).body)
                #expect(!resumed.contains("event: reset") && resumed.contains("event: delivery"), "\(resumed)")
            }
        }
    }

    @Test("one key holds at most STREAM_MAX_PER_KEY streams at once; past it 429, and a stream that ended gives its place back")
    func streamsPerKey() async throws {
        try await withTestServer(configure: {
            $0.streamMaxSeconds = 2; $0.streamMaxPerKey = 2
        }) { server in
            let other = try await server.key([.readWebhooks])
            try await server.test { client in
                let bearer: HTTPFields = [.authorization: "Bearer \(server.adminKey)"]
                try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for _ in 0..<2 { group.addTask { try await client.execute(uri: "/api/stream", method: .get, headers: bearer).status } }
                    // Both are open (each lasts 2 s): a third for the same key is refused, another key's is not.
                    try await Task.sleep(for: .milliseconds(500))
                    let third = try await client.send(.get, "/api/stream", key: server.adminKey)
                    expectError(third, .tooManyRequests, code: "too_many_streams")
                    #expect(third.headers[.retryAfter] != nil)
                    group.addTask {
                        try await client.execute(uri: "/api/stream", method: .get, headers: [.authorization: "Bearer \(other)"]).status
                    }
                    for try await status in group { #expect(status == .ok) }
                }
                #expect(
                    try await client.execute(uri: "/api/stream", method: .get, headers: bearer).status == .ok, "the places were given back")
            }
        }
    }
}
