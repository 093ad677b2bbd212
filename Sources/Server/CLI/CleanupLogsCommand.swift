import ArgumentParser
import Core
import Foundation

/// `switchboard cleanup-logs`: the retention clean-up the server runs every
/// `WEBHOOK_CLEANUP_INTERVAL` hours, now, with a report of what it removed.
struct CleanupLogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup-logs",
        abstract: "Delete old delivery logs, orphaned events, stale idempotency keys and long-expired API keys now.")

    @Option(help: "Delete finished delivery logs older than this many days (default: WEBHOOK_LOG_RETENTION_DAYS, 90).")
    var olderThan: Int?

    @Flag(help: "Only count what would be deleted.")
    var dryRun = false

    func validate() throws {
        if let olderThan, !(1...36_500).contains(olderThan) {
            throw ValidationError("--older-than must be a whole number of days from 1 to 36500")
        }
    }

    func run() async throws {
        let settings = try loadSettings()
        var policy = settings.retentionPolicy
        if let olderThan { policy.deliveryLogDays = olderThan }
        let report = try await withCurrentDatabase(settings) { driver in
            try await RetentionCleaner(driver: driver, policy: policy).run(dryRun: dryRun)
        }
        let verb = dryRun ? "would delete" : "deleted"
        print(
            """
            \(verb) \(report.deliveries) delivery log(s) older than \(policy.deliveryLogDays) days, with their attempts
            \(verb) \(report.events) event(s) left without deliveries
            \(dryRun ? "would clear" : "cleared") \(report.idempotencyKeys) idempotency key(s) older than 24 hours
            \(verb) \(report.apiKeys) API key(s) expired more than \(policy.expiredKeyGraceDays) days ago
            """)
    }
}
