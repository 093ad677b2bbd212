import ArgumentParser
import Core
import Foundation

/// `switchboard explain-claim`: the query plans of the statements a delivery worker's claim
/// runs, from the configured database as it is now. For a queue that has grown large: each
/// statement should walk an index and stop at its limit, whatever the number of pending rows.
struct ExplainClaimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain-claim",
        abstract: "Print the database's query plans for the statements a delivery claim runs.",
        discussion: """
            Runs EXPLAIN (SQLite: EXPLAIN QUERY PLAN) on each statement, with the values a claim \
            would bind now; nothing is leased or changed. The plans depend on the database's \
            statistics: on PostgreSQL and MariaDB run ANALYZE after loading many rows.
            """)

    @Option(help: "Deliveries per claim (default: WEBHOOK_CONCURRENCY, 64).")
    var limit: Int?

    func validate() throws {
        if let limit, !(1...10_000).contains(limit) {
            throw ValidationError("--limit must be a whole number from 1 to 10000")
        }
    }

    func run() async throws {
        let settings = try loadSettings()
        let limit = limit ?? max(1, settings.deliveryConcurrency)
        let plans = try await withCurrentDatabase(settings) { driver in
            try await DeliveryStore(executor: driver).claimPlans(now: Date(), limit: limit)
        }
        for (index, plan) in plans.enumerated() {
            print("\(index + 1). \(plan.purpose)")
            print(plan.sql.split(separator: "\n").map { "   " + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n"))
            print("   plan:")
            for line in plan.plan { print("     " + line) }
            print()
        }
    }
}
