import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Settings of a delivery worker.
package struct DeliveryWorkerConfiguration: Sendable {
    /// Requests in flight at once.
    package var concurrency: Int
    /// How long a claimed delivery stays leased; another worker takes it over afterwards, so
    /// it must exceed the HTTP timeout.
    package var lease: Duration
    /// How often an idle worker looks for due deliveries (publishing in this process wakes it
    /// at once).
    package var pollInterval: Duration
    /// This worker's name in `locked_by`.
    package var workerID: String
    /// On shutdown, how long outcomes that cannot be stored (the database is gone) are
    /// retried before they are left to lease expiry.
    package var shutdownRecordingGrace: Duration = .seconds(5)
    /// Per-webhook limits on claiming: the concurrency cap, the ramp after a circuit closes.
    package var circuitPolicy: CircuitPolicy

    /// Creates a configuration.
    package init(
        concurrency: Int = 64, lease: Duration = .seconds(60), pollInterval: Duration = .milliseconds(250),
        circuitPolicy: CircuitPolicy = CircuitPolicy(), workerID: String = DeliveryWorkerConfiguration.defaultWorkerID()
    ) {
        self.circuitPolicy = circuitPolicy
        self.concurrency = concurrency
        self.lease = lease
        self.pollInterval = pollInterval
        self.workerID = workerID
    }

    /// Host name, process id and a random suffix: unique across processes sharing a database.
    package static func defaultWorkerID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// The delivery engine's loop: claim due deliveries under a lease, sign and send them
/// concurrently, and record what happened in batches.
///
/// On graceful shutdown it stops claiming, lets requests in flight finish and records them;
/// a crashed worker's leases simply expire and another worker takes the deliveries.
package final class DeliveryWorker: Service {
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
    /// Wakes the handoff loop when a publish handed deliveries over (or gave places back).
    let handoffSignal = WakeSignal()
    let state = Mutex(LoopState())

    struct LoopState {
        var inFlight = 0
        var finished: [AttemptRecorder.Outcome] = []
        /// Set on graceful shutdown: claim nothing more.
        var stopRequested = false
        /// Set once nothing is in flight after the claim loop ended: the recorder may finish.
        var drained = false
        /// True between the start and the end of `run()`.
        var running = false
        /// When the claim loop last went round without an error.
        var lastGoodLoop: ContinuousClock.Instant?
        /// Whether the latest claim failed (the database refused or did not answer).
        var lastClaimFailed = false
        /// The room publishes in this process may fill by handing deliveries over, from the
        /// latest claim, and until when it may be used.
        var handoffRoom = HandoffRoom()
        var handoffRoomUntil: ContinuousClock.Instant?
        /// The places this worker's deliveries hold, by delivery (its webhook): claimed or
        /// handed over and not yet sent, being sent, or failed and not yet recorded (a failure
        /// keeps its place until the recording has decided on the circuit). One that was
        /// answered frees its place at once, though its row shows it in progress until recorded.
        var occupying: [UUID: UUID] = [:]
        /// Places reserved per webhook by publish transactions not yet committed or rolled back.
        var handoffsPending: [UUID: Int] = [:]
        /// Handed over and committed, waiting to be read and sent.
        var handedOver: [UUID] = []
        /// Deliveries handed over since start (for tests and `/metrics`).
        var handedOverTotal = 0
        /// Claims that measured the room since start.
        var roomsMeasured = 0
    }

    /// What a readiness check needs to know about the worker.
    package enum Condition: Sendable, Equatable {
        /// Not started, or stopped.
        case stopped
        /// Claiming: the last round of the claim loop went well, recently.
        case running
        /// Running, but its last claim failed (usually: the database is unavailable).
        case failing
        /// Running, but no round has finished for longer than the bound: stuck.
        case stalled(since: Duration)
    }

    /// Whether the worker's loops are running (for readiness checks).
    package var isRunning: Bool { state.withLock { $0.running } }

    /// The longest a healthy round of the claim loop takes: a claim (bounded by the driver's
    /// own deadline) plus the idle wait. Past this without a round, the worker is stalled.
    package var stallBound: Duration { configuration.pollInterval * 2 + .seconds(60) }

    /// The worker's condition now.
    package func condition(now: ContinuousClock.Instant = .now) -> Condition {
        let (running, last, failed) = state.withLock { ($0.running, $0.lastGoodLoop, $0.lastClaimFailed) }
        guard running else { return .stopped }
        if let last, now - last > stallBound { return .stalled(since: now - last) }
        return failed ? .failing : .running
    }

    /// Creates a worker.
    package init(
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
    package func wake() {
        claimSignal.signal()
    }

    package func run() async throws {
        logger.info(
            "delivery worker started", metadata: ["worker": "\(configuration.workerID)", "concurrency": "\(configuration.concurrency)"])
        state.withLock {
            $0.running = true
            $0.lastGoodLoop = .now
        }
        defer { state.withLock { $0.running = false } }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.recordLoop() }
                // The inner group returns once the claim loop has stopped and every request in
                // flight has finished (each has a deadline); then the last outcomes are stored.
                await withDiscardingTaskGroup { deliveries in
                    deliveries.addTask { await self.handoffLoop() }
                    await self.claimLoop(group: &deliveries)
                }
                state.withLock { $0.drained = true }
                recordSignal.signal()
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.stopRequested = true }
            self.claimSignal.signal()
            self.handoffSignal.signal()
        }
        logger.info("delivery worker stopped", metadata: ["worker": "\(configuration.workerID)"])
    }

    private func claimLoop(group: inout DiscardingTaskGroup) async {
        var failures = 0
        // A claim costs the same few statements whether it takes one delivery or many. Under
        // load, slots free up one at a time; claiming for each would spend the database on
        // claims, so a busy worker waits until a quarter of its slots are free, or a poll
        // interval has passed since its last claim (slow receivers holding the rest). With
        // room for a quarter it claims at once, so latency under light load is unchanged.
        let minimumClaim = max(1, configuration.concurrency / 4)
        var lastClaim = ContinuousClock.now
        while !state.withLock({ $0.stopRequested }), !Task.isCancelled {
            let inFlight = state.withLock { $0.inFlight }
            let free = configuration.concurrency - inFlight
            var claimedFull = false
            if free > 0, free >= minimumClaim || inFlight == 0 || ContinuousClock.now - lastClaim >= configuration.pollInterval {
                lastClaim = .now
                do {
                    let jobs = try await claim(limit: free)
                    failures = 0
                    claimedFull = jobs.count == free
                    state.withLock { state in
                        state.inFlight += jobs.count
                        for job in jobs { state.occupying[job.deliveryID] = job.webhookID }
                    }
                    try await launch(jobs, in: &group)
                    markRound(failed: false)
                    if !jobs.isEmpty, !claimedFull { continue }
                } catch {
                    // Any error of any statement: logged, backed off, tried again. The loop
                    // itself never ends but on shutdown.
                    failures += 1
                    markRound(failed: true)
                    logger.error("claiming deliveries failed; retrying", metadata: ["error": "\(error)", "failures": "\(failures)"])
                    await claimSignal.wait(timeout: configuration.pollInterval * min(20, failures * 2))
                    continue
                }
            } else {
                markRound(failed: false)
            }
            if !claimedFull || free <= 0 {
                await claimSignal.wait(timeout: configuration.pollInterval)
            }
        }
    }

    private func markRound(failed: Bool) {
        state.withLock { state in
            state.lastClaimFailed = failed
            if !failed { state.lastGoodLoop = .now }
        }
    }

    /// Starts sending `jobs`, already counted in flight. The ones claimed for a webhook switched
    /// off meanwhile, or whose secret cannot be read, are marked failed with the reason; should
    /// that fail, their leases expire and a later claim finds them again.
    func launch(_ jobs: [DeliveryJob], in group: inout DiscardingTaskGroup) async throws {
        let unsendable = jobs.filter { AttemptRecorder.reasonNotToSend($0) != nil }
        for job in jobs where AttemptRecorder.reasonNotToSend(job) == nil {
            group.addTask { await self.deliver(job) }
        }
        guard !unsendable.isEmpty else { return }
        state.withLock { state in
            state.inFlight -= unsendable.count
            for job in unsendable { state.occupying[job.deliveryID] = nil }
        }
        claimSignal.signal()
        logger.warning(
            "failing deliveries that cannot be sent",
            metadata: [
                "count": "\(unsendable.count)", "reason": "\(AttemptRecorder.reasonNotToSend(unsendable[0]) ?? "-")",
            ])
        try await recorder.failWithoutSending(unsendable)
    }

    private func claim(limit: Int) async throws -> [DeliveryJob] {
        // How long a claim takes (its transaction, start to commit) shows what claiming
        // costs as the queue grows.
        let started = ContinuousClock.now
        defer { Metrics.Timer(label: "switchboard_delivery_claim_duration_seconds").record(duration: ContinuousClock.now - started) }
        let worker = configuration.workerID
        let lease = configuration.lease
        let policy = configuration.circuitPolicy
        let now = environment.currentTime()
        let cipher = cipher
        // A lease lost with its commit (a power cut) only means the delivery is claimed and
        // sent again, which at-least-once delivery allows: no flush to wait for.
        do {
            return try await driver.transaction(.relaxed) { transaction in
                try await DeliveryStore(executor: transaction, cipher: cipher).claimDue(
                    worker: worker, now: now, lease: lease, limit: limit, policy: policy, places: self)
            }
        } catch {
            // Without a claim's view of the caps, publishes leave their deliveries to claims.
            state.withLock { $0.handoffRoomUntil = nil }
            throw error
        }
    }

    private func deliver(_ job: DeliveryJob) async {
        let request = DeliveryRequest(job: job, now: environment.now(), version: version)
        let result = await sender.send(url: request.url, headers: request.headers, body: request.body)
        let outcome = AttemptRecorder.Outcome(job: job, result: result, finishedAt: environment.currentTime())
        logger.debug(
            "delivery attempt",
            metadata: [
                "webhook": "\(job.webhookID)", "delivery": "\(job.deliveryID)", "attempt": "\(job.attemptNumber)",
                "status": "\(result.status.map(String.init) ?? "-")", "error": "\(result.error ?? "-")",
            ])
        state.withLock { state in
            state.finished.append(outcome)
            state.inFlight -= 1
            if result.verdict == .success {
                state.occupying[job.deliveryID] = nil
                state.handoffRoom.release(job.webhookID)
            } else {
                // A receiver failing here takes no handoff until a claim has seen its circuit.
                state.handoffRoom.barred.insert(job.webhookID)
            }
        }
        recordSignal.signal()
        claimSignal.signal()
    }

    private func recordLoop() async {
        var shutdownDeadline: ContinuousClock.Instant?
        while true {
            let (batch, drained) = state.withLock { state -> ([AttemptRecorder.Outcome], Bool) in
                let batch = state.finished
                state.finished.removeAll(keepingCapacity: true)
                return (batch, state.drained)
            }
            if drained, shutdownDeadline == nil { shutdownDeadline = .now + configuration.shutdownRecordingGrace }
            if !batch.isEmpty {
                var left: [AttemptRecorder.Outcome] = []
                do {
                    try await recorder.record(batch)
                    recorded(batch)
                } catch {
                    // If this process dies first, or shutdown cannot wait any longer, the
                    // leases expire and the deliveries are attempted again (at least once).
                    if let shutdownDeadline, ContinuousClock.now >= shutdownDeadline || Task.isCancelled {
                        logger.error(
                            "shutting down with delivery attempts not recorded; they are sent again when their leases expire",
                            metadata: [
                                "error": "\(error)", "count": "\(batch.count)",
                            ])
                        return
                    }
                    logger.error(
                        "recording a batch of delivery attempts failed; recording them one by one",
                        metadata: [
                            "error": "\(error)", "count": "\(batch.count)",
                        ])
                    left = await recordSeparately(batch)
                    if !left.isEmpty {
                        logger.error(
                            "recording delivery attempts failed; retrying", metadata: ["error": "\(error)", "count": "\(left.count)"])
                    }
                }
                if !left.isEmpty {
                    state.withLock { $0.finished.insert(contentsOf: left, at: 0) }
                    await recordSignal.wait(timeout: .seconds(1))
                    continue
                }
            }
            if drained, batch.isEmpty { return }
            if batch.isEmpty { await recordSignal.wait(timeout: .milliseconds(200)) }
        }
    }

    /// After a batch failed: one outcome may hold something the database refuses, so each is
    /// recorded alone, and one that keeps failing alone (`singleAttempts` times, a moment
    /// apart, so a deadlock or a dropped connection does not count) is set aside (failed with
    /// the reason, logged) so it cannot hold back the others. Returns the outcomes from the
    /// first that could be neither recorded nor set aside: then the database itself is
    /// failing, and they wait.
    private func recordSeparately(_ batch: [AttemptRecorder.Outcome]) async -> [AttemptRecorder.Outcome] {
        for (index, outcome) in batch.enumerated() {
            do {
                try await recordAlone(outcome)
            } catch {
                do {
                    try await recorder.setAside(outcome, because: error)
                    Counter(label: "switchboard_deliveries_set_aside_total").increment()
                    logger.error(
                        "a delivery attempt's result could not be stored; the delivery was marked failed with the reason",
                        metadata: [
                            "delivery": "\(outcome.job.deliveryID)", "webhook": "\(outcome.job.webhookID)", "error": "\(error)",
                        ])
                } catch {
                    return Array(batch[index...])
                }
            }
            recorded([outcome])
        }
        return []
    }

    static let singleAttempts = 3

    private func recordAlone(_ outcome: AttemptRecorder.Outcome) async throws {
        for attempt in 1... {
            do {
                return try await recorder.record([outcome])
            } catch  where attempt < Self.singleAttempts {
                try? await Task.sleep(for: .milliseconds(100 * attempt))
            }
        }
    }

    /// Failures give up their places only once recorded, with the circuit decided: a claim
    /// that found their webhook at its cap may find room.
    private func recorded(_ outcomes: [AttemptRecorder.Outcome]) {
        state.withLock { state in
            for outcome in outcomes { state.occupying[outcome.job.deliveryID] = nil }
        }
        claimSignal.signal()
    }
}
