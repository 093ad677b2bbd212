import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Webhook routes")
struct WebhookRouteTests {
    static let validBody =
        #"{"name":"My Webhook","url":"https://your-app.com/webhook","events":["contact.created","contact.updated"],"description":"Webhook for contact events","isActive":true}"#

    @Test("Create, read, list, patch and delete as the API guide shows")
    func crud() async throws {
        try await withTestServer { server in
            let key = server.adminKey
            try await server.test { client in
                let created = try await client.send(.post, "/api/webhooks", key: key, json: Self.validBody)
                #expect(created.status == .created)
                #expect(created.body["success"] == .bool(true))
                let data = try #require(created.body["data"])
                #expect(data["name"]?.stringValue == "My Webhook")
                #expect(data["events"]?.arrayValue.compactMap(\.stringValue) == ["contact.created", "contact.updated"])
                #expect(data["isActive"] == .bool(true))
                #expect(data["secret"]?.stringValue?.hasPrefix("whsec_") == true)
                let id = try #require(data["id"]?.stringValue)

                let fetched = try await client.send(.get, "/api/webhooks/\(id)", key: key)
                #expect(fetched.status == .ok)
                #expect(fetched.body["data"]?["url"]?.stringValue == "https://your-app.com/webhook")
                #expect(fetched.body["data"]?["secret"] == nil, "the secret is shown only at creation")
                #expect(fetched.body["data"]?["hasSecret"] == .bool(true))

                let patched = try await client.send(
                    .patch, "/api/webhooks/\(id)", key: key, json: #"{"name":"Updated Webhook","isActive":false,"description":null}"#)
                #expect(patched.status == .ok)
                #expect(patched.body["data"]?["name"]?.stringValue == "Updated Webhook")
                #expect(patched.body["data"]?["isActive"] == .bool(false))
                #expect(patched.body["data"]?["description"] == .null)
                #expect(patched.body["data"]?["url"]?.stringValue == "https://your-app.com/webhook", "untouched fields stay")

                let listed = try await client.send(.get, "/api/webhooks", key: key)
                #expect(listed.body["data"]?.arrayValue.count == 1)
                #expect(listed.body["pagination"]?["total"]?.intValue == 1)

                let deleted = try await client.send(.delete, "/api/webhooks/\(id)", key: key)
                #expect(deleted.status == .ok)
                #expect(deleted.body["data"]?["deleted"] == .bool(true))
                expectError(try await client.send(.get, "/api/webhooks/\(id)", key: key), .notFound, code: "not_found")
                expectError(try await client.send(.delete, "/api/webhooks/\(id)", key: key), .notFound, code: "not_found")
            }
        }
    }

    @Test(
        "Validation errors name the problem",
        arguments: [
            (#"{"url":"https://a.example","events":["*"]}"#, HTTPResponse.Status.unprocessableContent, "validation_failed"),
            (#"{"name":"n","url":"ftp://a.example","events":["*"]}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"n","url":"not a url","events":["*"]}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"n","url":"https://user:pw@a.example","events":["*"]}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"n","url":"https://a.example:99999/","events":["*"]}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"n","url":"https://a.example","events":[]}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"n","url":"https://a.example","events":["contact.exploded"]}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"n","url":"https://a.example","events":"contact.created"}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"n","url":"https://a.example","events":[1]}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":42,"url":"https://a.example","events":["*"]}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"n","url":"https://a.example","events":["*"],"isActive":"yes"}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"n","url":"https://a.example","events":["*"],"secret":"short"}"#, .unprocessableContent, "validation_failed"),
            (#"{"name":"n","url":"https://a.example","events":["*"],"colour":"red"}"#, .badRequest, "unknown_field"),
            (#"{"name":"n","url":"https://a.example","events":["*"]"#, .badRequest, "invalid_json"),
            (#"["not","an","object"]"#, .badRequest, "invalid_json"),
            ("", .badRequest, "invalid_json"),
        ])
    func validation(body: String, status: HTTPResponse.Status, code: String) async throws {
        try await withTestServer { server in
            try await server.test { client in
                expectError(try await client.send(.post, "/api/webhooks", key: server.adminKey, json: body), status, code: code)
            }
        }
    }

    @Test("the server's own WEBHOOK_SECRET_KEY is refused as a webhook's secret, on create, update and rotation")
    func serverSecretRefused() async throws {
        try await withTestServer { server in
            try await server.test { client in
                let own = #"{"name":"n","url":"https://a.example","events":["*"],"secret":"\#(TestServer.secret)"}"#
                expectError(
                    try await client.send(.post, "/api/webhooks", key: server.adminKey, json: own), .unprocessableContent,
                    code: "server_secret_refused")
                let created = try await client.send(.post, "/api/webhooks", key: server.adminKey, json: Self.validBody)
                let id = try #require(created.body["data"]?["id"]?.stringValue)
                let secret = #"{"secret":"\#(TestServer.secret)"}"#
                expectError(
                    try await client.send(.patch, "/api/webhooks/\(id)", key: server.adminKey, json: secret), .unprocessableContent,
                    code: "server_secret_refused")
                expectError(
                    try await client.send(.post, "/api/webhooks/\(id)/rotate-secret", key: server.adminKey, json: secret),
                    .unprocessableContent, code: "server_secret_refused")
                let other = #"{"secret":"\#(TestServer.secret)x"}"#
                #expect(
                    try await client.send(.patch, "/api/webhooks/\(id)", key: server.adminKey, json: other).status == .ok,
                    "a secret of its own is fine")
            }
        }
    }

    @Test("PATCH refuses nulls for required fields, unknown fields and bad ids")
    func patchErrors() async throws {
        try await withTestServer { server in
            try await server.test { client in
                let created = try await client.send(.post, "/api/webhooks", key: server.adminKey, json: Self.validBody)
                let id = try #require(created.body["data"]?["id"]?.stringValue)
                expectError(
                    try await client.send(.patch, "/api/webhooks/\(id)", key: server.adminKey, json: #"{"name":null}"#),
                    .unprocessableContent, code: "validation_failed")
                expectError(
                    try await client.send(.patch, "/api/webhooks/\(id)", key: server.adminKey, json: #"{"nmae":"x"}"#), .badRequest,
                    code: "unknown_field")
                expectError(
                    try await client.send(.patch, "/api/webhooks/not-a-uuid", key: server.adminKey, json: "{}"), .badRequest,
                    code: "invalid_id")
                expectError(try await client.send(.get, "/api/webhooks/123", key: server.adminKey), .badRequest, code: "invalid_id")
                expectError(
                    try await client.send(.patch, "/api/webhooks/\(UUID().uuidString)", key: server.adminKey, json: "{}"), .notFound,
                    code: "not_found")
            }
        }
    }

    @Test("Pagination with limit and offset, newest first, bounds checked")
    func pagination() async throws {
        try await withTestServer { server in
            try await server.test { client in
                for index in 0..<7 {
                    let body = #"{"name":"hook \#(index)","url":"https://a.example/\#(index)","events":["*"]}"#
                    #expect(try await client.send(.post, "/api/webhooks", key: server.adminKey, json: body).status == .created)
                }
                let page = try await client.send(.get, "/api/webhooks?limit=3&offset=2", key: server.adminKey)
                #expect(page.status == .ok)
                #expect(page.body["data"]?.arrayValue.compactMap { $0["name"]?.stringValue } == ["hook 4", "hook 3", "hook 2"])
                #expect(page.body["pagination"]?["total"]?.intValue == 7)
                #expect(page.body["pagination"]?["limit"]?.intValue == 3)
                #expect(page.body["pagination"]?["offset"]?.intValue == 2)
                let last = try await client.send(.get, "/api/webhooks?limit=3&offset=6", key: server.adminKey)
                #expect(last.body["data"]?.arrayValue.count == 1)
                for query in ["limit=0", "limit=101", "limit=abc", "offset=-1", "offset=1000000001", "offset=99999999999999999999"] {
                    expectError(
                        try await client.send(.get, "/api/webhooks?\(query)", key: server.adminKey), .badRequest, code: "invalid_query")
                }
            }
        }
    }

    @Test("Oversized bodies get 413 and non-JSON bodies 400")
    func bodyLimits() async throws {
        try await withTestServer(configure: { $0.maxBodyBytes = 4096 }) { server in
            try await server.test { client in
                let huge =
                    #"{"name":"n","url":"https://a.example","events":["*"],"description":""# + String(repeating: "x", count: 10_000)
                    + #""}"#
                expectError(
                    try await client.send(.post, "/api/webhooks", key: server.adminKey, json: huge), .contentTooLarge,
                    code: "payload_too_large")
                expectError(
                    try await client.send(
                        .post, "/api/webhooks", key: server.adminKey, json: "name=n",
                        headers: [.contentType: "application/x-www-form-urlencoded"]),
                    .unsupportedMediaType, code: "unsupported_media_type")
            }
        }
    }
}
