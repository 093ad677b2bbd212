import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Testing

@Suite("Outbound safety")
struct OutboundSafetyTests {
    /// URL forms that lead to loopback, private, link-local, CGNAT or metadata addresses.
    static let forbidden = [
        "http://127.0.0.1/hook", "http://127.8.9.10:8080/", "http://localhost/hook", "http://localhost.:8080/",
        "http://[::1]/hook", "http://0.0.0.0/", "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/", "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/", "http://[fe80::1]/", "http://[fc00::1]/", "http://[fd00:ec2::254]/",
        "http://[64:ff9b::7f00:1]/", "http://2130706433/", "http://0x7f.0.0.1/", "http://127.1/", "http://017700000001/",
        "https://[::]/", "http://224.0.0.1/", "http://[64:ff9b:1::a00:1]/", "http://[2002:7f00:1::]/",
    ]

    @Test("A refused name does not tell which internal address it resolved to")
    func refusalDoesNotMapTheNetwork() async throws {
        try await withTestServer(configure: { $0.outboundPolicy = TargetPolicy() }) { server in
            try await server.test { client in
                let answer = try await client.send(
                    .post, "/api/webhooks", key: server.adminKey, json: #"{"name":"n","url":"http://localhost:9/x","events":["*"]}"#)
                expectError(answer, .unprocessableContent, code: "target_not_allowed")
                let message = answer.body["error"]?["message"]?.stringValue ?? ""
                #expect(message.contains("localhost resolves to a reserved address"), "\(message)")
                #expect(!message.contains("127.0.0.1") && !message.contains("::1"), "\(message)")
            }
        }
    }

    @Test("Webhooks pointing at reserved addresses are refused at creation", arguments: forbidden)
    func refusedAtCreation(url: String) async throws {
        try await withTestServer(configure: { $0.outboundPolicy = TargetPolicy() }) { server in
            try await server.test { client in
                let body = #"{"name":"n","url":"\#(url)","events":["*"]}"#
                expectError(
                    try await client.send(.post, "/api/webhooks", key: server.adminKey, json: body), .unprocessableContent,
                    code: "target_not_allowed")
            }
        }
    }

    @Test(
        "Public addresses and names that do not resolve yet are accepted",
        arguments: ["https://8.8.8.8/hook", "https://hooks.example/x", "http://[2606:4700::1111]/"])
    func publicAccepted(url: String) async throws {
        try await withTestServer(configure: { $0.outboundPolicy = TargetPolicy() }) { server in
            _ = try await server.components.webhooks.create(WebhookDraft(name: "n", url: url, events: ["*"]))
        }
    }

    @Test("WEBHOOK_ALLOWED_TARGETS lets named ranges and hosts through")
    func allowList() throws {
        let policy = try TargetPolicy(allowList: "127.0.0.1, 10.1.0.0/16, internal.example, fd00::/8")
        #expect(policy.refusal(for: IPAddress("127.0.0.1")!) == nil)
        #expect(policy.refusal(for: IPAddress("127.0.0.2")!) != nil)
        #expect(policy.refusal(for: IPAddress("10.1.200.3")!) == nil)
        #expect(policy.refusal(for: IPAddress("10.2.0.1")!) != nil)
        #expect(policy.refusal(for: IPAddress("fd12::1")!) == nil)
        #expect(policy.allowsHost("Internal.Example"))
        #expect(throws: ConfigurationError.self) { try TargetPolicy(allowList: "not a range!") }
    }

    @Test(
        "Addresses and ranges parse and match",
        arguments: [
            ("10.0.0.0/8", "10.255.255.255", true), ("10.0.0.0/8", "11.0.0.0", false), ("::ffff:0:0/96", "::ffff:1.2.3.4", true),
            ("2001:db8::/32", "2001:db8:ffff::1", true), ("2001:db8::/32", "2001:db9::1", false), ("0.0.0.0/0", "203.0.113.9", true),
            ("fe80::/10", "febf::1", true), ("fe80::/10", "fec0::1", false), ("1.2.3.4", "1.2.3.4", true),
        ])
    func ranges(range: String, address: String, inside: Bool) throws {
        let parsedRange = try #require(IPRange(range))
        let parsedAddress = try #require(IPAddress(address))
        #expect(parsedRange.contains(parsedAddress) == inside)
    }

    @Test(
        "Malformed addresses are rejected",
        arguments: ["1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1::2::3", "12345::", "::g", "1.2.3.4/33"])
    func malformed(text: String) {
        #expect(IPAddress(text) == nil || text.contains("/"))
        #expect(IPRange(text) == nil)
    }

    @Test("The sender refuses a reserved target at connect time without sending")
    func refusedAtConnect() async throws {
        try await withReceiver { receiver in
            // Created while allowed, then the server restarts without the exception.
            try await withTestServer(configure: { $0.outboundPolicy = TargetPolicy() }) { server in
                let now = Timestamp.truncated(Date())
                let webhook = Webhook(
                    id: UUID(), name: "old", url: receiver.url, events: ["*"], description: nil, isActive: true,
                    secret: "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=", maxRetries: 0, createdAt: now, updatedAt: now)
                try await WebhookStore(executor: server.database.driver, cipher: server.components.cipher).insert(webhook)
                let test = try await server.components.tester.test(webhookID: webhook.id, eventType: nil)
                #expect(test.result.status == nil)
                #expect(test.result.error?.hasPrefix("refused:") == true)
            }
            #expect(receiver.requests.isEmpty)
        }
    }
}
