import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Testing

@Suite("IP allowlists, trusted proxies and rate limits")
struct AccessControlTests {
    @Test("Client address: the socket peer, or X-Forwarded-For only from trusted proxies")
    func clientAddress() throws {
        let untrusting = ClientAddressResolver()
        #expect(untrusting.clientAddress(peer: "127.0.0.1", forwardedFor: "203.0.113.9")?.description == "127.0.0.1")
        let resolver = try ClientAddressResolver(trustedProxies: "127.0.0.1, 10.0.0.0/8, fd00::/8")
        #expect(resolver.clientAddress(peer: "127.0.0.1", forwardedFor: "203.0.113.9")?.description == "203.0.113.9")
        // A client that forges entries to the left gets the address the proxy saw.
        #expect(resolver.clientAddress(peer: "127.0.0.1", forwardedFor: "1.1.1.1, 203.0.113.9, 10.0.0.5")?.description == "203.0.113.9")
        #expect(resolver.clientAddress(peer: "198.51.100.7", forwardedFor: "1.1.1.1")?.description == "198.51.100.7")
        #expect(resolver.clientAddress(peer: "fd00::1", forwardedFor: "2001:db8::5")?.description == IPAddress("2001:db8::5")?.description)
        #expect(resolver.clientAddress(peer: "127.0.0.1", forwardedFor: "garbage")?.description == "127.0.0.1")
        #expect(throws: ConfigurationError.self) { try ClientAddressResolver(trustedProxies: "everyone") }
    }

