import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import Testing

/// `/auth/verify`, the forward-authentication endpoint for the proxy in front of the CRM:
/// the route map's permission, the same key checks, quota and usage as the API, and nginx's
/// status rules.
@Suite("Forward authentication")
struct ForwardAuthTests {
    static func original(_ method: String, _ uri: String) -> HTTPFields {
        [HTTPField.Name("X-Original-Method")!: method, HTTPField.Name("X-Original-URI")!: uri]
    }

    @Test(
        "a key may do what the route map allows, and gets its identity back; anything else is 401 or 403 with the envelope",
        arguments: TestDriverKind.all)
    func matrix(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            let reader = try await server.apiKeys.create(APIKeyDraft(name: "CRM reader", permissions: [.readContacts]))
            let writer = try await server.key([.writeContacts])
            let revoked = try await server.apiKeys.create(APIKeyDraft(name: "old", permissions: [.readContacts]))
            _ = try await server.apiKeys.revoke(id: revoked.record.id)
            let fenced = try await server.apiKeys.create(
                APIKeyDraft(name: "office only", permissions: [.readContacts], ipWhitelist: ["10.0.0.0/8"]))
            try await server.test { client in
                let allowed = try await client.send(
                    .get, "/auth/verify", key: reader.plaintext, headers: Self.original("GET", "/api/contacts/42?x=1"))
                #expect(allowed.status == .ok)
                #expect(allowed.headers[HTTPField.Name("X-Switchboard-Key-Id")!] == reader.record.id.uuidString.lowercased())
                #expect(allowed.headers[HTTPField.Name("X-Switchboard-Key-Name")!] == "CRM reader")
                #expect(allowed.headers[HTTPField.Name("X-Switchboard-Permissions")!] == "read:contacts")
                #expect(allowed.headers[.cacheControl] == "no-store")
                #expect(allowed.headers[HTTPField.Name("RateLimit-Limit")!] != nil)
                #expect(allowed.body["data"]?["requiredPermission"]?.stringValue == "read:contacts")
                #expect(allowed.body["data"]?["routeGroup"]?.stringValue == "crm:contacts")

                expectError(
                    try await client.send(.get, "/auth/verify", key: reader.plaintext, headers: Self.original("POST", "/api/contacts")),
                    .forbidden, code: "insufficient_permissions")
                #expect(
                    try await client.send(.post, "/auth/verify", key: writer, headers: Self.original("POST", "/api/contacts")).status
                        == .ok, "any method reaches the endpoint")
                expectError(
                    try await client.send(.get, "/auth/verify", headers: Self.original("GET", "/api/contacts")), .unauthorized,
                    code: "missing_api_key")
                expectError(
                    try await client.send(.get, "/auth/verify", key: revoked.plaintext, headers: Self.original("GET", "/api/contacts")),
                    .unauthorized, code: "key_revoked")
                expectError(
                    try await client.send(.get, "/auth/verify", key: fenced.plaintext, headers: Self.original("GET", "/api/contacts")),
                    .forbidden, code: "ip_not_allowed")
                expectError(
                    try await client.send(.get, "/auth/verify", key: server.adminKey, headers: Self.original("GET", "/api/invoices")),
                    .forbidden, code: "route_not_allowed")
                expectError(
                    try await client.send(
                        .get, "/auth/verify", key: server.adminKey, headers: Self.original("GET", "/api/contacts/../invoices")), .forbidden,
                    code: "route_not_allowed")

                expectError(
                    try await client.send(.get, "/auth/verify", key: reader.plaintext, headers: Self.original("DELETE", "/api/contacts/1")),
                    .forbidden, code: "insufficient_permissions")

                // The denial of a known key is audited; the allowed request is not.
                let trail = try await client.send(.get, "/api/audit-logs?action=auth.denied", key: server.adminKey)
                let targets = trail.body["data"]?.arrayValue.compactMap { $0["targetId"]?.stringValue } ?? []
                #expect(targets.contains("POST /api/contacts"))
                #expect(targets.contains("DELETE /api/contacts/1"))
                #expect(!targets.contains("GET /api/contacts/42"))
            }
            try await server.components.usage.flush()
            let rows = try await server.components.usage.usage(
                keyID: reader.record.id, since: Date().addingTimeInterval(-3600), until: Date().addingTimeInterval(3600))
            #expect(rows.contains { $0.routeGroup == "crm:contacts" && $0.statusClass == "2xx" })
            #expect(rows.contains { $0.routeGroup == "crm:contacts" && $0.statusClass == "4xx" })
        }
    }

    static func forwarded(_ method: String, _ uri: String) -> HTTPFields {
        [HTTPField.Name("X-Forwarded-Method")!: method, HTTPField.Name("X-Forwarded-Uri")!: uri]
    }

    @Test(
        "each AUTH_PROXY_STYLE reads one family of headers, and a request carrying another family, both, a repeated header or none is refused unjudged"
    )
    func proxyStyles() async throws {
        // nginx, the default: X-Original-*; a client's own X-Forwarded-* (which nginx passes on) is refused.
        try await withTestServer { server in
            #expect(server.settings.proxyStyle == .nginx)
            let reader = try await server.key([.readContacts])
            try await server.test { client in
                #expect(
                    try await client.send(.get, "/auth/verify", key: reader, headers: Self.original("GET", "/api/contacts/1")).status == .ok
                )
                var spoofed = Self.original("GET", "/api/contacts/1")
                spoofed[HTTPField.Name("X-Forwarded-Method")!] = "GET"
                expectError(
                    try await client.send(.get, "/auth/verify", key: reader, headers: spoofed), .badRequest,
                    code: "ambiguous_original_request")
                expectError(
                    try await client.send(.get, "/auth/verify", key: reader, headers: Self.forwarded("GET", "/api/contacts/1")),
                    .badRequest, code: "ambiguous_original_request")
                expectError(
                    try await client.send(
                        .get, "/auth/verify/api/contacts/1", key: reader, headers: Self.original("GET", "/api/contacts/1")), .badRequest,
                    code: "ambiguous_original_request")
                expectError(try await client.send(.get, "/auth/verify", key: reader), .badRequest, code: "missing_original_request")
                expectError(
                    try await client.send(.get, "/auth/verify", key: reader, headers: [HTTPField.Name("X-Original-Method")!: "GET"]),
                    .badRequest, code: "missing_original_request")
                var twice = Self.original("GET", "/api/contacts/1")
                twice.append(HTTPField(name: HTTPField.Name("X-Original-Method")!, value: "GET"))
                expectError(
                    try await client.send(.get, "/auth/verify", key: reader, headers: twice), .badRequest, code: "missing_original_request")
                // Refused before the key is looked at: a wrong key is not counted, the answer is the same.
                expectError(
                    try await client.send(.get, "/auth/verify", key: "sbk_wrong", headers: spoofed), .badRequest,
                    code: "ambiguous_original_request")
                // For nginx's auth_request, as 401 with the real status alongside.
                let nginx = try await client.send(.get, "/auth/verify?proxy=nginx", key: reader, headers: spoofed)
                #expect(nginx.status == .unauthorized && nginx.headers[HTTPField.Name("X-Switchboard-Status")!] == "400")
            }
        }
        // forwarded (Caddy, Traefik): X-Forwarded-*; a client's own X-Original-* (which they pass on) is refused.
        try await withTestServer(configure: { $0.proxyStyle = .forwarded }) { server in
            let reader = try await server.key([.readContacts])
            try await server.test { client in
                #expect(
                    try await client.send(.get, "/auth/verify", key: reader, headers: Self.forwarded("GET", "/api/contacts/1")).status
                        == .ok)
                expectError(
                    try await client.send(.get, "/auth/verify", key: reader, headers: Self.forwarded("DELETE", "/api/contacts/1")),
                    .forbidden, code: "insufficient_permissions")
                // The finding: DELETE through Caddy, with the client's own X-Original-* claiming a GET.
                var spoofed = Self.forwarded("DELETE", "/api/contacts/1")
                spoofed[HTTPField.Name("X-Original-Method")!] = "GET"
                spoofed[HTTPField.Name("X-Original-URI")!] = "/api/contacts/1"
                expectError(
                    try await client.send(.get, "/auth/verify", key: reader, headers: spoofed), .badRequest,
                    code: "ambiguous_original_request")
                expectError(
                    try await client.send(.get, "/auth/verify", key: reader, headers: Self.original("GET", "/api/contacts/1")), .badRequest,
                    code: "ambiguous_original_request")
                expectError(try await client.send(.get, "/auth/verify", key: reader), .badRequest, code: "missing_original_request")
            }
        }
        // envoy: the verify request's method and the path after /auth/verify; any header family is refused.
        try await withTestServer(configure: { $0.proxyStyle = .envoy }) { server in
            let reader = try await server.key([.readContacts])
            try await server.test { client in
                #expect(try await client.send(.get, "/auth/verify/api/contacts/1", key: reader).status == .ok)
                expectError(
                    try await client.send(.delete, "/auth/verify/api/contacts/1", key: reader), .forbidden, code: "insufficient_permissions"
                )
                expectError(
                    try await client.send(
                        .delete, "/auth/verify/api/contacts/1", key: reader, headers: Self.original("GET", "/api/contacts/1")), .badRequest,
                    code: "ambiguous_original_request")
                expectError(
                    try await client.send(
                        .delete, "/auth/verify/api/contacts/1", key: reader, headers: Self.forwarded("GET", "/api/contacts/1")),
                    .badRequest, code: "ambiguous_original_request")
                expectError(try await client.send(.get, "/auth/verify", key: reader), .badRequest, code: "missing_original_request")
            }
        }
    }

    @Test(
        "a request carrying a method override or a URL rewrite is refused, whatever the key may do",
        arguments: [
            ("X-HTTP-Method-Override", "DELETE"), ("X-HTTP-Method", "DELETE"), ("X-Method-Override", "DELETE"),
            ("X-Original-URL", "/api/contacts/1"),
            ("X-Rewrite-URL", "/api/contacts/1"), ("X_HTTP_Method_Override", "DELETE"),
        ])
    func overrides(header: String, value: String) async throws {
        try await withTestServer { server in
            let reader = try await server.key([.readContacts])
            try await server.test { client in
                var headers = Self.original("GET", "/api/contacts/1")
                headers[try #require(HTTPField.Name(header))] = value
                expectError(
                    try await client.send(.get, "/auth/verify", key: reader, headers: headers), .badRequest, code: "override_not_allowed")
                // Also as PHP reads parameter names: `.method`, ` _method`, `[method` and `_method[]` are `_method`.
                for uri in [
                    "/api/contacts/1?_method=DELETE", "/api/contacts/1?x=1&_METHOD=delete", "/api/contacts/1?%5Fmethod=DELETE",
                    "/api/contacts/1?.method=DELETE", "/api/contacts/1?+_method=DELETE", "/api/contacts/1?[method=DELETE",
                    "/api/contacts/1?_method[]=DELETE",
                ] {
                    expectError(
                        try await client.send(.get, "/auth/verify", key: reader, headers: Self.original("GET", uri)), .badRequest,
                        code: "override_not_allowed")
                }
                #expect(
                    try await client.send(
                        .get, "/auth/verify", key: reader, headers: Self.original("GET", "/api/contacts/1?method=x&_methods=1")
                    ).status == .ok)
            }
        }
    }

    @Test("over its quota a key gets 429 with Retry-After; for nginx the same as 401 with the real status in X-Switchboard-Status")
    func quotaAndNginx() async throws {
        try await withTestServer { server in
            let limited = try await server.apiKeys.create(
                APIKeyDraft(name: "tight", permissions: [.readContacts], rateLimit: RateLimit(requests: 2, windowSeconds: 3600)))
            try await server.test { client in
                for _ in 0..<2 {
                    #expect(
                        try await client.send(.get, "/auth/verify", key: limited.plaintext, headers: Self.original("GET", "/api/contacts"))
                            .status == .ok)
                }
                let over = try await client.send(
                    .get, "/auth/verify", key: limited.plaintext, headers: Self.original("GET", "/api/contacts"))
                expectError(over, .tooManyRequests, code: "rate_limited")
                #expect(over.headers[.retryAfter] != nil)
                #expect(over.headers[HTTPField.Name("X-Switchboard-Status")!] == "429")
                let nginx = try await client.send(
                    .get, "/auth/verify?proxy=nginx", key: limited.plaintext, headers: Self.original("GET", "/api/contacts"))
                expectError(nginx, .unauthorized, code: "rate_limited")
                #expect(nginx.headers[HTTPField.Name("X-Switchboard-Status")!] == "429")
                #expect(nginx.headers[.retryAfter] != nil)
                let denied = try await client.send(
                    .get, "/auth/verify?proxy=nginx", key: limited.plaintext, headers: Self.original("DELETE", "/api/contacts/1"))
                #expect(denied.status == .forbidden || denied.status == .unauthorized)
            }
        }
    }

    @Test("a key in the configured header counts as a Bearer key, on the verify endpoint only")
    func apiKeyHeader() async throws {
        try await withTestServer(configure: { $0.apiKeyHeader = "X-API-Key" }) { server in
            let reader = try await server.key([.readContacts, .readWebhooks])
            try await server.test { client in
                var headers = Self.original("GET", "/api/contacts")
                headers[HTTPField.Name("X-API-Key")!] = reader
                #expect(try await client.send(.get, "/auth/verify", headers: headers).status == .ok)
                expectError(
                    try await client.send(.get, "/api/webhooks", headers: [HTTPField.Name("X-API-Key")!: reader]), .unauthorized,
                    code: "missing_api_key")
                headers[HTTPField.Name("X-API-Key")!] = SecretMaterial.newAPIKey()
                expectError(try await client.send(.get, "/auth/verify", headers: headers), .unauthorized, code: "invalid_api_key")
            }
        }
    }
}
