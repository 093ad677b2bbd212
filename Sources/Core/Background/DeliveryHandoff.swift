import Foundation
import Synchronization

/// How many more deliveries each webhook may have in flight, as the latest claim saw it: the
/// room a publish in this process may fill by handing its deliveries straight to the local
/// worker instead of leaving them for the next claim.
///
/// Only a claim reads what the caps depend on over all servers (deliveries in flight, circuit
/// states, throttles), so the room is taken from the claim and only ever shrinks until the
/// next one replaces it: a handoff can leave room unused, never exceed a cap the claim would
/// have kept.
package struct HandoffRoom: Sendable, Equatable {
    /// Room left per webhook that had deliveries in flight or was just claimed for.
    package var room: [UUID: Int]
    /// Webhooks that take no handoff: circuit not closed, ramping up after closing, throttled,
    /// or failing in this process since the claim.
    package var barred: Set<UUID>
    /// The room of a webhook the claim did not list: its plain concurrency cap.
    package var cap: Int

    /// Creates a room map.
    package init(room: [UUID: Int] = [:], barred: Set<UUID> = [], cap: Int = 0) {
        self.room = room
        self.barred = barred
        self.cap = cap
    }

    /// Takes one place for `webhookID`; false when it has none.
    package mutating func take(_ webhookID: UUID) -> Bool {
        guard !barred.contains(webhookID) else { return false }
        let left = room[webhookID] ?? cap
        guard left > 0 else { return false }
        room[webhookID] = left - 1
        return true
    }

    /// Takes `count` places for `webhookID` that were handed over while the claim ran (it
    /// could not see them).
    package mutating func deduct(_ count: Int, for webhookID: UUID) {
        room[webhookID] = (room[webhookID] ?? cap) - count
    }
}

/// The places a worker holds for deliveries handed over in its process, shared with its
/// claims: a claim cannot see the deliveries of publish transactions not yet committed.
package protocol LocalPlaces: Sendable {
    /// Under one lock with every handoff: takes off `room` (what the database shows free)
    /// the places held by handed-over deliveries the claim may not see, lets `choose` pick the
    /// claim's deliveries from the rest, and keeps what it leaves as the room for handoffs.
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
