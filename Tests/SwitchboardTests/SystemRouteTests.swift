import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Server
import Testing

@Suite("System routes, envelope and OpenAPI")
struct SystemRouteTests {
    @Test("/health answers without a key")
    func health() async throws {
        try await withTestServer { server in
            try await server.test { client in
                let result = try await client.send(.get, "/health")
                #expect(result.status == .ok)
                #expect(result.body["success"] == .bool(true))
                #expect(result.body["data"]?["status"]?.stringValue == "ok")
                #expect(result.headers[.init("X-Request-Id")!] != nil)
            }
        }
    }

    @Test("/ready: database, migrations and worker; 503 naming what is wrong")
    func readiness() async throws {
        try await withTestServer { server in
            try await server.test { client in
                // The worker has not been started in this test server.
                let stopped = try await client.send(.get, "/ready")
                expectError(stopped, .serviceUnavailable, code: "not_ready")
                #expect(stopped.body["error"]?["message"]?.stringValue?.contains("delivery worker not running") == true)

                try await withRunningWorker(server) {
                    try await eventually("worker reported running") { server.components.worker?.isRunning == true }
                    let ready = try await client.send(.get, "/ready")
                    #expect(ready.status == .ok)
                    #expect(ready.body["data"]?["status"]?.stringValue == "ready")
                    #expect(ready.body["data"]?["checks"]?["database"]?.stringValue == "ok")
                    #expect(ready.body["data"]?["checks"]?["migrations"]?.stringValue == "ok")
                    #expect(ready.body["data"]?["checks"]?["worker"]?.stringValue == "running")

                    try await server.database.driver.execute("DELETE FROM switchboard_migrations WHERE version = \("0003")")
                    let behind = try await client.send(.get, "/ready")
                    expectError(behind, .serviceUnavailable, code: "not_ready")
                    expectError(try await client.send(.post, "/ready"), .methodNotAllowed, code: "method_not_allowed")
                    #expect(behind.body["error"]?["message"]?.stringValue?.contains("migrations 0003 not applied") == true)
                }
            }
        }
        // An API-only process (no worker) is ready without one.
        try await withTestServer(configure: { $0.deliveryConcurrency = 0 }) { server in
            try await server.test { client in
                let ready = try await client.send(.get, "/ready")
                #expect(ready.status == .ok)
                #expect(ready.body["data"]?["checks"]?["worker"]?.stringValue == "disabled")
            }
        }
    }

    @Test(
        "HEAD answers wherever GET does: the same status and headers, no body, and a stream is never started", arguments: TestDriverKind.all
    )
    func head(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            try await server.test { client in
                let build = ConsoleAssets(directory: nil).build
                let bearer: HTTPFields = [.authorization: "Bearer \(server.adminKey)"]
                for (uri, headers) in [
                    ("/", HTTPFields()), ("/health", [:]), ("/ready", [:]), ("/openapi.json", [:]), ("/assets/\(build)/app.js", [:]),
                    ("/favicon.ico", [:]), ("/api/webhooks", bearer), ("/api/event-types", bearer),
                ] {
                    let get = try await client.execute(uri: uri, method: .get, headers: headers)
                    let head = try await client.execute(uri: uri, method: .head, headers: headers)
                    // Not ready here: no delivery worker runs in these tests (503, with the envelope).
                    #expect(get.status == (uri == "/ready" ? .serviceUnavailable : .ok), "GET \(uri): \(get.status)")
                    #expect(head.status == get.status, "HEAD \(uri): \(head.status)")
                    #expect(head.body.readableBytes == 0, "HEAD \(uri) has no body")
                    for name: HTTPField.Name in [.contentType, .contentLength, .cacheControl, .eTag, .contentSecurityPolicy] {
                        #expect(head.headers[name] == get.headers[name], "HEAD \(uri): \(name) as for GET")
                    }
                    #expect(head.headers[.contentLength].map { Int($0) } == get.body.readableBytes, "HEAD \(uri): the length of GET's body")
                }
                // As GET would: 401 without a key, 404 for no such webhook, with the envelope's length.
                let anonymous = try await client.execute(uri: "/api/webhooks", method: .head)
                #expect(anonymous.status == .unauthorized && anonymous.body.readableBytes == 0)
                let missing = try await client.execute(uri: "/api/webhooks/\(UUID())", method: .head, headers: bearer)
                #expect(missing.status == .notFound && missing.body.readableBytes == 0)
                // The stream answers its headers only: its body (which polls) never starts.
                let stream = try await client.execute(uri: "/api/stream", method: .head, headers: bearer)
                #expect(
                    stream.status == .ok && stream.headers[.contentType] == "text/event-stream; charset=utf-8"
                        && stream.body.readableBytes == 0)
            }
        }
    }

    @Test("Unknown routes get the error envelope")
    func unknownRoute() async throws {
        try await withTestServer { server in
            try await server.test { client in
                expectError(try await client.send(.get, "/api/nothing-here", key: server.adminKey), .notFound, code: "not_found")
                expectError(try await client.send(.get, "/nope"), .notFound, code: "not_found")
                let wrongMethod = try await client.send(.put, "/api/webhooks/\(UUID().uuidString)", key: server.adminKey, json: "{}")
                expectError(wrongMethod, .methodNotAllowed, code: "method_not_allowed")
                #expect(wrongMethod.headers[.allow] == "GET, HEAD, PATCH, DELETE")
            }
        }
    }

    @Test("Event types: the ten built-in ones and the three operational ones, with descriptions")
    func eventTypes() async throws {
        try await withTestServer { server in
            try await server.test { client in
                let result = try await client.send(.get, "/api/event-types", key: server.adminKey)
                #expect(result.status == .ok)
                let names = result.body["data"]?.arrayValue.compactMap { $0["name"]?.stringValue }
                #expect(names == EventType.builtIn.map(\.name))
                #expect(names?.count == 13)
                #expect(names?.suffix(3) == ["webhook.disabled", "webhook.unhealthy", "webhook.recovered"])
                #expect(result.body["data"]?.arrayValue.allSatisfy { $0["description"]?.stringValue?.isEmpty == false } == true)
            }
        }
    }

    @Test("GET /openapi.json describes exactly the routes the server has")
    func openAPIMatchesRoutes() async throws {
        try await withTestServer { server in
            try await server.test { client in
                let result = try await client.send(.get, "/openapi.json")
                #expect(result.status == .ok)
                #expect(result.body["openapi"]?.stringValue?.hasPrefix("3.1") == true)
                var documented: Set<String> = []
                if case .object(let paths)? = result.body["paths"] {
                    for (path, item) in paths {
                        for method in item.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                            documented.insert("\(method.uppercased()) \(path)")
                        }
                    }
                }
                var served = Set(
                    APIRoute.allCases.map {
                        "\($0.method.rawValue) \($0.path.replacingOccurrences(of: ":id", with: "{id}").replacingOccurrences(of: ":name", with: "{name}"))"
                    })
                for route in APIRoute.publicRoutes { served.insert("\(route.method.rawValue) \(route.path)") }
                #expect(documented == served)
                // Every authenticated route documents its 401 and 403 answers.
                for route in APIRoute.allCases {
                    let path = route.path.replacingOccurrences(of: ":id", with: "{id}").replacingOccurrences(of: ":name", with: "{name}")
                    let responses = result.body["paths"]?[path]?[route.method.rawValue.lowercased()]?["responses"]
                    #expect(responses?["401"] != nil, "\(route) documents 401")
                    #expect(responses?["403"] != nil, "\(route) documents 403")
                }
            }
        }
    }
}
