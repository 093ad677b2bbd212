import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Server
import Testing

/// A router over a fresh database with an admin key, driven without a socket.
struct TestServer {
    static let secret = "test-secret-key-0123456789abcdef"

    let database: TestDatabase
    let settings: ServerSettings
    let adminKey: String
    let components: SwitchboardComponents
    var apiKeys: APIKeyService { components.apiKeys }

    /// Sends requests to the router through HummingbirdTesting.
    func test<T>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let app = Application(router: SwitchboardApp.router(components))
        return try await app.test(.router, body)
    }

    /// A key with exactly these permissions.
    func key(_ permissions: [Permission], expiresAt: Date? = nil) async throws -> String {
        try await apiKeys.create(APIKeyDraft(name: "test key", permissions: permissions, expiresAt: expiresAt)).plaintext
    }
}

/// Runs `body` against a fresh server and database.
func withTestServer<T>(
    _ kind: TestDriverKind = .sqlite, configure: (inout ServerSettings) -> Void = { _ in }, _ body: (TestServer) async throws -> T
) async throws -> T {
    try await withTestDatabase(kind) { database in
        var settings = ServerSettings(
            secretKey: TestServer.secret, databaseURL: try DatabaseURL(database.url), migrations: TestDatabase.migrations)
        settings.outboundPolicy = try TargetPolicy(allowList: "127.0.0.1")
        settings.pollIntervalMilliseconds = 20
        // Tests read the queue gauges right after changing the queue.
        settings.metricsQueueCacheSeconds = 0
        // Socket-free requests read whole answers: the event stream must end soon.
        settings.streamMaxSeconds = 1
        configure(&settings)
        let components = try SwitchboardComponents(settings: settings, driver: database.driver)
        let admin = try #require(try await components.apiKeys.bootstrapAdminKeyIfNeeded())
        do {
            let result = try await body(
                TestServer(database: database, settings: settings, adminKey: admin.plaintext, components: components))
            try await components.httpClient.shutdown()
            try await components.gatewayClient?.shutdown()
            await components.pinnedClients.shutDownAll()
            return result
        } catch {
            try? await components.httpClient.shutdown()
            try? await components.gatewayClient?.shutdown()
            await components.pinnedClients.shutDownAll()
            throw error
        }
    }
}

extension TestClientProtocol {
    /// Sends a request with an optional bearer key and JSON body text, and returns the status
    /// and the parsed JSON answer.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, key: String? = nil, json: String? = nil, headers extra: HTTPFields = [:])
        async throws -> (status: HTTPResponse.Status, body: JSONValue, headers: HTTPFields)
    {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        let response = try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        let bytes = Array(response.body.readableBytesView)
        let body = bytes.isEmpty ? JSONValue.null : try JSONValue.parse(bytes)
        return (response.status, body, response.headers)
    }
}

extension JSONValue {
    /// The string inside, or nil.
    var stringValue: String? { if case .string(let text) = self { text } else { nil } }
    /// The number inside as an integer, or nil.
    var intValue: Int? { if case .number(let number) = self { Int(number) } else { nil } }
    /// The boolean inside, or nil.
    var boolValue: Bool? { if case .bool(let flag) = self { flag } else { nil } }
    /// The items inside, or an empty array.
    var arrayValue: [JSONValue] { if case .array(let items) = self { items } else { [] } }
    /// The member keys of an object, in order.
    var keys: [String] { if case .object(let members) = self { members.map(\.key) } else { [] } }
    /// The item at `index` of an array, or nil.
    subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { items[index] } else { nil }
    }
}

/// Checks the error envelope: `success: false` and the expected code.
func expectError(
    _ result: (status: HTTPResponse.Status, body: JSONValue, headers: HTTPFields), _ status: HTTPResponse.Status, code: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(result.status == status, "body: \(result.body.compactText)", sourceLocation: sourceLocation)
    #expect(result.body["success"] == .bool(false), sourceLocation: sourceLocation)
    #expect(result.body["error"]?["code"]?.stringValue == code, "body: \(result.body.compactText)", sourceLocation: sourceLocation)
    #expect(result.body["error"]?["message"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
}
