import Core
import Foundation
import Testing

/// The claim's rules without a database: circuits, caps, the ramp, throttles and this
/// worker's own places decide what a claim reads, takes and books.
@Suite("Claim planner")
struct ClaimPlannerTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let a = UUID(), b = UUID(), c = UUID()

    static var policy: CircuitPolicy {
        var policy = CircuitPolicy()
        policy.perWebhookConcurrency = 4
        policy.ramp = .seconds(40)
        return policy
    }

    static func circuit(_ state: CircuitState, closedAt: Date? = nil) -> Circuit {
        Circuit(state: state, failures: 0, probes: 0, openedAt: nil, nextProbeAt: nil, probeUntil: nil, closedAt: closedAt)
    }

    @Test("an open circuit and a webhook at its cap are left out of the read; the others keep cap less in flight")
    func exclusions() {
        let planner = ClaimPlanner(policy: Self.policy, now: Self.now)
        let room = planner.room(gates: [Self.a: .init(circuit: Self.circuit(.open))], inFlight: [Self.b: 4, Self.c: 1])
        #expect(Set(room.excluded) == [Self.a, Self.b])
        #expect(room.available.room[Self.c] == 3)
        #expect(room.barred == [Self.a])
    }

    @Test("this worker's own places count against the cap for the read, not in the room it chooses from")
    func ownPlaces() {
        let planner = ClaimPlanner(policy: Self.policy, now: Self.now)
        let room = planner.room(gates: [:], inFlight: [Self.c: 1], ownPlaces: [Self.c: 3, Self.a: 1])
        #expect(room.excluded == [Self.c])
        #expect(room.available.room[Self.c] == 3)
        #expect(room.available.room[Self.a] == nil)
    }

    @Test("after closing, a webhook's room ramps from 1 to its cap and it takes no handoffs meanwhile")
    func ramp() {
        let planner = ClaimPlanner(policy: Self.policy, now: Self.now)
        let early = planner.room(
            gates: [Self.a: .init(circuit: Self.circuit(.closed, closedAt: Self.now.addingTimeInterval(-1)))], inFlight: [:])
        #expect(early.available.room[Self.a] == 1)
        #expect(early.barred == [Self.a])
        let halfway = planner.room(
            gates: [Self.a: .init(circuit: Self.circuit(.closed, closedAt: Self.now.addingTimeInterval(-20)))], inFlight: [:])
        #expect(halfway.available.room[Self.a] == 2)
        let done = planner.room(
            gates: [Self.a: .init(circuit: Self.circuit(.closed, closedAt: Self.now.addingTimeInterval(-41)))], inFlight: [:])
        #expect(done.available.room[Self.a] == 4 && done.barred.isEmpty)
    }

    @Test("a throttle allows the starts its rate earned (one second carried over at most) and books where the next begins")
    func throttle() {
        let planner = ClaimPlanner(policy: Self.policy, now: Self.now)
        let nowMs = Int64(Self.now.timeIntervalSince1970 * 1000)
        // 2 per second, last allowed long ago: the carry-over gives 1 s, so 3 starts (t-1 s, t-0.5 s, t).
        let gates: [UUID: WebhookStore.ClaimGate] = [Self.a: .init(circuit: Circuit(), rate: 2, throttleNextMs: nowMs - 60_000)]
        let room = planner.room(gates: gates, inFlight: [:])
        #expect(room.available.ceilings[Self.a] == 3)
        #expect(room.barred == [Self.a])
        var available = room.available
        let due = (0..<6).map { _ in (id: UUID(), webhookID: Self.a) }
        let chosen = ClaimPlanner.choose(due, limit: 10, from: &available, barred: room.barred)
        #expect(chosen.map(\.id) == due.prefix(3).map(\.id))
        let bookings = planner.bookings(for: chosen, gates: gates, room: room)
        let expected = ClaimPlanner.Booking(webhookID: Self.a, deliveryIDs: chosen.map(\.id), from: nowMs - 60_000, to: nowMs + 500)
        #expect(bookings == [expected])
        // Spent: nothing more until the booked time.
        let after = planner.room(gates: [Self.a: .init(circuit: Circuit(), rate: 2, throttleNextMs: nowMs + 500)], inFlight: [:])
        #expect(after.available.ceilings[Self.a] == 0 && after.excluded == [Self.a])
    }

    @Test("choosing keeps the queue's order, each webhook's room and the limit; what is left is the handoff room")
    func choosing() {
        let planner = ClaimPlanner(policy: Self.policy, now: Self.now)
        let room = planner.room(gates: [:], inFlight: [Self.a: 3])
        var available = room.available
        let owners = [Self.a, Self.a, Self.b, Self.b, Self.c]
        let due: [ClaimPlanner.Due] = owners.map { (id: UUID(), webhookID: $0) }
        let chosen = ClaimPlanner.choose(due, limit: 3, from: &available, barred: [Self.c])
        #expect(chosen.map(\.id) == [due[0].id, due[2].id, due[3].id])
        #expect(available.room[Self.a] == 0 && available.room[Self.b] == 2)
        let tookBarred = available.take(Self.c)
        #expect(!tookBarred, "a barred webhook takes no handoff")
    }
}
