import AsyncHTTPClient
import Core
import Foundation
import Synchronization
import Testing
@testable import Server

/// A receiver's name is resolved once per attempt, every address checked, and the connection
/// made to the checked address: DNS cannot answer the check with an allowed address and the
/// connection with another (rebinding).
@Suite("DNS pinning")
struct DNSPinningTests {
    /// Answers with whatever `answers` says next, and counts the questions.
    final class ScriptedResolver: HostResolver {
        let answers: Mutex<[[IPAddress]]>
        let asked = Mutex(0)
        let names = Mutex<[String]>([])

        init(_ answers: [[IPAddress]]) {
            self.answers = Mutex(answers)
        }

        func resolve(host: String) async throws -> [IPAddress] {
            asked.withLock { $0 += 1 }
            names.withLock { $0.append(host) }
            return answers.withLock { answers in answers.count > 1 ? answers.removeFirst() : answers[0] }
        }
    }

    @Test(
        "a name is connected to the address its check approved, keeping the name in Host; a second answer pointing elsewhere is refused, not connected to"
    )
    func pinned() async throws {
        try await withReceiver { receiver in
            // `rebind.test` is not in any DNS: the HTTP client could only reach the receiver
            // through the address the check approved.
            let resolver = ScriptedResolver([[IPAddress("127.0.0.1")!], [IPAddress("169.254.169.254")!]])
            let targetGuard = OutboundTargetGuard(policy: try TargetPolicy(allowList: "127.0.0.1"), resolver: resolver)
            let configuration = HTTPClient.Configuration(
                redirectConfiguration: .disallow, timeout: .init(connect: .seconds(2), read: .seconds(5)))
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            let pinned = PinnedClients(configuration: configuration, grace: .seconds(10))
            let sender = HTTPWebhookSender(
                client: client, pinned: pinned, targetGuard: targetGuard, totalTimeout: .seconds(5), excerptBytes: 100)
            let url = "http://rebind.test:\(receiver.port)/hook"

            let first = await sender.send(url: url, headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
            #expect(first.status == 200, "\(first.error ?? "")")
            #expect(receiver.requests.count == 1)
            #expect(receiver.requests.first?.authority == "rebind.test:\(receiver.port)", "the receiver is asked for by its name")
            #expect(resolver.asked.withLock { $0 } == 1, "resolved once for the check; the client did not ask again")

            // The name now answers with the metadata address: refused at the check, never connected.
            let second = await sender.send(url: url, headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
            #expect(second.status == nil)
            #expect(second.error?.contains("reserved address") == true, "\(second.error ?? "")")
            #expect(receiver.requests.count == 1)
            #expect(pinned.count == 1)

            await pinned.shutDownAll()
            try await client.shutdown()
        }
    }

    @Test("a name with IPv6 and IPv4 addresses is pinned to the IPv4 one (a host without an IPv6 route must still be reached)")
    func prefersIPv4() async throws {
        try await withReceiver { receiver in
            let resolver = ScriptedResolver([[IPAddress("::1")!, IPAddress("127.0.0.1")!]])
            let targetGuard = OutboundTargetGuard(policy: try TargetPolicy(allowList: "127.0.0.1,::1"), resolver: resolver)
            let configuration = HTTPClient.Configuration(
                redirectConfiguration: .disallow, timeout: .init(connect: .seconds(2), read: .seconds(5)))
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            let pinned = PinnedClients(configuration: configuration, grace: .seconds(10))
            let sender = HTTPWebhookSender(
                client: client, pinned: pinned, targetGuard: targetGuard, totalTimeout: .seconds(5), excerptBytes: 100)
            // The receiver listens on 127.0.0.1 only: pinned to ::1 this would be refused.
            let result = await sender.send(url: "http://dual.test:\(receiver.port)/hook", headers: [], body: Array("{}".utf8))
            #expect(result.status == 200, "\(result.error ?? "")")
            await pinned.shutDownAll()
            #expect(pinned.client(host: "dual.test", address: IPAddress("127.0.0.1")!) == nil, "no new client once shut down")
            try await client.shutdown()
        }
    }

    @Test("an international name is checked in the form the HTTP client connects to (punycode), the form the pin is made for")
    func internationalName() async throws {
        let resolver = ScriptedResolver([[IPAddress("8.8.8.8")!]])
        let targetGuard = OutboundTargetGuard(policy: TargetPolicy(), resolver: resolver)
        #expect(await targetGuard.check(url: "https://bücher.example/hook") == .allowed(connectTo: IPAddress("8.8.8.8")!))
        #expect(resolver.names.withLock { $0 } == ["xn--bcher-kva.example"])
        #expect(OutboundTargetGuard.host(of: "https://bücher.example/hook") == "xn--bcher-kva.example")
    }

    @Test("a host with % (an encoding or a zone) is refused: read without it, the client would resolve the whole text unchecked")
    func percentInHost() async throws {
        let targetGuard = OutboundTargetGuard(policy: TargetPolicy(), resolver: ScriptedResolver([[IPAddress("8.8.8.8")!]]))
        // (`ex%61mple.com` is read as `example.com` by URL, and so by the client too: checked
        // and pinned under the same name, so not refused.)
        for url in ["http://8.8.8.8%25x/hook", "http://[2606:4700::1111%25eth0]/hook"] {
            let verdict = await targetGuard.check(url: url)
            guard case .refused = verdict else {
                Issue.record("\(url): \(verdict)")
                continue
            }
        }
    }
}
