import ArgumentParser
import Core
import Foundation

/// `switchboard update-stats`: recounts the hourly statistics from the delivery logs. The
/// server keeps them current as it records attempts; this repairs or backfills them.
struct UpdateStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update-stats",
        abstract: "Rebuild the hourly delivery statistics from the delivery logs.",
        discussion: """
            Recounts every hour from the oldest delivery log still stored (or from --since). Hours \
            older than that keep their counts: their logs were removed by the retention clean-up.
            """)

    @Option(help: "Recount from this instant on (ISO 8601, e.g. 2026-11-01T00:00:00Z) instead of the oldest log.")
    var since: String?

    func run() async throws {
        var start: Date?
        if let since {
            guard let date = Timestamp.parse(since) else {
                throw ValidationError("--since must be an ISO 8601 instant such as 2026-11-01T00:00:00Z")
            }
            start = date
        }
        let settings = try loadSettings()
        let began = Date()
        let report = try await withCurrentDatabase(settings) { driver in
            try await StatsStore.rebuild(driver: driver, since: start)
        }
        let seconds = String(format: "%.2f", Date().timeIntervalSince(began))
        guard let fromHour = report.fromHour else {
            print("no delivery logs to count; statistics left as they are")
            return
        }
        print("recounted \(report.attempts) delivery attempt(s) into \(report.rows) hourly row(s) from \(fromHour):00Z in \(seconds) s")
    }
}
