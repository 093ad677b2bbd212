import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import Testing

/// The console's sign-in on every database, over a real socket on loopback (signing in over
/// plain HTTP is only allowed from loopback).
@Suite("Console sessions")
struct ConsoleSessionTests {
    static let cookie = HTTPField.Name("Cookie")!
    static let setCookie = HTTPField.Name("Set-Cookie")!
    static let csrf = HTTPField.Name("X-CSRF-Token")!

    /// Signs in with `key` and returns the cookie header value and the CSRF token.
    static func signIn(_ client: some TestClientProtocol, key: String) async throws -> (cookie: String, csrf: String) {
        let result = try await client.send(.post, "/api/session", json: #"{"key":"\#(key)"}"#)
        #expect(result.status == .created, "\(result.body.compactText)")
        let header = try #require(result.headers[setCookie])
        let pair = try #require(header.split(separator: ";").first)
        return (String(pair), try #require(result.body["data"]?["csrfToken"]?.stringValue))
    }

    /// A same-origin `Origin`: the live test client sends `Host: localhost`.
    static func origin(_ client: some TestClientProtocol) -> String {
        "http://localhost"
    }

    @Test(
        "sign-in sets a __Host- cookie (Secure, HttpOnly, SameSite=Strict); reads work with it, writes need the CSRF token and a same-origin Origin; sign-out ends it",
        arguments: TestDriverKind.all)
    func signInReadWriteSignOut(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            let app = Application(router: SwitchboardApp.router(server.components))
            try await app.test(.live) { client in
                let wrong = try await client.send(.post, "/api/session", json: #"{"key":"\#(SecretMaterial.newAPIKey())"}"#)
                expectError(wrong, .unauthorized, code: "invalid_api_key")
                #expect(wrong.headers[Self.setCookie] == nil)

                let answer = try await client.send(.post, "/api/session", json: #"{"key":"\#(server.adminKey)"}"#)
                #expect(answer.status == .created)
                let header = try #require(answer.headers[Self.setCookie])
                #expect(header.hasPrefix("__Host-switchboard_session=sbs_"))
                for flag in ["Path=/", "Secure", "HttpOnly", "SameSite=Strict"] { #expect(header.contains("; \(flag)"), "\(header)") }
                #expect(!header.contains("Domain"))
                #expect(!answer.body.compactText.contains(server.adminKey), "the key never comes back")
                let session = try await Self.signIn(client, key: server.adminKey)

                let who = try await client.send(.get, "/api/session", headers: [Self.cookie: session.cookie])
                #expect(who.status == .ok)
                #expect(who.body["data"]?["via"]?.stringValue == "session")
                #expect(who.body["data"]?["csrfToken"]?.stringValue == session.csrf)
                #expect(try await client.send(.get, "/api/webhooks", headers: [Self.cookie: session.cookie]).status == .ok)

                let body = #"{"name":"from the console","url":"http://127.0.0.1:9/hook","events":["*"]}"#
                expectError(
                    try await client.send(
                        .post, "/api/webhooks", json: body, headers: [Self.cookie: session.cookie, .origin: Self.origin(client)]),
                    .forbidden, code: "csrf_failed")
                expectError(
                    try await client.send(
                        .post, "/api/webhooks", json: body,
                        headers: [Self.cookie: session.cookie, Self.csrf: session.csrf, .origin: "https://evil.example"]), .forbidden,
                    code: "csrf_failed")
                expectError(
                    try await client.send(
                        .post, "/api/webhooks", json: body, headers: [Self.cookie: session.cookie, Self.csrf: session.csrf]), .forbidden,
                    code: "csrf_failed")
                let created = try await client.send(
                    .post, "/api/webhooks", json: body,
                    headers: [Self.cookie: session.cookie, Self.csrf: session.csrf, .origin: Self.origin(client)])
                #expect(created.status == .created, "\(created.body.compactText)")
                // The audit trail names the key behind the session.
                let trail = try await client.send(.get, "/api/audit-logs?action=webhook.created", key: server.adminKey)
                let adminID = try #require(who.body["data"]?["keyId"]?.stringValue)
                #expect(trail.body["data"]?.arrayValue.first?["actorKeyId"]?.stringValue == adminID)

                let out = try await client.send(
                    .delete, "/api/session", headers: [Self.cookie: session.cookie, Self.csrf: session.csrf, .origin: Self.origin(client)])
                #expect(out.status == .ok)
                #expect(out.headers[Self.setCookie]?.contains("Max-Age=0") == true)
                let after = try await client.send(.get, "/api/session", headers: [Self.cookie: session.cookie])
                expectError(after, .unauthorized, code: "session_expired")
                #expect(after.headers[Self.setCookie]?.contains("Max-Age=0") == true, "an ended session's cookie is cleared")
            }
        }
    }

    @Test("regenerating, revoking or expiring the key ends its sessions; a sign-in link works once", arguments: TestDriverKind.all)
    func keyChangesEndSessions(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            let app = Application(router: SwitchboardApp.router(server.components))
            try await app.test(.live) { client in
                let readerKey = try await server.apiKeys.create(APIKeyDraft(name: "reader", permissions: [.readWebhooks]))
                let first = try await Self.signIn(client, key: readerKey.plaintext)
                // The key's permissions apply to the session.
                expectError(
                    try await client.send(.get, "/api/api-keys", headers: [Self.cookie: first.cookie]), .forbidden,
                    code: "insufficient_permissions")
                _ = try await server.apiKeys.regenerate(id: readerKey.record.id, gracePeriod: 3600)
                expectError(
                    try await client.send(.get, "/api/webhooks", headers: [Self.cookie: first.cookie]), .unauthorized,
                    code: "key_regenerated")

                let link = try await server.components.sessions.makeLink(keyID: readerKey.record.id, lifetime: 600)
                let viaLink = try await client.send(.post, "/api/session", json: #"{"link":"\#(link.token)"}"#)
                #expect(viaLink.status == .created, "\(viaLink.body.compactText)")
                expectError(
                    try await client.send(.post, "/api/session", json: #"{"link":"\#(link.token)"}"#), .unauthorized,
                    code: "invalid_sign_in_link")
                let cookie = String(try #require(viaLink.headers[Self.setCookie]?.split(separator: ";").first))
                #expect(try await client.send(.get, "/api/webhooks", headers: [Self.cookie: cookie]).status == .ok)
                _ = try await server.apiKeys.revoke(id: readerKey.record.id)
                // Every request of the session says why, not only the first (the console's
                // concurrent requests must agree).
                for _ in 0..<2 {
                    expectError(
                        try await client.send(.get, "/api/webhooks", headers: [Self.cookie: cookie]), .unauthorized, code: "key_revoked")
                }
                expectError(
                    try await client.send(.post, "/api/session", json: #"{"key":"\#(server.adminKey)","link":"x"}"#), .unprocessableContent,
                    code: "validation_failed")
            }
        }
    }

    @Test(
        "a session ends after its idle timeout, and at its absolute end however active; ended sessions are cleaned up",
        arguments: TestDriverKind.all)
    func timeouts(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind) { database in
            let clock = MutableClock(Date())
            let environment = CoreEnvironment(now: { clock.now })
            let apiKeys = APIKeyService(
                driver: database.driver, secrets: SecretMaterial(serverSecret: TestServer.secret), defaultExpiryDays: 0,
                cache: APIKeyCache(ttl: .zero), environment: environment)
            let sessions = SessionService(
                driver: database.driver, apiKeys: apiKeys, serverSecret: TestServer.secret,
                policy: SessionPolicy(idleTimeout: 600, absoluteTimeout: 3600), environment: environment)
            let key = try await apiKeys.create(APIKeyDraft(name: "k", permissions: [.readWebhooks])).record
            let ended = SwitchboardError(.unauthenticated, code: "session_expired", message: "the console session has ended; sign in again")

            let idle = try await sessions.open(for: key, from: nil)
            clock.advance(590)
            #expect(try await sessions.resolve(token: idle.token, from: nil).key.id == key.id)
            clock.advance(590)
            // Still alive: the request at 590 s moved its last-seen time.
            #expect(try await sessions.resolve(token: idle.token, from: nil).key.id == key.id)
            clock.advance(601)
            await #expect(throws: ended) { try await sessions.resolve(token: idle.token, from: nil) }

            let busy = try await sessions.open(for: key, from: nil)
            let stale = try await sessions.open(for: key, from: nil)
            for _ in 0..<7 {
                clock.advance(500)
                #expect(try await sessions.resolve(token: busy.token, from: nil).key.id == key.id)
            }
            clock.advance(100)
            await #expect(throws: ended) { try await sessions.resolve(token: busy.token, from: nil) }
            #expect(try await sessions.deleteEnded() == 1, "the stale session, idle since it opened")
            await #expect(throws: ended) { try await sessions.resolve(token: stale.token, from: nil) }
            #expect(!sessions.isValidCSRFToken(sessions.csrfToken(for: busy.token), for: stale.token))
            #expect(sessions.isValidCSRFToken(sessions.csrfToken(for: stale.token), for: stale.token))
        }
    }
}
