import Core
import Foundation

/// What `/ready` checks: the database answers, its schema has exactly the migrations this
/// build shipped with, and the delivery worker is running (unless this process has none).
struct ReadinessCheck: Sendable {
    /// One check's name and state (`ok`, `running`, `disabled`, or what is wrong).
    struct Check: Sendable {
        let name: String
        let state: String
    }

    struct Report: Sendable {
        var checks: [Check] = []
        var problems: [String] = []
    }

    let driver: any StorageDriver
    /// The versions of the migration files found at start-up, or nil when none were found.
    let shippedVersions: [String]?
    let worker: DeliveryWorker?

    func evaluate() async -> Report {
        var report = Report()
        do {
            let applied = try await driver.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.string("version") }
            report.checks.append(Check(name: "database", state: "ok"))
            if let shippedVersions {
                let missing = shippedVersions.filter { !applied.contains($0) }
                if missing.isEmpty {
                    report.checks.append(Check(name: "migrations", state: "ok"))
                } else {
                    report.checks.append(Check(name: "migrations", state: "pending"))
                    report.problems.append("migrations \(missing.joined(separator: ", ")) not applied; run switchboard-migrate up")
                }
            }
        } catch {
            report.checks.append(Check(name: "database", state: "unavailable"))
            report.problems.append("database unavailable")
        }
        if let worker {
            let running = worker.isRunning
            report.checks.append(Check(name: "worker", state: running ? "running" : "stopped"))
            if !running { report.problems.append("delivery worker not running") }
        } else {
            report.checks.append(Check(name: "worker", state: "disabled"))
        }
        return report
    }
}
