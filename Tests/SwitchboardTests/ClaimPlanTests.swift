import Core
import Foundation
import Testing

@Suite("Claim query plans (switchboard explain-claim)")
struct ClaimPlanTests {
    @Test("Every statement of a claim is explained, with the queue left as it was", arguments: TestDriverKind.all)
    func plans(_ kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            _ = try await server.components.webhooks.create(WebhookDraft(name: "a", url: "https://a.example/hook", events: ["*"]))
            for _ in 0..<3 {
                _ = try await server.components.dispatcher.publish(type: "contact.created", data: .object([]))
            }
            let plans = try await DeliveryStore(executor: server.database.driver).claimPlans(now: Date(), limit: 16)
            #expect(plans.count == 6)
            for plan in plans {
                #expect(!plan.plan.isEmpty, "no plan for \(plan.purpose)")
                #expect(plan.plan.allSatisfy { !$0.isEmpty }, "an empty plan line for \(plan.purpose)")
                #expect(plan.sql.contains("webhook_deliveries"))
            }
            // The worker's claim leaves its own leases out of the count (it holds them in
            // memory); the explained statement must be that one, not a broader one.
            let inFlight = try #require(plans.first { $0.purpose.hasPrefix("in flight") })
            #expect(inFlight.sql.contains("locked_by <>"), "\(inFlight.sql)")
            if kind == .sqlite {
                // SQLite plans without statistics, so this holds at any size: the due deliveries
                // are read through the (status, next_attempt_at) index, never by a scan.
                let due = try #require(plans.first { $0.purpose.hasPrefix("due pending") })
                #expect(due.plan.joined(separator: "\n").contains("webhook_deliveries_due_idx"), "\(due.plan)")
            }
            // EXPLAIN leased nothing: the three deliveries are still waiting.
            let figures = try await DeliveryStore(executor: server.database.driver).queueFigures(now: Date())
            #expect(figures.due == 3)
            #expect(figures.inFlight == 0)
        }
    }
}
