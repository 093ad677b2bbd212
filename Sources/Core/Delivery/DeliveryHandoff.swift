import Foundation
import Synchronization

/// How many more deliveries each webhook may have in flight, as the latest claim saw it: the
/// room a publish in this process may fill by handing its deliveries straight to the local
/// worker instead of leaving them for the next claim.
///
/// Only a claim reads what the caps depend on over all servers (deliveries other servers have
/// in flight, circuit states, throttles), so the room is taken from the claim; until the next
/// one replaces it, it shrinks with every delivery this worker starts and grows only when one
/// of its own ends with an answer: a handoff can leave room unused, never exceed a cap the
/// claim would have kept.
package struct HandoffRoom: Sendable, Equatable {
    /// Room left per webhook that had deliveries in flight or was just claimed for.
    package var room: [UUID: Int]
    /// Webhooks that take no handoff: circuit not closed, ramping up after closing, throttled,
    /// or failing in this process since the claim.
    package var barred: Set<UUID>
    /// The room of a webhook the claim did not list: its plain concurrency cap.
    package var cap: Int
    /// Starts a throttled webhook's allowance still permits in this claim, whatever is in
    /// flight: a rate, not a count of requests, so deliveries ending give none of it back.
    package var ceilings: [UUID: Int]

    /// Creates a room map.
    package init(room: [UUID: Int] = [:], barred: Set<UUID> = [], cap: Int = 0, ceilings: [UUID: Int] = [:]) {
        self.room = room
        self.barred = barred
        self.cap = cap
        self.ceilings = ceilings
    }

    /// Takes one place for `webhookID`; false when it has none.
    package mutating func take(_ webhookID: UUID) -> Bool {
        guard !barred.contains(webhookID) else { return false }
        let left = room[webhookID] ?? cap
        guard left > 0, ceilings[webhookID].map({ $0 > 0 }) ?? true else { return false }
        room[webhookID] = left - 1
        if let ceiling = ceilings[webhookID] { ceilings[webhookID] = ceiling - 1 }
        return true
    }

    /// Takes `count` places for `webhookID` held by this worker's own deliveries, which the
    /// claim's count (other servers' only) does not include.
    package mutating func deduct(_ count: Int, for webhookID: UUID) {
        room[webhookID] = (room[webhookID] ?? cap) - count
    }

    /// Gives back the place of one of this worker's deliveries to `webhookID` that ended with
    /// an answer (never above the cap; a barred webhook's room stays unused).
    package mutating func release(_ webhookID: UUID) {
        guard !barred.contains(webhookID), let left = room[webhookID] else { return }
        room[webhookID] = min(cap, left + 1)
    }
}

/// The places a worker holds in its own process, shared with its claims: deliveries it is
/// sending, ones whose failure is not recorded yet, and ones handed over by publish
/// transactions (committed or not). A claim counts only other servers' deliveries in the
/// table; this worker knows its own exactly, including what the table cannot show yet.
package protocol LocalPlaces: Sendable {
    /// The worker's name in `locked_by`: its rows are left out of the claim's count.
    var workerName: String { get }
    /// The places held per webhook now (a snapshot, to leave full webhooks out of the read).
    func placesHeld() -> [UUID: Int]
    /// Under one lock with every handoff: takes the places this worker holds off `room` (what
    /// other servers leave free), lets `choose` pick the claim's deliveries from the rest,
    /// and keeps what it leaves as the room for handoffs.
    func choose<T>(from room: HandoffRoom, _ choose: (inout HandoffRoom) -> T) -> T
}

/// Receives the deliveries a publish handed over, after their transaction committed.
package protocol DeliveryHandoffReceiver: AnyObject, Sendable {
    /// Reserves a place for one delivery to `webhookID`; the lease to write on its row, or
    /// nil when it must wait for a claim like any other.
    func reserveHandoff(webhookID: UUID) -> HandoffLease?
    /// Gives back places reserved (one per webhook id listed) for a transaction that did not commit.
    func cancelHandoff(webhookIDs: [UUID])
    /// Takes the committed deliveries (leased to this worker) to send them.
    func acceptHandoff(_ deliveries: [HandedOver])
}

/// A delivery handed over, and its webhook (whose place it holds).
package struct HandedOver: Sendable, Equatable {
    package var deliveryID: UUID
    package var webhookID: UUID
}

/// The lease a handed-over delivery is written with, so no other server claims it.
package struct HandoffLease: Sendable, Equatable {
    /// The worker's name (`locked_by`).
    package var worker: String
    /// How long the lease lasts from the publish's time.
    package var duration: Duration
}

/// One publish transaction's handoff: the places it reserved and the deliveries written
/// into them. A transaction the driver runs again (after a deadlock, say) starts over with
/// `reset()`; after the commit the deliveries go to the worker, after a failure the places
/// go back.
package final class DeliveryHandoffTicket: Sendable {
    private let receiver: any DeliveryHandoffReceiver
    private let taken = Mutex<[HandedOver]>([])

    /// A ticket handing over to `receiver`.
    package init(receiver: any DeliveryHandoffReceiver) {
        self.receiver = receiver
    }

    /// Leases `delivery` to the worker if its webhook has room: it is then written as being
    /// sent, and `committed()` passes it on.
    package func take(_ delivery: inout Delivery, now: Date) {
        guard let lease = receiver.reserveHandoff(webhookID: delivery.webhookID) else { return }
        delivery.status = .inProgress
        delivery.lockedBy = lease.worker
        delivery.lockedUntil = now.addingTimeInterval(lease.duration.seconds)
        taken.withLock { $0.append(HandedOver(deliveryID: delivery.id, webhookID: delivery.webhookID)) }
    }

    /// Forgets what an earlier run of the same transaction took (it was rolled back).
    package func reset() {
        let given = taken.withLock { taken in
            defer { taken.removeAll() }
            return taken
        }
        if !given.isEmpty { receiver.cancelHandoff(webhookIDs: given.map(\.webhookID)) }
    }

    /// How many deliveries this ticket holds.
    package var count: Int { taken.withLock { $0.count } }

    /// The transaction committed: the worker sends what was taken.
    package func committed() {
        let handed = taken.withLock { taken in
            defer { taken.removeAll() }
            return taken
        }
        if !handed.isEmpty { receiver.acceptHandoff(handed) }
    }

    /// The transaction failed: the places go back.
    package func abandoned() {
        reset()
    }
}
