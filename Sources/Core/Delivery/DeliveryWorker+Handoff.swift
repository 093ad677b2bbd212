import Foundation
import Logging
import Metrics

/// Handing over: a publish in this process writes the deliveries it creates already leased to
/// this worker, when the latest claim left their webhooks room, and gives them to the worker
/// once committed. The first attempt then starts without waiting for a claim (a wake-up and a
/// transaction of several statements), while the table still holds the durable copy: if this
/// process dies, the leases run out and any server's claim takes the deliveries.
extension DeliveryWorker: DeliveryHandoffReceiver, LocalPlaces {
    /// A ticket for one publish transaction.
    package func handoffTicket() -> DeliveryHandoffTicket {
        DeliveryHandoffTicket(receiver: self)
    }

    /// Whether a publish now would hand its deliveries over (the worker runs and a recent
    /// claim measured the room).
    package var acceptsHandoffs: Bool {
        state.withLock { state in
            guard state.running, !state.stopRequested, let until = state.handoffRoomUntil else { return false }
            return ContinuousClock.now < until
        }
    }

    /// Deliveries being sent now, or reserved for a publish (for tests).
    package var inFlightCount: Int { state.withLock { $0.inFlight } }

    /// Claims that measured the room since the worker was created (for tests).
    package var roomsMeasured: Int { state.withLock { $0.roomsMeasured } }

    /// Deliveries handed over since the worker was created.
    package var handedOverCount: Int { state.withLock { $0.handedOverTotal } }

    package var workerName: String { configuration.workerID }

    package func placesHeld() -> [UUID: Int] {
        state.withLock { $0.placesHeld() }
    }

    package func choose<T>(from room: HandoffRoom, _ choose: (inout HandoffRoom) -> T) -> T {
        // The room holds until the next claim, which an idle worker makes within a poll
        // interval; past twice that (claims failing or stuck) nothing is handed over.
        let until = ContinuousClock.now + configuration.pollInterval * 2
        return state.withLock { state in
            var room = room
            for (webhookID, count) in state.placesHeld() { room.deduct(count, for: webhookID) }
            let chosen = choose(&room)
            // Handoffs from now on take from this room, which already knows the claim's choice.
            state.handoffRoom = room
            state.handoffRoomUntil = until
            state.roomsMeasured += 1
            return chosen
        }
    }

    package func reserveHandoff(webhookID: UUID) -> HandoffLease? {
        let concurrency = configuration.concurrency
        let granted = state.withLock { state -> Bool in
            guard state.running, !state.stopRequested, let until = state.handoffRoomUntil, ContinuousClock.now < until,
                state.inFlight < concurrency, state.handoffRoom.take(webhookID)
            else { return false }
            state.inFlight += 1
            state.handoffsPending[webhookID, default: 0] += 1
            return true
        }
        return granted ? HandoffLease(worker: configuration.workerID, duration: configuration.lease) : nil
    }

    package func cancelHandoff(webhookIDs: [UUID]) {
        state.withLock { state in
            state.inFlight -= webhookIDs.count
            for webhookID in webhookIDs { state.settle(webhookID) }
        }
        claimSignal.signal()
        handoffSignal.signal()
    }

    package func acceptHandoff(_ deliveries: [HandedOver]) {
        state.withLock { state in
            for delivery in deliveries {
                state.settle(delivery.webhookID)
                state.occupying[delivery.deliveryID] = delivery.webhookID
            }
            state.handedOver += deliveries.map(\.deliveryID)
            state.handedOverTotal += deliveries.count
        }
        Counter(label: "switchboard_deliveries_handed_over_total").increment(by: deliveries.count)
        handoffSignal.signal()
    }

    /// Reads what sending the handed-over deliveries needs (one query, outside any
    /// transaction: they are leased already) and starts them. Runs until shutdown, and then
    /// until no publish holds a place any more, so nothing committed as handed over is left
    /// waiting for its lease to run out.
    func handoffLoop() async {
        await withDiscardingTaskGroup { group in
            var failures = 0
            while !Task.isCancelled {
                let (ids, finished) = state.withLock { state -> ([UUID], Bool) in
                    let ids = state.handedOver
                    state.handedOver.removeAll()
                    return (ids, ids.isEmpty && state.stopRequested && state.handoffsPending.isEmpty)
                }
                if finished { return }
                guard !ids.isEmpty else {
                    await handoffSignal.wait(timeout: configuration.pollInterval)
                    continue
                }
                let jobs: [DeliveryJob]
                do {
                    jobs = try await DeliveryStore(executor: driver, cipher: cipher).jobs(ids: ids, now: environment.currentTime())
                } catch {
                    failures += 1
                    if failures < 5 && !state.withLock({ $0.stopRequested }) {
                        logger.error(
                            "reading handed-over deliveries failed; retrying", metadata: ["error": "\(error)", "count": "\(ids.count)"])
                        state.withLock { $0.handedOver.insert(contentsOf: ids, at: 0) }
                        await handoffSignal.wait(timeout: .milliseconds(200 * failures))
                    } else {
                        // Their leases run out and a claim takes them, as after a crash.
                        logger.error(
                            "leaving handed-over deliveries to a later claim", metadata: ["error": "\(error)", "count": "\(ids.count)"])
                        failures = 0
                        state.withLock { state in
                            state.inFlight -= ids.count
                            for id in ids { state.occupying[id] = nil }
                        }
                        claimSignal.signal()
                    }
                    continue
                }
                failures = 0
                // A delivery gone meanwhile (its webhook deleted) frees its place.
                if jobs.count < ids.count {
                    let found = Set(jobs.map(\.deliveryID))
                    state.withLock { state in
                        state.inFlight -= ids.count - jobs.count
                        for id in ids where !found.contains(id) { state.occupying[id] = nil }
                    }
                    claimSignal.signal()
                }
                do {
                    try await launch(jobs, in: &group)
                } catch {
                    logger.error(
                        "failing deliveries that cannot be sent failed; a claim takes them when their leases run out",
                        metadata: [
                            "error": "\(error)"
                        ])
                }
            }
        }
    }
}

extension DeliveryWorker.LoopState {
    /// The places this worker holds per webhook: its deliveries not yet answered or recorded,
    /// and the ones reserved by publish transactions still open.
    func placesHeld() -> [UUID: Int] {
        var held = handoffsPending
        for webhookID in occupying.values { held[webhookID, default: 0] += 1 }
        return held
    }

    /// One reserved place's transaction ended (committed or not).
    mutating func settle(_ webhookID: UUID) {
        let left = (handoffsPending[webhookID] ?? 1) - 1
        handoffsPending[webhookID] = left > 0 ? left : nil
    }
}
