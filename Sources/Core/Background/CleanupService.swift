import Foundation
import Logging
import ServiceLifecycle

/// Runs the retention clean-up every `interval` (`WEBHOOK_CLEANUP_INTERVAL` hours), the first
/// time one interval after start. Several processes may run it at once: they delete by id, so
/// they only share the work.
package struct CleanupService: Service {
    let cleaner: RetentionCleaner
    let interval: Duration
    let logger: Logger

    package init(cleaner: RetentionCleaner, interval: Duration, logger: Logger) {
        self.cleaner = cleaner
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
                    logger.info("cleanup finished", metadata: [
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
