import Foundation

/// The rules of a claim, without a database: what the webhooks' circuits, concurrency caps
/// and throttles allow, which webhooks the read leaves out, which deliveries are taken and
/// what each throttle books. `DeliveryStore.claimDue` reads the inputs and executes the
/// decisions (one statement, or compare-and-set, each).
package struct ClaimPlanner: Sendable {
    package let policy: CircuitPolicy
    package let now: Date

    package init(policy: CircuitPolicy, now: Date) {
        self.policy = policy
        self.now = now
    }

    /// One delivery due for sending.
    package typealias Due = (id: UUID, webhookID: UUID)

    /// What a claim may take before reading the queue.
    package struct Room: Sendable {
        /// Room per webhook and throttle ceilings, over all servers but this worker.
        package var available: HandoffRoom
        /// Webhooks the read leaves out: circuit not closed, or no room left (this worker's
        /// own places counted).
        package var excluded: [UUID]
        /// Webhooks that take no handed-over deliveries: an open or ramping circuit, or a
        /// throttle, is decided in a claim.
        package var barred: Set<UUID>
        /// The throttled webhooks' booking figures (where the allowance starts, ms a start costs).
        package var throttles: [UUID: (start: Double, cost: Double)]
    }

    /// The room at `now`: each webhook's cap (ramped after its circuit closed) less what other
    /// servers have in flight, the starts its throttle allows, and what the read leaves out
    /// once this worker's own places (`ownPlaces`) are counted too.
    package func room(gates: [UUID: WebhookStore.ClaimGate], inFlight: [UUID: Int], ownPlaces: [UUID: Int] = [:]) -> Room {
        var room = inFlight.mapValues { policy.perWebhookConcurrency - $0 }
        var ceilings: [UUID: Int] = [:]
        var throttles: [UUID: (start: Double, cost: Double)] = [:]
        let nowMs = Int64((now.timeIntervalSince1970 * 1000).rounded())
        for (id, gate) in gates where gate.circuit.state == .closed {
            room[id] = policy.concurrencyLimit(closedAt: gate.circuit.closedAt, now: now) - (inFlight[id] ?? 0)
            if let rate = gate.rate {
                let allowance = policy.throttleAllowance(rate: rate, nextMs: gate.throttleNextMs, nowMs: nowMs)
                ceilings[id] = allowance.allowed
                throttles[id] = (allowance.start, allowance.cost)
            }
        }
        let available = HandoffRoom(room: room, cap: policy.perWebhookConcurrency, ceilings: ceilings)
        var counted = available
        for (webhookID, held) in ownPlaces { counted.deduct(held, for: webhookID) }
        let atCap = counted.room.filter { $0.value <= 0 }.map(\.key) + counted.ceilings.filter { $0.value <= 0 }.map(\.key)
        let closedNot = gates.filter { $0.value.circuit.state != .closed }.map(\.key)
        let barred = Set(
            gates.filter { _, gate in
                gate.circuit.state != .closed || gate.rate != nil
                    || policy.concurrencyLimit(closedAt: gate.circuit.closedAt, now: now) < policy.perWebhookConcurrency
            }.keys)
        return Room(available: available, excluded: Array(Set(closedNot + atCap)), barred: barred, throttles: throttles)
    }

    /// Takes deliveries from `due` in its order while their webhooks have room, at most
    /// `limit`; what is left in `room` (barred webhooks marked) is the room for handoffs.
    package static func choose(_ due: [Due], limit: Int, from room: inout HandoffRoom, barred: Set<UUID>) -> [Due] {
        var chosen: [Due] = []
        for row in due where chosen.count < limit && room.take(row.webhookID) { chosen.append(row) }
        room.barred = barred
        return chosen
    }

    /// A throttled webhook's starts, to book with a compare-and-set from the value read.
    package struct Booking: Sendable, Equatable {
        package var webhookID: UUID
        package var deliveryIDs: [UUID]
        /// The `throttle_next_ms` the claim read.
        package var from: Int64
        /// The `throttle_next_ms` to store: where the allowance after these starts begins.
        package var to: Int64

        package init(webhookID: UUID, deliveryIDs: [UUID], from: Int64, to: Int64) {
            self.webhookID = webhookID
            self.deliveryIDs = deliveryIDs
            self.from = from
            self.to = to
        }
    }

    /// The bookings of the throttled webhooks among `chosen`, in webhook id order (the order
    /// webhook rows are always taken in, so two transactions never wait for each other).
    package func bookings(for chosen: [Due], gates: [UUID: WebhookStore.ClaimGate], room: Room) -> [Booking] {
        let taken = Dictionary(grouping: chosen, by: \.webhookID).mapValues { $0.map(\.id) }
        return room.throttles.sorted(by: { $0.key.uuidString < $1.key.uuidString }).compactMap { webhookID, throttle in
            guard let ids = taken[webhookID], let gate = gates[webhookID] else { return nil }
            let next = Int64((throttle.start + Double(ids.count) * throttle.cost).rounded(.up))
            return Booking(webhookID: webhookID, deliveryIDs: ids, from: gate.throttleNextMs, to: next)
        }
    }
}
