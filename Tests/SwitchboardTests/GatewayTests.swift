import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Server
import Testing

/// Gateway mode (`GATEWAY_UPSTREAM`): requests outside Switchboard's own paths reach a real
/// CRM stand-in after the key checks of `/auth/verify`, with the key's identity and without
/// the key; an event-marked write the CRM answers 2xx is published with the CRM's answer.
@Suite("Gateway")
struct GatewayTests {
    static func gateway(to crm: TestReceiver, _ change: @escaping @Sendable (inout GatewaySettings) -> Void = { _ in }) -> (
        inout ServerSettings
    ) -> Void {
        { settings in
            var gateway = try! GatewaySettings(upstream: "http://127.0.0.1:\(crm.port)/")
            change(&gateway)
            settings.gateway = gateway
        }
    }

    @Test(
        "the key matrix of /auth/verify, applied before the CRM sees anything; the CRM gets identity headers, not the key or spoofed ones")
    func matrix() async throws {
        try await withReceiver({ request, _ in
            ScriptedResponse(
                status: .ok, headers: [.contentType: "application/json", HTTPField.Name("Connection")!: "close"],
                body: #"{"path":"\#(request.uri)"}"#)
        }) { crm in
            try await withTestServer(configure: Self.gateway(to: crm)) { server in
                let reader = try await server.apiKeys.create(APIKeyDraft(name: "CRM reader", permissions: [.readContacts]))
                let revoked = try await server.apiKeys.create(APIKeyDraft(name: "old", permissions: [.readContacts]))
                _ = try await server.apiKeys.revoke(id: revoked.record.id)
                let fenced = try await server.apiKeys.create(
                    APIKeyDraft(name: "office", permissions: [.readContacts], ipWhitelist: ["10.0.0.0/8"]))
                try await server.test { client in
                    let spoofing: HTTPFields = [
                        HTTPField.Name("X-Switchboard-Key-Id")!: "forged", HTTPField.Name("Connection")!: "X-Hop",
                        HTTPField.Name("X-Hop")!: "1", .cookie: "\(SessionService.cookieName)=secret; crm_pref=dark",
                        HTTPField.Name("X_Switchboard_Permissions")!: "*", HTTPField.Name("Forwarded")!: "for=10.0.0.1",
                        HTTPField.Name("X-Real-IP")!: "10.0.0.1", HTTPField.Name("X-Forwarded-Prefix")!: "/admin",
                        HTTPField.Name("X_Forwarded_For")!: "10.0.0.1", HTTPField.Name("Proxy")!: "http://evil.example",
                        HTTPField.Name("Proxy-Authorization")!: "Basic eA==", .acceptEncoding: "gzip",
                    ]
                    let read = try await client.send(.get, "/api/contacts/42?fields=name", key: reader.plaintext, headers: spoofing)
                    #expect(read.status == .ok)
                    #expect(read.body["path"]?.stringValue == "/api/contacts/42?fields=name", "path and query reach the CRM as sent")
                    #expect(read.headers[HTTPField.Name("RateLimit-Limit")!] != nil, "the quota's headers come back with the CRM's answer")
                    #expect(read.headers[HTTPField.Name("Connection")!] == nil, "the CRM's hop-by-hop headers stay on its connection")
                    let seen = try #require(crm.requests.last)
                    #expect(seen.method == "GET")
                    #expect(seen.header("X-Switchboard-Key-Id") == reader.record.id.uuidString.lowercased())
                    #expect(seen.header("X-Switchboard-Key-Name") == "CRM reader")
                    #expect(seen.header("X-Switchboard-Permissions") == "read:contacts")
                    #expect(seen.header("Authorization") == nil, "the key is not passed on")
                    #expect(seen.header("X-Hop") == nil, "headers named by Connection are hop-by-hop")
                    #expect(seen.header("Cookie") == "crm_pref=dark", "the console's session cookie is Switchboard's, not the CRM's")
                    #expect(seen.header("X-Forwarded-Proto") == "http")
                    for forged in [
                        "X_Switchboard_Permissions", "Forwarded", "X-Real-IP", "X-Forwarded-Prefix", "X_Forwarded_For", "Proxy",
                        "Proxy-Authorization",
                    ] {
                        #expect(seen.header(forged) == nil, "\(forged) is Switchboard's to set, not the client's")
                    }
                    #expect(seen.header("Accept-Encoding") == "gzip", "a read's answer may be compressed")

                    // Case and path parameters: decided as a CRM may read them.
                    #expect(try await client.send(.get, "/API/Contacts/42", key: reader.plaintext).status == .ok)
                    expectError(
                        try await client.send(.delete, "/API/contacts/42", key: reader.plaintext), .forbidden,
                        code: "insufficient_permissions")
                    expectError(
                        try await client.send(.get, "/api/contacts;x/42", key: reader.plaintext), .forbidden, code: "route_not_allowed")

                    let before = crm.requests.count
                    expectError(
                        try await client.send(.post, "/api/contacts", key: reader.plaintext, json: "{}"), .forbidden,
                        code: "insufficient_permissions")
                    expectError(try await client.send(.get, "/api/contacts"), .unauthorized, code: "missing_api_key")
                    expectError(try await client.send(.get, "/api/contacts", key: revoked.plaintext), .unauthorized, code: "key_revoked")
                    expectError(try await client.send(.get, "/api/contacts", key: fenced.plaintext), .forbidden, code: "ip_not_allowed")
                    expectError(try await client.send(.get, "/api/invoices", key: server.adminKey), .forbidden, code: "route_not_allowed")
                    expectError(
                        try await client.send(.get, "/api/public/%2e%2e/contacts", key: server.adminKey), .forbidden,
                        code: "route_not_allowed")
                    // A fragment would be cut off by the client library: the CRM would see another path.
                    expectError(
                        try await client.send(.post, "/api/contacts/#", key: server.adminKey, json: "{}"), .badRequest,
                        code: "invalid_request_target")
                    // Switchboard's own paths stay Switchboard's.
                    #expect(try await client.send(.get, "/health").status == .ok)
                    expectError(
                        try await client.send(.get, "/api/webhooks", key: reader.plaintext), .forbidden, code: "insufficient_permissions")
                    #expect(crm.requests.count == before, "no denied request and no Switchboard route reached the CRM")
                }
            }
        }
    }

    @Test(
        "a write the CRM answers 2xx publishes its event with the CRM's answer as data, once per Idempotency-Key",
        arguments: TestDriverKind.all)
    func publishes(_ kind: TestDriverKind) async throws {
        try await withReceiver({ request, _ in
            switch request.method {
            case "POST": ScriptedResponse(status: .created, headers: [.contentType: "application/json"], body: #"{"id":7,"name":"Ada"}"#)
            case "DELETE": ScriptedResponse(status: .noContent, body: "")
            default: ScriptedResponse(status: .unprocessableContent, headers: [.contentType: "application/json"], body: #"{"error":"bad"}"#)
            }
        }) { crm in
            try await withTestServer(kind, configure: Self.gateway(to: crm)) { server in
                try await withReceiver { hooks in
                    let webhook = try await server.components.webhooks.create(
                        WebhookDraft(
                            name: "crm events", url: hooks.url, events: ["contact.created", "contact.updated", "contact.deleted"],
                            maxRetries: 0, retryDelaysMs: [100]))
                    let writer = try await server.key([.writeContacts, .deleteContacts])
                    let acceptGzip: HTTPFields = [.acceptEncoding: "gzip"]
                    try await withRunningWorker(server) {
                        try await server.test { client in
                            var headers: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "create-ada"]
                            headers.append(contentsOf: acceptGzip)
                            let created = try await client.send(
                                .post, "/api/contacts", key: writer, json: #"{"name":"Ada"}"#, headers: headers)
                            #expect(created.status == .created)
                            #expect(
                                created.body == .object([("id", .number(7)), ("name", .string("Ada"))]), "the client gets the CRM's answer")
                            let eventID = try #require(created.headers[HTTPField.Name("X-Switchboard-Event-Id")!])
                            #expect(crm.requests.last?.bodyText == #"{"name":"Ada"}"#, "the body reaches the CRM as sent")
                            let again = try await client.send(
                                .post, "/api/contacts", key: writer, json: #"{"name":"Ada"}"#, headers: headers)
                            #expect(
                                again.headers[HTTPField.Name("X-Switchboard-Event-Id")!] == eventID,
                                "the same Idempotency-Key publishes once")

                            let refused = try await client.send(.patch, "/api/contacts/7", key: writer, json: "{}")
                            #expect(refused.status == .unprocessableContent, "the CRM's own error comes back as it is")
                            #expect(
                                refused.headers[HTTPField.Name("X-Switchboard-Event-Id")!] == nil,
                                "a write the CRM refused publishes nothing")
                            #expect(crm.requests.last?.header("Accept-Encoding") == nil, "an event's answer must come back uncompressed")
                            let deleted = try await client.send(
                                .delete, "/api/contacts/7", key: writer, headers: [HTTPField.Name("Idempotency-Key")!: "create-ada"])
                            #expect(deleted.status == .noContent)
                            let deletedID = try #require(deleted.headers[HTTPField.Name("X-Switchboard-Event-Id")!])
                            #expect(
                                deletedID != eventID, "an Idempotency-Key stands for one write: the same value on another publishes anew")
                        }
                        try await eventually("two events delivered") { hooks.requests.count == 2 }
                        try await Task.sleep(for: .milliseconds(200))
                        let bodies = try hooks.requests.map { try JSONValue.parse($0.body) }
                        #expect(bodies.count == 2)
                        #expect(bodies.first?["type"]?.stringValue == "contact.created")
                        #expect(bodies.first?["data"] == .object([("id", .number(7)), ("name", .string("Ada"))]))
                        #expect(bodies.last?["type"]?.stringValue == "contact.deleted")
                        #expect(
                            bodies.last?["data"] == .object([("path", .string("/api/contacts/7")), ("status", .number(204))]),
                            "no JSON answer: the path and status")
                        #expect(
                            hooks.requests.allSatisfy { ReceiverVerification.webhookSignatureIsValid($0, secret: webhook.secret ?? "") })
                    }
                }
            }
        }
    }

    @Test("a CRM that is down or slow is 502 or 504 with the envelope; large answers stream through whole")
    func upstreamFailures() async throws {
        let large = String(repeating: "0123456789", count: 300_000)
        try await withReceiver({ request, _ in
            request.uri.hasPrefix("/api/contacts/slow") ? ScriptedResponse(body: "late", delay: .seconds(4)) : ScriptedResponse(body: large)
        }) { crm in
            try await withTestServer(configure: Self.gateway(to: crm) { $0.timeoutMilliseconds = 1_500 }) { server in
                let reader = try await server.key([.readContacts])
                try await server.test { client in
                    let response = try await client.execute(
                        uri: "/api/contacts", method: .get, headers: [.authorization: "Bearer \(reader)"])
                    #expect(response.status == .ok)
                    #expect(response.body.readableBytes == large.utf8.count)
                    expectError(try await client.send(.get, "/api/contacts/slow", key: reader), .gatewayTimeout, code: "upstream_timeout")
                }
            }
        }
        // A refused connection is retried until GATEWAY_CONNECT_TIMEOUT_MS (riding out a CRM
        // restart), then answered 502.
        try await withTestServer(configure: { settings in
            var gateway = try! GatewaySettings(upstream: "http://127.0.0.1:9")
            gateway.connectTimeoutMilliseconds = 300
            settings.gateway = gateway
        }) { server in
            let reader = try await server.key([.readContacts])
            try await server.test { client in
                let started = ContinuousClock.now
                expectError(try await client.send(.get, "/api/contacts", key: reader), .badGateway, code: "upstream_unavailable")
                #expect(ContinuousClock.now - started < .seconds(5))
            }
        }
    }

    @Test("method overrides and URL rewrites are refused before the CRM sees them; other proxies' client-address headers are dropped")
    func overrides() async throws {
        try await withReceiver({ _, _ in ScriptedResponse(headers: [.contentType: "application/json"], body: "{}") }) { crm in
            try await withTestServer(configure: Self.gateway(to: crm)) { server in
                let reader = try await server.key([.readContacts])
                try await server.test { client in
                    for header in [
                        "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override", "X-Original-URL", "X-Rewrite-URL",
                        "x_http_method_override",
                    ] {
                        let value = header.lowercased().contains("url") ? "/api/contacts/1" : "DELETE"
                        expectError(
                            try await client.send(
                                .get, "/api/contacts/1", key: reader, headers: [try #require(HTTPField.Name(header)): value]),
                            .badRequest, code: "override_not_allowed")
                    }
                    for uri in ["/api/contacts/1?_method=DELETE", "/api/contacts/1?a=1&_method=delete", "/api/contacts/1?%5fmethod=DELETE"]
                    {
                        expectError(try await client.send(.get, uri, key: reader), .badRequest, code: "override_not_allowed")
                    }
                    #expect(crm.requests.isEmpty, "none of them reached the CRM")
                    let spoofing: HTTPFields = [
                        HTTPField.Name("X-Client-IP")!: "10.0.0.1", HTTPField.Name("True-Client-IP")!: "10.0.0.1",
                        HTTPField.Name("CF-Connecting-IP")!: "10.0.0.1", HTTPField.Name("Fastly-Client-IP")!: "10.0.0.1",
                        HTTPField.Name("X-Cluster-Client-IP")!: "10.0.0.1", HTTPField.Name("X_Client_IP")!: "10.0.0.1",
                    ]
                    #expect(try await client.send(.get, "/api/contacts/1?method=get", key: reader, headers: spoofing).status == .ok)
                    let seen = try #require(crm.requests.last)
                    for name in [
                        "X-Client-IP", "True-Client-IP", "CF-Connecting-IP", "Fastly-Client-IP", "X-Cluster-Client-IP", "X_Client_IP",
                    ] {
                        #expect(seen.header(name) == nil, "\(name) is not the client's to choose")
                    }
                }
            }
        }
    }

    @Test(
        "answers held for their events fit GATEWAY_BUFFER_BYTES over all requests; one that does not is streamed whole after an event with its path and status",
        arguments: TestDriverKind.all)
    func bufferBound(_ kind: TestDriverKind) async throws {
        let answer = #"{"id":7,"name":""# + String(repeating: "a", count: 20_000) + #""}"#
        let huge = String(repeating: "z", count: 600_000)
        try await withReceiver({ request, _ in
            ScriptedResponse(
                status: .created, headers: [.contentType: "application/json"],
                body: request.uri.hasPrefix("/api/contacts?huge") ? huge : answer)
        }) { crm in
            // Room for less than one answer: it cannot be held, so it is streamed.
            try await withTestServer(kind, configure: Self.gateway(to: crm) { $0.bufferBytes = 8_192 }) { server in
                let writer = try await server.key([.writeContacts])
                try await server.test { client in
                    let created = try await client.execute(
                        uri: "/api/contacts", method: .post,
                        headers: [.authorization: "Bearer \(writer)", .contentType: "application/json"], body: .init(string: "{}"))
                    #expect(created.status == .created)
                    #expect(String(buffer: created.body) == answer, "the client gets the CRM's whole answer")
                    let eventID = try #require(created.headers[HTTPField.Name("X-Switchboard-Event-Id")!].flatMap(UUID.init(uuidString:)))
                    let event = try #require(try await EventStore(executor: server.database.driver).find(id: eventID))
                    #expect(event.payload == #"{"path":"/api/contacts","status":201}"#, "published before the answer, without it")
                    #expect(server.components.gatewayBuffer.inUse == 0, "nothing stays reserved")
                }
            }
            // With room, the answer is the event's data; over MAX_EVENT_BYTES it streams (and is not held whole).
            try await withTestServer(kind, configure: Self.gateway(to: crm)) { server in
                let writer = try await server.key([.writeContacts])
                try await server.test { client in
                    let created = try await client.execute(
                        uri: "/api/contacts", method: .post,
                        headers: [.authorization: "Bearer \(writer)", .contentType: "application/json"], body: .init(string: "{}"))
                    let eventID = try #require(created.headers[HTTPField.Name("X-Switchboard-Event-Id")!].flatMap(UUID.init(uuidString:)))
                    #expect(try await EventStore(executor: server.database.driver).find(id: eventID)?.payload == answer)
                    let large = try await client.execute(
                        uri: "/api/contacts?huge", method: .post,
                        headers: [.authorization: "Bearer \(writer)", .contentType: "application/json"], body: .init(string: "{}"))
                    #expect(large.status == .created && large.body.readableBytes == huge.utf8.count)
                    let largeID = try #require(large.headers[HTTPField.Name("X-Switchboard-Event-Id")!].flatMap(UUID.init(uuidString:)))
                    #expect(
                        try await EventStore(executor: server.database.driver).find(id: largeID)?.payload
                            == #"{"path":"/api/contacts","status":201}"#)
                    #expect(server.components.gatewayBuffer.inUse == 0)
                }
            }
        }
    }

    @Test(
        "a CRM with its own authentication: fixed upstream headers reach it, and with AUTH_API_KEY_HEADER the client's own Authorization passes untouched, never judged"
    )
    func crmOwnAuthentication() async throws {
        try await withReceiver({ request, _ in
            ScriptedResponse(headers: [.contentType: "application/json"], body: #"{"ok":true}"#)
        }) { crm in
            let fixed = try UpstreamHeaders(
                parsing: "# the CRM's service token\nAuthorization: Bearer crm-service-token\nX-CRM-Tenant: acme\n")
            try await withTestServer(configure: Self.gateway(to: crm) { $0.upstreamHeaders = fixed }) { server in
                let reader = try await server.key([.readContacts])
                try await server.test { client in
                    #expect(
                        try await client.send(.get, "/api/contacts", key: reader, headers: [HTTPField.Name("X-CRM-Tenant")!: "other"])
                            .status == .ok)
                    let seen = try #require(crm.requests.last)
                    #expect(seen.header("Authorization") == "Bearer crm-service-token", "the fixed credential, not the key")
                    #expect(seen.header("X-CRM-Tenant") == "acme", "a fixed header replaces the client's")
                    #expect(seen.headers[values: HTTPField.Name("X-CRM-Tenant")!].count == 1)
                }
            }
            try await withTestServer(configure: { settings in
                Self.gateway(to: crm)(&settings)
                settings.apiKeyHeader = "X-API-Key"
                settings.authFailureLimit = RateLimit(requests: 3, windowSeconds: 60)
            }) { server in
                let reader = try await server.key([.readContacts])
                try await server.test { client in
                    // The finding: X-API-Key plus the CRM's own bearer token was 401 invalid_api_key.
                    for index in 0..<6 {
                        let answer = try await client.send(
                            .get, "/api/contacts/\(index)",
                            headers: [
                                HTTPField.Name("X-API-Key")!: reader, .authorization: "Bearer user-token-\(index)",
                            ])
                        #expect(answer.status == .ok, "\(answer.body.compactText)")
                        let seen = try #require(crm.requests.last)
                        #expect(seen.header("Authorization") == "Bearer user-token-\(index)", "the CRM's own token passes as it came")
                        #expect(seen.header("X-API-Key") == nil, "the Switchboard key does not")
                    }
                    // More CRM tokens than the wrong-key budget: none counted as a wrong key.
                    expectError(
                        try await client.send(.get, "/api/contacts", headers: [.authorization: "Bearer \(reader)"]), .unauthorized,
                        code: "missing_api_key")
                    // /auth/verify reads the same header only.
                    var verify = ForwardAuthTests.original("GET", "/api/contacts")
                    verify[HTTPField.Name("X-API-Key")!] = reader
                    verify[.authorization] = "Bearer not-a-switchboard-key"
                    #expect(try await client.send(.get, "/auth/verify", headers: verify).status == .ok)
                }
            }
        }
    }

    @Test("update and delete events name the record and the request in source, whatever the CRM answers", arguments: TestDriverKind.all)
    func eventSource(_ kind: TestDriverKind) async throws {
        try await withReceiver({ request, _ in
            ScriptedResponse(
                headers: [.contentType: "application/json"], body: #"{"error":false,"message":"Contact Updated Successfully"}"#)
        }) { crm in
            try await withTestServer(kind, configure: Self.gateway(to: crm)) { server in
                try await withReceiver { hooks in
                    let webhook = try await server.components.webhooks.create(
                        WebhookDraft(
                            name: "crm events", url: hooks.url, events: ["contact.updated", "contact.deleted"], maxRetries: 0,
                            retryDelaysMs: [100]))
                    let writer = try await server.apiKeys.create(
                        APIKeyDraft(name: "writer", permissions: [.writeContacts, .deleteContacts]))
                    try await withRunningWorker(server) {
                        try await server.test { client in
                            let updated = try await client.send(
                                .patch, "/api/contacts/7?notify=1", key: writer.plaintext, json: #"{"name":"Ada"}"#)
                            let deleted = try await client.send(.delete, "/api/contacts/caf%C3%A9-9", key: writer.plaintext)
                            #expect(updated.status == .ok && deleted.status == .ok)
                        }
                        try await eventually("two events delivered") { hooks.requests.count == 2 }
                    }
                    let bodies = try hooks.requests.map { try JSONValue.parse($0.body) }.sorted {
                        ($0["type"]?.stringValue ?? "") > ($1["type"]?.stringValue ?? "")
                    }
                    #expect(
                        bodies.map(\.keys) == [
                            ["id", "type", "timestamp", "data", "source"], ["id", "type", "timestamp", "data", "source"],
                        ], "the four members of every event first, as they were")
                    let updated = try #require(bodies.first { $0["type"]?.stringValue == "contact.updated" })
                    #expect(updated["data"]?["message"]?.stringValue == "Contact Updated Successfully")
                    #expect(
                        updated["source"]
                            == .object([
                                ("via", .string("gateway")), ("method", .string("PATCH")), ("path", .string("/api/contacts/7")),
                                ("resourceId", .string("7")),
                                ("status", .number(200)), ("keyId", .string(writer.record.id.uuidString.lowercased())),
                            ]))
                    let deleted = try #require(bodies.first { $0["type"]?.stringValue == "contact.deleted" })
                    #expect(
                        deleted["source"]?["resourceId"]?.stringValue == "café-9" && deleted["source"]?["method"]?.stringValue == "DELETE")
                    #expect(hooks.requests.allSatisfy { ReceiverVerification.webhookSignatureIsValid($0, secret: webhook.secret ?? "") })
                    #expect(hooks.requests.allSatisfy { ReceiverVerification.standardSignatureIsValid($0, secret: webhook.secret ?? "") })
                    // The log shows the body as it was sent, source included.
                    let logs = try await server.components.deliveryLogs.list(
                        DeliveryLogFilter(webhookID: webhook.id), cursor: nil, limit: 10
                    ).entries
                    let sent = try await server.components.deliveryLogs.request(for: try #require(logs.first).delivery)
                    #expect(sent.body?.contains(#","source":{"via":"gateway""#) == true)
                }
            }
        }
    }

    @Test("SWITCHBOARD_PATH_PREFIX moves every Switchboard path under it and frees /api/webhooks and the rest for the CRM")
    func pathPrefix() async throws {
        try await withReceiver({ request, _ in
            ScriptedResponse(headers: [.contentType: "application/json"], body: #"{"crm":"\#(request.uri)"}"#)
        }) { crm in
            try await withTestServer(configure: { settings in
                Self.gateway(to: crm)(&settings)
                settings.pathPrefix = "/switchboard"
            }) { server in
                let crmKey = try await server.key([.readContacts])
                try await server.test { client in
                    // Switchboard's own, under the prefix.
                    #expect(try await client.send(.get, "/switchboard/health").body["data"]?["status"]?.stringValue == "ok")
                    #expect(try await client.send(.get, "/switchboard/api/webhooks", key: server.adminKey).status == .ok)
                    let verify = try await client.send(
                        .get, "/switchboard/auth/verify", key: crmKey, headers: ForwardAuthTests.original("GET", "/api/contacts"))
                    #expect(verify.status == .ok)
                    let shell = try await client.execute(uri: "/switchboard/", method: .get)
                    let html = String(buffer: shell.body)
                    #expect(shell.status == .ok && html.contains(#"<meta name="sb-base" content="/switchboard">"#))
                    let build = ConsoleAssets(directory: nil).build
                    #expect(html.contains(#"src="/switchboard/assets/\#(build)/app.js""#))
                    #expect(try await client.execute(uri: "/switchboard/assets/\(build)/app.js", method: .get).status == .ok)
                    let document = try await client.send(.get, "/switchboard/openapi.json")
                    #expect(document.body["servers"]?[0]?["url"]?.stringValue == "http://127.0.0.1:8080/switchboard")
                    // Everything else is the CRM's: its own /api/webhooks included, with a key's checks.
                    let before = crm.requests.count
                    expectError(try await client.send(.get, "/api/webhooks", key: server.adminKey), .forbidden, code: "route_not_allowed")
                    expectError(try await client.send(.get, "/health", key: crmKey), .forbidden, code: "route_not_allowed")
                    let contacts = try await client.send(.get, "/api/contacts", key: crmKey)
                    #expect(contacts.body["crm"]?.stringValue == "/api/contacts")
                    #expect(crm.requests.count == before + 1)
                    // The prefix is a whole segment.
                    expectError(try await client.send(.get, "/switchboardx/health", key: crmKey), .forbidden, code: "route_not_allowed")
                }
            }
            // Without the gateway, paths outside the prefix are 404 with the envelope.
            try await withTestServer(configure: { $0.pathPrefix = "/sb" }) { server in
                try await server.test { client in
                    #expect(try await client.send(.get, "/sb/health").status == .ok)
                    expectError(try await client.send(.get, "/health"), .notFound, code: "not_found")
                    expectError(try await client.send(.get, "/api/webhooks", key: server.adminKey), .notFound, code: "not_found")
                }
            }
        }
        for bad in ["switchboard", "/switchboard/", "/Switchboard", "/a//b", "/a/../b", "/a b"] {
            #expect(throws: ConfigurationError.self) {
                try ServerSettings(environment: SettingsTests.secret.merging(["SWITCHBOARD_PATH_PREFIX": bad]) { $1 })
            }
        }
        #expect(
            try ServerSettings(environment: SettingsTests.secret.merging(["SWITCHBOARD_PATH_PREFIX": "/tools/switchboard"]) { $1 })
                .pathPrefix == "/tools/switchboard")
    }

    @Test(
        "GATEWAY_UPSTREAM_HEADERS_FILE: one Name: value per line; a mistake names the line, never a value, and the values are never shown")
    func upstreamHeaderFile() throws {
        let headers = try UpstreamHeaders(parsing: "Authorization: Bearer s3cret\r\n\n# comment\nX-Service:  crm \n")
        #expect(headers.map { "\($0.name.rawName)=\($0.value)" } == ["Authorization=Bearer s3cret", "X-Service=crm"])
        #expect(!headers.description.contains("s3cret") && headers.description.contains("Authorization"))
        var dumped = ""
        dump(headers, to: &dumped)
        #expect(!dumped.contains("s3cret") && !String(reflecting: headers).contains("s3cret"), "\(dumped)")
        var settings = try GatewaySettings(upstream: "http://crm")
        settings.upstreamHeaders = headers
        dumped = ""
        dump(settings, to: &dumped)
        #expect(!dumped.contains("s3cret") && !"\(settings)".contains("s3cret"))
        for bad in ["Authorization Bearer s3cret", "Host: crm.internal", "X-Forwarded-For: 1.2.3.4", "X-Empty:", "Bad Name: s3cret"] {
            #expect {
                try UpstreamHeaders(parsing: "# first\n" + bad)
            } throws: { error in
                let message = (error as? ConfigurationError)?.message ?? ""
                return message.contains("line 2") && !message.contains("s3cret")
            }
        }
    }

    @Test("GATEWAY_* settings are checked at start-up")
    func settings() throws {
        let base = SettingsTests.secret
        let parsed = try ServerSettings(
            environment: base.merging(["GATEWAY_UPSTREAM": "http://crm.internal:3000/", "GATEWAY_TIMEOUT_MS": "5000"]) { $1 })
        #expect(parsed.gateway?.upstream == "http://crm.internal:3000")
        #expect(parsed.gateway?.timeoutMilliseconds == 5000)
        #expect(parsed.gateway?.forwardAuthorization == false)
        #expect(try ServerSettings(environment: base).gateway == nil)
        for (name, value) in [
            ("GATEWAY_UPSTREAM", "crm.internal:3000"), ("GATEWAY_UPSTREAM", "ftp://crm"), ("GATEWAY_UPSTREAM", "http://crm?x=1"),
        ] {
            #expect(throws: ConfigurationError.self) { try ServerSettings(environment: base.merging([name: value]) { $1 }) }
        }
        #expect(throws: ConfigurationError.self) {
            try ServerSettings(
                environment: base.merging(["GATEWAY_UPSTREAM": "http://crm", "GATEWAY_FORWARD_AUTHORIZATION": "maybe"]) { $1 })
        }
        #expect(throws: ConfigurationError.self) {
            try ServerSettings(environment: base.merging(["GATEWAY_UPSTREAM": "http://crm", "GATEWAY_BUFFER_BYTES": "-1"]) { $1 })
        }
        #expect(
            try ServerSettings(environment: base.merging(["GATEWAY_UPSTREAM": "http://crm", "GATEWAY_BUFFER_BYTES": "0"]) { $1 }).gateway?
                .bufferBytes == 0)
    }
}
