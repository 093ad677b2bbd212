import Foundation
import Logging
import ServiceLifecycle

/// Runs the retention clean-up every `interval` (`WEBHOOK_CLEANUP_INTERVAL` hours), the first
/// time one interval after start. Several processes may run it at once: they delete by id, so
/// they only share the work.
package struct CleanupService: Service {
    let cleaner: RetentionCleaner
    /// Ended console sessions and expired sign-in links go with each clean-up.
    let sessions: SessionService?
    let interval: Duration
    let logger: Logger

    package init(cleaner: RetentionCleaner, sessions: SessionService? = nil, interval: Duration, logger: Logger) {
        self.cleaner = cleaner
        self.sessions = sessions
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        // A long sleep must not hold up shutdown; a clean-up cut short resumes next time.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                do {
                    let report = try await cleaner.run()
                    let sessionRows = try await sessions?.deleteEnded() ?? 0
                    logger.info(
                        "cleanup finished",
                        metadata: [
                            "sessions": "\(sessionRows)",
                            "deliveries": "\(report.deliveries)", "events": "\(report.events)",
                            "idempotency_keys": "\(report.idempotencyKeys)", "api_keys": "\(report.apiKeys)",
                        ])
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("cleanup failed; will try again next interval", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