    @Test(
        "Behind HOST=:: a proxy arrives IPv4-mapped and still matches an IPv4 TRUSTED_PROXIES entry; X-Forwarded-For entries may carry ports"
    )
    func mappedProxiesAndPorts() throws {
        let resolver = try ClientAddressResolver(trustedProxies: "10.0.0.0/8")
        // A dual-stack socket reports the IPv4 proxy 10.0.0.5 as ::ffff:10.0.0.5.
        #expect(resolver.clientAddress(peer: "::ffff:10.0.0.5", forwardedFor: "203.0.113.9")?.description == "203.0.113.9")
        #expect(resolver.clientAddress(peer: "::ffff:198.51.100.7", forwardedFor: "203.0.113.9")?.description == "198.51.100.7")
        // ip:port entries (Azure, some load balancers) do not stop the walk.
        #expect(resolver.clientAddress(peer: "10.0.0.5", forwardedFor: "203.0.113.9:51234, 10.0.0.7:443")?.description == "203.0.113.9")
        #expect(
            resolver.clientAddress(peer: "10.0.0.5", forwardedFor: "[2001:db8::1]:443")?.description
                == IPAddress("2001:db8::1")?.description)
        #expect(resolver.clientAddress(peer: "10.0.0.5", forwardedFor: "::ffff:203.0.113.9")?.description == "203.0.113.9")
        #expect(IPAddress(forwarded: "203.0.113.9:x") == nil)
        #expect(IPAddress(forwarded: "[2001:db8::1]x") == nil)
        // Clients are counted per IPv4 address and per IPv6 /64.
        #expect(IPAddress("2001:db8:1:2:aaaa::1")?.clientGroup == IPAddress("2001:db8:1:2:ffff::9")?.clientGroup)
        #expect(IPAddress("2001:db8:1:2::1")?.clientGroup != IPAddress("2001:db8:1:3::1")?.clientGroup)
        #expect(IPAddress("::ffff:203.0.113.9")?.clientGroup == "203.0.113.9")
    }

    @Test("Allowlists accept IPv4, IPv6 and CIDR; IPv4-mapped IPv6 counts as IPv4")
    func allowlistMatching() {
        let now = Date()
        let key = APIKey(
            id: UUID(), name: "k", description: nil, prefix: "p", keyHash: "h", permissions: [.all],
            ipWhitelist: ["203.0.113.0/24", "2001:db8::/32", "198.51.100.7"], expiresAt: nil, createdAt: now, updatedAt: now)
        #expect(key.allows(IPAddress("203.0.113.200")))
        #expect(key.allows(IPAddress("::ffff:203.0.113.5")))
        #expect(key.allows(IPAddress("2001:db8:1::9")))
        #expect(key.allows(IPAddress("198.51.100.7")))
        #expect(!key.allows(IPAddress("198.51.100.8")))
        #expect(!key.allows(IPAddress("2001:db9::1")))
        #expect(!key.allows(nil))
    }

    @Test("A key used from outside its allowlist gets 403 ip_not_allowed; spoofed X-Forwarded-For does not help")
    func ipAllowlist() async throws {
        try await withTestServer(configure: { $0.trustedProxies = ClientAddressResolver(trustedProxies: [IPRange("127.0.0.1")!]) }) {
            server in
            let inside = try await server.apiKeys.create(
                APIKeyDraft(name: "office", permissions: [.readWebhooks], ipWhitelist: ["203.0.113.0/24"]))
            let loopback = try await server.apiKeys.create(
                APIKeyDraft(name: "local", permissions: [.readWebhooks], ipWhitelist: ["127.0.0.1"]))
            let app = Application(router: SwitchboardApp.router(server.components))
            try await app.test(.live) { client in
                let fromOffice = try await client.send(
                    .get, "/api/webhooks", key: inside.plaintext, headers: [.init("X-Forwarded-For")!: "203.0.113.44"])
                #expect(fromOffice.status == .ok)
                #expect(try await server.apiKeys.get(id: inside.record.id).lastUsedAddress == "203.0.113.44")
                let fromElsewhere = try await client.send(
                    .get, "/api/webhooks", key: inside.plaintext, headers: [.init("X-Forwarded-For")!: "198.51.100.1"])
                expectError(fromElsewhere, .forbidden, code: "ip_not_allowed")
                expectError(try await client.send(.get, "/api/webhooks", key: inside.plaintext), .forbidden, code: "ip_not_allowed")
                #expect(try await client.send(.get, "/api/webhooks", key: loopback.plaintext).status == .ok)
            }
        }
        // Without trusted proxies the header is ignored: the peer (127.0.0.1) is the client.
        try await withTestServer { server in
            let inside = try await server.apiKeys.create(
                APIKeyDraft(name: "office", permissions: [.readWebhooks], ipWhitelist: ["203.0.113.0/24"]))
            let app = Application(router: SwitchboardApp.router(server.components))
            try await app.test(.live) { client in
                let spoofed = try await client.send(
                    .get, "/api/webhooks", key: inside.plaintext, headers: [.init("X-Forwarded-For")!: "203.0.113.44"])
                expectError(spoofed, .forbidden, code: "ip_not_allowed")
            }
        }
    }

    @Test("Over its quota a key gets 429 with Retry-After; answers carry RateLimit headers")
    func keyRateLimit() async throws {
        try await withTestServer { server in
            try await server.test { client in
                let created = try await client.send(
                    .post, "/api/api-keys", key: server.adminKey,
                    json: #"{"name":"slow","permissions":["read:webhooks"],"rateLimit":{"requests":3,"windowSeconds":3600}}"#)
                #expect(created.body["data"]?["rateLimit"]?["requests"]?.intValue == 3)
                let key = try #require(created.body["data"]?["key"]?.stringValue)
                for remaining in [2, 1, 0] {
                    let answer = try await client.send(.get, "/api/webhooks", key: key)
                    #expect(answer.status == .ok)
                    #expect(answer.headers[.init("RateLimit-Limit")!] == "3")
                    #expect(answer.headers[.init("RateLimit-Remaining")!] == String(remaining))
                    #expect(Int(answer.headers[.init("RateLimit-Reset")!] ?? "") ?? 0 > 0)
                }
                let limited = try await client.send(.get, "/api/webhooks", key: key)
                expectError(limited, .tooManyRequests, code: "rate_limited")
                #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 > 0)
                #expect(limited.headers[.init("RateLimit-Remaining")!] == "0")
                // Other keys are not affected; errors after authentication carry the headers too.
                let other = try await client.send(.get, "/api/webhooks/\(UUID().uuidString)", key: server.adminKey)
                expectError(other, .notFound, code: "not_found")
                #expect(other.headers[.init("RateLimit-Limit")!] == "6000")

                let id = try #require(created.body["data"]?["id"]?.stringValue)
                let raised = try await client.send(
                    .patch, "/api/api-keys/\(id)", key: server.adminKey, json: #"{"rateLimit":{"requests":1000,"windowSeconds":60}}"#)
                #expect(raised.status == .ok)
                #expect(try await client.send(.get, "/api/webhooks", key: key).status == .ok)
                expectError(
                    try await client.send(.patch, "/api/api-keys/\(id)", key: server.adminKey, json: #"{"ipWhitelist":["10.0.0.0/33"]}"#),
                    .unprocessableContent, code: "validation_failed")
                expectError(
                    try await client.send(
                        .patch, "/api/api-keys/\(id)", key: server.adminKey, json: #"{"rateLimit":{"requests":0,"windowSeconds":60}}"#),
                    .unprocessableContent, code: "validation_failed")
            }
        }
    }

    @Test("Repeated failed authentications from one address are slowed down")
    func authFailureLimit() async throws {
        try await withTestServer(configure: { $0.authFailureLimit = RateLimit(requests: 5, windowSeconds: 60) }) { server in
            let app = Application(router: SwitchboardApp.router(server.components))
            try await app.test(.live) { client in
                for _ in 0..<5 {
                    expectError(
                        try await client.send(.get, "/api/webhooks", key: SecretMaterial.newAPIKey()), .unauthorized,
                        code: "invalid_api_key")
                }
                let blocked = try await client.send(.get, "/api/webhooks", key: server.adminKey)
                expectError(blocked, .tooManyRequests, code: "too_many_auth_failures")
                #expect(blocked.headers[.retryAfter] != nil)
                // Requests without any key are answered 401 and neither counted nor blocked.
                expectError(try await client.send(.get, "/api/webhooks"), .unauthorized, code: "missing_api_key")
            }
        }
    }
}

@Suite("API key verification cache")
struct APIKeyCacheTests {
    @Test("Cached verification skips the database; revoke and regenerate take effect at once")
    func cache() async throws {
        try await withTestDatabase { database in
            let cache = APIKeyCache(ttl: .seconds(60))
            let service = APIKeyService(
                driver: database.driver, secrets: SecretMaterial(serverSecret: "server-secret-for-tests"), defaultExpiryDays: 0,
                cache: cache)
            let issued = try await service.create(APIKeyDraft(name: "k", permissions: [.all]))
            _ = try await service.authenticate(token: issued.plaintext)
            // Remove the row behind the service's back: the cached verification still answers.
            try await database.driver.execute("DELETE FROM api_keys WHERE id = \(issued.record.id)")
            #expect(try await service.authenticate(token: issued.plaintext).id == issued.record.id)

            let other = try await service.create(APIKeyDraft(name: "o", permissions: [.all]))
            _ = try await service.authenticate(token: other.plaintext)
            let regenerated = try await service.regenerate(id: other.record.id)
            await #expect(throws: SwitchboardError.self) { try await service.authenticate(token: other.plaintext) }
            _ = try await service.authenticate(token: regenerated.plaintext)
            _ = try await service.revoke(id: other.record.id)
            await #expect { try await service.authenticate(token: regenerated.plaintext) } throws: {
                ($0 as? SwitchboardError)?.code == "key_revoked"
            }
        }
    }
}

@Suite("Rate limiter")
struct RateLimiterTests {
    @Test("an hourly quota survives a flood of short buckets and the sweep that clears them")
    func ownWindows() async throws {
        let limiter = RateLimiter()
        let hourly = RateLimit(requests: 3, windowSeconds: 3600)
        for _ in 0..<3 { #expect(limiter.consume("key", limit: hourly).allowed) }
        #expect(!limiter.consume("key", limit: hourly).allowed)
        // A flood of failed-auth buckets with a one-second window, then their windows end.
        for index in 0..<20_000 { _ = limiter.consume("address-\(index)", limit: RateLimit(requests: 30, windowSeconds: 1)) }
        try await Task.sleep(for: .milliseconds(1100))
        _ = limiter.consume("late", limit: RateLimit(requests: 30, windowSeconds: 1))
        limiter.sweep()
        #expect(limiter.bucketCount == 2)
        #expect(!limiter.consume("key", limit: hourly).allowed, "the hourly quota was reset")
    }

    @Test("the bucket map stays under its cap with 100,000 distinct IPv6 clients")
    func capped() throws {
        let limiter = RateLimiter(capacity: 10_000)
        let limit = RateLimit(requests: 30, windowSeconds: 60)
        _ = limiter.consume("first", limit: limit)
        var largest = 0
        for index in 0..<100_000 {
            let address = try #require(IPAddress("2001:db8:\(String(index >> 16, radix: 16)):\(String(index & 0xFFFF, radix: 16))::1"))
            _ = limiter.consume(address.clientGroup, limit: limit)
            largest = max(largest, limiter.bucketCount)
        }
        #expect(largest == 10_000)
        // The oldest made room first.
        #expect(limiter.peek("first", limit: limit).remaining == 30)
        // Addresses in one /64 share a bucket.
        let one = RateLimiter(capacity: 10)
        for host in 1...50 { _ = one.consume(IPAddress("2001:db8:1:2::\(String(host, radix: 16))")!.clientGroup, limit: limit) }
        #expect(one.bucketCount == 1)
        #expect(!one.peek(IPAddress("2001:db8:1:2:ffff::1")!.clientGroup, limit: limit).allowed)
    }

    @Test("a reservation counts at once and a refund gives it back")
    func reservations() {
        let limiter = RateLimiter()
        let limit = RateLimit(requests: 2, windowSeconds: 60)
        let first = limiter.reserve("client", limit: limit)
        let second = limiter.reserve("client", limit: limit)
        #expect(first.decision.allowed && second.decision.allowed)
        #expect(!limiter.reserve("client", limit: limit).decision.allowed)
        limiter.refund(first)
        #expect(limiter.reserve("client", limit: limit).decision.allowed)
    }

    @Test(
        "20 concurrent wrong keys from one address consume 20 failure slots: with room for 10, 10 are refused",
        arguments: TestDriverKind.all)
    func concurrentGuesses(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind, configure: { $0.authFailureLimit = RateLimit(requests: 10, windowSeconds: 60) }) { server in
            let app = Application(router: SwitchboardApp.router(server.components))
            try await app.test(.live) { client in
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for _ in 0..<20 {
                        group.addTask { try await client.send(.get, "/api/webhooks", key: SecretMaterial.newAPIKey()).status }
                    }
                    return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == .unauthorized }.count == 10, "\(statuses)")
                #expect(statuses.filter { $0 == .tooManyRequests }.count == 10, "\(statuses)")
            }
        }
    }

    @Test("a good key gives its failure slot back, and a key verified moments ago passes the brake")
    func goodKeysDoNotCount() async throws {
        try await withTestServer(configure: { $0.authFailureLimit = RateLimit(requests: 3, windowSeconds: 60) }) { server in
            let app = Application(router: SwitchboardApp.router(server.components))
            try await app.test(.live) { client in
                // Uncached the first time: its reserved slot must come back, or fewer than 3
                // failures would fit below.
                for _ in 0..<5 { #expect(try await client.send(.get, "/api/webhooks", key: server.adminKey).status == .ok) }
                for _ in 0..<3 {
                    expectError(
                        try await client.send(.get, "/api/webhooks", key: SecretMaterial.newAPIKey()), .unauthorized,
                        code: "invalid_api_key")
                }
                expectError(
                    try await client.send(.get, "/api/webhooks", key: SecretMaterial.newAPIKey()), .tooManyRequests,
                    code: "too_many_auth_failures")
            }
        }
        // A key verified moments ago is no guess: it passes a brake that is on.
        try await withTestServer(configure: { $0.authFailureLimit = RateLimit(requests: 1, windowSeconds: 60) }) { server in
            let app = Application(router: SwitchboardApp.router(server.components))
            try await app.test(.live) { client in
                #expect(try await client.send(.get, "/api/webhooks", key: server.adminKey).status == .ok)
                expectError(
                    try await client.send(.get, "/api/webhooks", key: SecretMaterial.newAPIKey()), .unauthorized, code: "invalid_api_key")
                #expect(try await client.send(.get, "/api/webhooks", key: server.adminKey).status == .ok)
                expectError(
                    try await client.send(.get, "/api/webhooks", key: SecretMaterial.newAPIKey()), .tooManyRequests,
                    code: "too_many_auth_failures")
            }
        }
    }
}
