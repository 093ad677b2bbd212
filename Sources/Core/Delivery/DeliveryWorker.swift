import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Settings of a delivery worker.
public struct DeliveryWorkerConfiguration: Sendable {
    /// Requests in flight at once.
    public var concurrency: Int
    /// How long a claimed delivery stays leased; another worker takes it over afterwards, so
    /// it must exceed the HTTP timeout.
    public var lease: Duration
    /// How often an idle worker looks for due deliveries (publishing in this process wakes it
    /// at once).
    public var pollInterval: Duration
    /// This worker's name in `locked_by`.
    public var workerID: String

    /// Creates a configuration.
    public init(concurrency: Int = 64, lease: Duration = .seconds(60), pollInterval: Duration = .milliseconds(250), workerID: String = DeliveryWorkerConfiguration.defaultWorkerID()) {
        self.concurrency = concurrency
        self.lease = lease
        self.pollInterval = pollInterval
        self.workerID = workerID
    }

    /// Host name, process id and a random suffix: unique across processes sharing a database.
    public static func defaultWorkerID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// The delivery engine's loop: claim due deliveries under a lease, sign and send them
/// concurrently, and record what happened in batches.
///
/// On graceful shutdown it stops claiming, lets requests in flight finish and records them;
/// a crashed worker's leases simply expire and another worker takes the deliveries.
public final class DeliveryWorker: Service {
    let driver: any StorageDriver
    let sender: any WebhookSender
    let recorder: AttemptRecorder
    let configuration: DeliveryWorkerConfiguration
    let version: String
    let cipher: SecretCipher
    let environment: CoreEnvironment
    let logger: Logger

    /// Wakes the claim loop: new events, a freed slot, shutdown.
    let claimSignal = WakeSignal()
    /// Wakes the recording loop when outcomes are waiting.
    let recordSignal = WakeSignal()
    private let state = Mutex(LoopState())

    struct LoopState {
        var inFlight = 0
        var finished: [AttemptRecorder.Outcome] = []
        /// Set on graceful shutdown: claim nothing more.
        var stopRequested = false
        /// Set once nothing is in flight after the claim loop ended: the recorder may finish.
        var drained = false
        /// True between the start and the end of `run()`.
        var running = false
    }

    /// Whether the worker's loops are running (for readiness checks).
    public var isRunning: Bool { state.withLock { $0.running } }

    /// Creates a worker.
    public init(
        driver: any StorageDriver, sender: any WebhookSender, recorder: AttemptRecorder, configuration: DeliveryWorkerConfiguration,
        cipher: SecretCipher, version: String, environment: CoreEnvironment = .live, logger: Logger = Logger(label: "switchboard.delivery")
    ) {
        self.cipher = cipher
        self.driver = driver
        self.sender = sender
        self.recorder = recorder
        self.configuration = configuration
        self.version = version
        self.environment = environment
        self.logger = logger
    }

    /// Asks the worker to look for due deliveries now (called after a publish).
    public func wake() {
        Task { await claimSignal.signal() }
    }

    public func run() async throws {
        logger.info("delivery worker started", metadata: ["worker": "\(configuration.workerID)", "concurrency": "\(configuration.concurrency)"])
        state.withLock { $0.running = true }
        defer { state.withLock { $0.running = false } }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.recordLoop() }
                await self.claimLoop(group: &group)
                // Requests in flight finish (they have timeouts); then the last outcomes are stored.
                while state.withLock({ $0.inFlight }) > 0 {
                    await claimSignal.wait(timeout: .milliseconds(50))
                }
                state.withLock { $0.drained = true }
                await recordSignal.signal()
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.stopRequested = true }
            Task {
                await self.claimSignal.signal()
            }
        }
        logger.info("delivery worker stopped", metadata: ["worker": "\(configuration.workerID)"])
    }

    private func claimLoop(group: inout DiscardingTaskGroup) async {
        var failures = 0
        while !state.withLock({ $0.stopRequested }), !Task.isCancelled {
            let free = configuration.concurrency - state.withLock { $0.inFlight }
            var claimedFull = false
            if free > 0 {
                do {
                    let jobs = try await claim(limit: free)
                    failures = 0
                    claimedFull = jobs.count == free
                    let inactive = jobs.filter { !$0.webhookIsActive }
                    if !inactive.isEmpty { try await recorder.failInactive(inactive) }
                    for job in jobs where job.webhookIsActive {
                        state.withLock { $0.inFlight += 1 }
                        group.addTask { await self.deliver(job) }
                    }
                    if !jobs.isEmpty, !claimedFull { continue }
                } catch {
                    failures += 1
                    logger.error("claiming deliveries failed", metadata: ["error": "\(error)", "failures": "\(failures)"])
                    await claimSignal.wait(timeout: configuration.pollInterval * min(20, failures * 2))
                    continue
                }
            }
            if !claimedFull || free <= 0 {
                await claimSignal.wait(timeout: configuration.pollInterval)
            }
        }
    }

    private func claim(limit: Int) async throws -> [DeliveryJob] {
        let worker = configuration.workerID
        let lease = configuration.lease
        let now = environment.currentTime()
        let cipher = cipher
        return try await driver.transaction { transaction in
            try await DeliveryStore(executor: transaction, cipher: cipher).claimDue(worker: worker, now: now, lease: lease, limit: limit)
        }
    }

    private func deliver(_ job: DeliveryJob) async {
        let request = DeliveryRequest(job: job, now: environment.now(), version: version)
        let result = await sender.send(url: request.url, headers: request.headers, body: request.body)
        let outcome = AttemptRecorder.Outcome(job: job, result: result, finishedAt: environment.currentTime())
        logger.debug("delivery attempt", metadata: [
            "webhook": "\(job.webhookID)", "delivery": "\(job.deliveryID)", "attempt": "\(job.attemptNumber)",
            "status": "\(result.status.map(String.init) ?? "-")", "error": "\(result.error ?? "-")",
        ])
        state.withLock {
            $0.finished.append(outcome)
            $0.inFlight -= 1
        }
        await recordSignal.signal()
        await claimSignal.signal()
    }

    private func recordLoop() async {
        while true {
            let (batch, drained) = state.withLock { state -> ([AttemptRecorder.Outcome], Bool) in
                let batch = state.finished
                state.finished.removeAll(keepingCapacity: true)
                return (batch, state.drained)
            }
            if !batch.isEmpty {
                do {
                    try await recorder.record(batch)
                } catch {
                    // Keep the outcomes and try again; if this process dies first, the leases
                    // expire and the deliveries are attempted again (at least once).
                    logger.error("recording delivery attempts failed", metadata: ["error": "\(error)", "count": "\(batch.count)"])
                    state.withLock { $0.finished.insert(contentsOf: batch, at: 0) }
                    await recordSignal.wait(timeout: .seconds(1))
                    continue
                }
            }
            if drained, batch.isEmpty { return }
            if batch.isEmpty { await recordSignal.wait(timeout: .milliseconds(200)) }
        }
    }
}
