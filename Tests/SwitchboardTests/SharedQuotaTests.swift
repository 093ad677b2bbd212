import Core
import Foundation
import Testing

/// Key quotas shared by several server processes on one database: two `SharedQuota`
/// counters on the same database stand for two processes.
@Suite("Shared quotas")
struct SharedQuotaTests {
    @Test(
        "a second process sees the first one's count after a sync; without one, the overshoot stays within the documented bound",
        arguments: TestDriverKind.all)
    func twoProcesses(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind) { database in
            let first = SharedQuota(driver: database.driver)
            let second = SharedQuota(driver: database.driver)
            let key = UUID()
            let limit = RateLimit(requests: 20, windowSeconds: 3600)
            #expect((0..<15).allSatisfy { _ in first.consume(keyID: key, limit: limit).allowed })
            try await first.sync()
            try await second.sync()
            // The second process has not seen the key yet: its first sync knows no window of it.
            let answers = (0..<10).map { _ in second.consume(keyID: key, limit: limit) }
            try await second.sync()
            // It let 10 through before it knew; from its sync on it knows all 25 and refuses.
            #expect(answers.filter(\.allowed).count == 10)
            #expect(!second.consume(keyID: key, limit: limit).allowed)
            try await first.sync()
            #expect(!first.consume(keyID: key, limit: limit).allowed)

            // A key both processes already track: the second one's budget is what is left.
            let other = UUID()
            _ = first.consume(keyID: other, limit: limit)
            _ = second.consume(keyID: other, limit: limit)
            try await first.sync()
            try await second.sync()
            try await first.sync()
            #expect((0..<15).filter { _ in first.consume(keyID: other, limit: limit).allowed }.count == 15)
            try await first.sync()
            try await second.sync()
            let late = (0..<10).filter { _ in second.consume(keyID: other, limit: limit).allowed }.count
            #expect(late == 3, "20 − 2 − 15 left")
        }
    }

    @Test("two running processes taking turns let exactly the limit through", arguments: TestDriverKind.all)
    func running(_ kind: TestDriverKind) async throws {
        try await withTestDatabase(kind) { database in
            let processes = [
                SharedQuota(driver: database.driver, interval: .milliseconds(20)),
                SharedQuota(driver: database.driver, interval: .milliseconds(20)),
            ]
            let key = UUID()
            let limit = RateLimit(requests: 30, windowSeconds: 3600)
            // Windows start on the hour: a run across it would rightly start a fresh budget
            // (a run crossing 22:00 let 40 through). Near the end of one, wait for the next.
            let intoHour = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 3600)
            if intoHour > 3600 - 60 { try await Task.sleep(for: .seconds(3600 - intoHour + 1)) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for process in processes { group.addTask { try await process.run() } }
                var allowed = 0
                for turn in 0..<60 {
                    if processes[turn % 2].consume(keyID: key, limit: limit).allowed { allowed += 1 }
                    // Two completed syncs here (this turn's count written), then two there (read
                    // back): on a busy machine a sync interval is no time bound.
                    for process in [processes[turn % 2], processes[(turn + 1) % 2]] {
                        let mark = process.completedSyncs
                        while process.completedSyncs < mark + 2 { try await Task.sleep(for: .milliseconds(5)) }
                    }
                }
                #expect(allowed == 30)
                group.cancelAll()
            }
        }
    }
}
