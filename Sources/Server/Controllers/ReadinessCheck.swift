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
            let applied = try await Migrator(driver: driver, files: []).appliedVersions()
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
            switch worker.condition() {
            case .running:
                report.checks.append(Check(name: "worker", state: "running"))
            case .stopped:
                report.checks.append(Check(name: "worker", state: "stopped"))
                report.problems.append("delivery worker not running")
            case .failing:
                report.checks.append(Check(name: "worker", state: "failing"))
                report.problems.append("delivery worker cannot claim deliveries (see the server log)")
            case .stalled(let since):
                report.checks.append(Check(name: "worker", state: "stalled"))
                report.problems.append("delivery worker has not completed a round for \(Int(since.components.seconds)) s")
            }
        } else {
            report.checks.append(Check(name: "worker", state: "disabled"))
        }
        return report
    }
}
