import ArgumentParser
import Core
import Foundation

/// `switchboard health-check`: a table of every webhook's health; exits 1 when an active
/// webhook is unhealthy, so cron jobs and monitoring probes can alert on it.
struct HealthCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health-check",
        abstract: "Print every webhook's health state, success rate and latency.",
        discussion: "Exit status: 0 when no active webhook is unhealthy, 1 when one is, 2 or more on errors.")

    func run() async throws {
        let settings: ServerSettings
        let reports: [WebhookHealthReport]
        do {
            settings = try loadSettings()
            reports = try await withCurrentDatabase(settings) { driver in
                try await WebhookAnalytics(driver: driver, rules: settings.healthRules).healthReports()
            }
        } catch {
            // Not 1: a probe must tell "a webhook is unhealthy" from "could not look".
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print(Self.table(reports, windowHours: settings.healthWindowHours))
        let unhealthy = reports.filter { $0.isActive && $0.verdict.state == .unhealthy }
        for report in unhealthy {
            print("unhealthy: \(report.name) (\(report.id.uuidString.lowercased())): \(report.verdict.rule)")
        }
        print("\(reports.count) webhook(s), \(unhealthy.count) active and unhealthy")
        if !unhealthy.isEmpty { throw ExitCode(1) }
    }

    /// Fixed-width columns: id, name, state, success rate and latency over the health window.
    static func table(_ reports: [WebhookHealthReport], windowHours: Int) -> String {
        let header = ["ID", "NAME", "STATE", "SUCCESS(\(windowHours)h)", "ATTEMPTS", "AVG MS", "P95 MS", "FAILS IN A ROW"]
        let rows = reports.map { report -> [String] in
            let window = report.window
            return [
                report.id.uuidString.lowercased(),
                String(report.name.prefix(30)),
                report.verdict.state.rawValue,
                window.attempts == 0 ? "-" : "\(window.successRate)%",
                String(window.attempts),
                window.attempts == 0 ? "-" : String(window.averageMilliseconds),
                window.percentile(0.95).map(String.init) ?? "-",
                String(report.consecutiveFailures),
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
