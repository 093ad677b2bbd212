import Core
import Foundation
import Testing

@Suite("Handoff room: caps, throttle ceilings, places given back")
struct HandoffRoomTests {
    let webhook = UUID()
    let other = UUID()

    @Test("A place is taken while room and ceiling both allow; a throttle's ceiling is not given back")
    func ceilings() {
        var room = HandoffRoom(room: [webhook: 3], cap: 16, ceilings: [webhook: 1])
        let first = room.take(webhook), second = room.take(webhook)
        #expect(first)
        #expect(!second, "the throttle allowed one start")
        room.release(webhook)
        let afterRelease = room.take(webhook)
        #expect(!afterRelease, "an answer frees a place, not a start the throttle did not allow")
        #expect(room.room[webhook] == 3)
    }

    @Test("Places given back never exceed the cap; a barred webhook gets none; unlisted ones have the cap")
    func release() {
        var room = HandoffRoom(room: [webhook: 1], barred: [other], cap: 2)
        let taken = [room.take(webhook), room.take(webhook)]
        #expect(taken == [true, false])
        room.release(webhook)
        room.release(webhook)
        room.release(webhook)
        #expect(room.room[webhook] == 2)
        room.release(other)
        let barred = room.take(other)
        #expect(!barred)
        let unlisted = UUID()
        let unlistedTaken = [room.take(unlisted), room.take(unlisted), room.take(unlisted)]
        #expect(unlistedTaken == [true, true, false])
    }

    @Test("This worker's own places are taken off what the table showed free")
    func deduct() {
        var room = HandoffRoom(room: [webhook: 16], cap: 16)
        room.deduct(15, for: webhook)
        room.deduct(2, for: other)
        let own = [room.take(webhook), room.take(webhook)]
        #expect(own == [true, false])
        var otherTaken = 0
        while room.take(other) { otherTaken += 1 }
        #expect(otherTaken == 14)
    }
}
