import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// `GET /api/stream`: new deliveries as Server-Sent Events, for the console's live log.
///
/// It reads the database rather than this process's memory, so a delivery published through
/// any server process on the same database appears. Every event's `id` is a cursor: a
/// client that reconnects with `Last-Event-ID` resumes after it. A comment line every
/// `heartbeat` keeps proxies from closing a quiet stream, and carries a cursor too, so a quiet
/// stream resumes from a recent point; after `maxDuration` the stream ends and the browser's
/// `EventSource` reconnects, so no stream outlives a deploy by much.
///
/// What one stream costs is bounded whatever a client sends: it resumes at most
/// `resumeWindow` back (further, it is told with `event: reset` to reload the log), writes
/// each page as it is read, and each key holds at most `maxPerKey` streams at once.
struct DeliveryStreamController: Sendable {
    let logs: DeliveryLogService
    /// `STREAM_MAX_SECONDS`.
    let maxDuration: Duration
    /// `STREAM_RESUME_WINDOW_SECONDS`.
    let resumeWindow: TimeInterval
    /// Open streams per key (`STREAM_MAX_PER_KEY`).
    let slots: StreamSlots
    var pollInterval: Duration = .seconds(1)
    var heartbeat: Duration = .seconds(15)
    /// How far each poll looks back before its cursor. A publish commits a moment after it
    /// stamps its rows, so a row may appear behind the cursor; looking back catches it, and
    /// ids already sent are skipped. Each poll reads this window again, so it is kept short.
    static let lookBack: TimeInterval = 2
    static let batch = 200

    func register(on api: APIRouteRegistrar) {
        let stream = self
        api.addStreaming(.deliveryStream) { request, context in
            let webhookID = try request.queryUUID("webhook_id", what: "a webhook id")
            // A new stream starts now; a resumed one after the event it names, if that is recent.
            let now = Date()
            var position = (time: now, id: UUID?.none)
            var reset = false
            if let lastEventID = request.headers[HTTPField.Name("Last-Event-ID")!], !lastEventID.isEmpty {
                let decoded = try PageCursor.decode(lastEventID)
                if decoded.0 < now.addingTimeInterval(-stream.resumeWindow) {
                    reset = true
                } else {
                    position = (min(decoded.0, now), decoded.1)
                }
            }
            // Released when the answer is gone, written or not.
            let slot = try stream.slots.take(for: context.key.id)
            let (from, resetting) = (position, reset)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no",
                ],
                body: ResponseBody { writer in
                    defer { withExtendedLifetime(slot) {} }
                    try await stream.run(from: from.time, after: from.id, reset: resetting, webhookID: webhookID, writer: &writer)
                })
        }
    }

    /// Streams deliveries created from `start` on (`last`, already sent, excepted).
    private func run(from start: Date, after last: UUID?, reset: Bool, webhookID: UUID?, writer: inout any ResponseBodyWriter) async throws
    {
        let clock = ContinuousClock()
        let end = clock.now + maxDuration
        var lastWrite = clock.now
        var cursor = start
        var lastID = last ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        // Ids sent, with their creation time, within the look-back window.
        var sent: [UUID: Date] = last.map { [$0: start] } ?? [:]
        var opening = "retry: 2000\n\n"
        if reset {
            let minutes = Int(resumeWindow / 60)
            opening +=
                "event: reset\ndata: "
                + JSONValue.object([
                    ("reason", .string("resume_window")),
                    (
                        "message",
                        .string(
                            "the stream cannot resume more than \(minutes) minute(s) back (STREAM_RESUME_WINDOW_SECONDS); reload the log to see what was missed"
                        )
                    ),
                ]).compactText + "\n\n"
        }
        try await writer.write(ByteBuffer(string: opening))
        // Ends early on SIGTERM, so open streams do not hold up a graceful shutdown.
        let stop = GracefulStop()
        try await withGracefulShutdownHandler {
            while clock.now < end, !stop.requested, !Task.isCancelled {
                // Read the whole look-back window in pages, each written as it is read; rows
                // already sent are skipped, and they cannot fill a page and hide newer ones.
                var position: (Date, UUID)?
                var wrote = false
                let floor = max(start, cursor.addingTimeInterval(-Self.lookBack))
                while true {
                    let deliveries = try await logs.created(since: floor, after: position, webhookID: webhookID, limit: Self.batch)
                    var text = ""
                    for delivery in deliveries {
                        position = (delivery.createdAt, delivery.id)
                        guard sent[delivery.id] == nil else { continue }
                        sent[delivery.id] = delivery.createdAt
                        cursor = max(cursor, delivery.createdAt)
                        lastID = delivery.id
                        text += "id: \(PageCursor.encode(createdAt: delivery.createdAt, id: delivery.id))\nevent: delivery\ndata: "
                        text +=
                            JSONValue.object([
                                ("id", .string(delivery.id.uuidString.lowercased())),
                                ("eventId", .string(delivery.eventID.uuidString.lowercased())),
                                ("webhookId", .string(delivery.webhookID.uuidString.lowercased())),
                                ("eventType", .string(delivery.eventType)),
                                ("status", .string(delivery.status.rawValue)), ("createdAt", .string(Timestamp.format(delivery.createdAt))),
                            ]).compactText + "\n\n"
                    }
                    if !text.isEmpty {
                        try await writer.write(ByteBuffer(string: text))
                        wrote = true
                    }
                    // Only ids within the look-back of the cursor can be read again.
                    let horizon = cursor.addingTimeInterval(-Self.lookBack)
                    if sent.count > Self.batch { sent = sent.filter { $0.value >= horizon } }
                    if deliveries.count < Self.batch { break }
                }
                let horizon = cursor.addingTimeInterval(-Self.lookBack)
                sent = sent.filter { $0.value >= horizon }
                if wrote {
                    lastWrite = clock.now
                } else if clock.now - lastWrite >= heartbeat {
                    // Everything up to a look-back before now has been read: a client that
                    // reconnects with this id resumes there, not at its last (old) delivery.
                    let covered = max(cursor, Date().addingTimeInterval(-Self.lookBack))
                    try await writer.write(ByteBuffer(string: "id: \(PageCursor.encode(createdAt: covered, id: lastID))\n: heartbeat\n\n"))
                    lastWrite = clock.now
                }
                try? await Task.sleep(for: pollInterval)
            }
        } onGracefulShutdown: {
            stop.request()
        }
        try await writer.finish(nil)
    }
}

/// The streams each key has open, at most `limit` (`STREAM_MAX_PER_KEY`).
final class StreamSlots: Sendable {
    let limit: Int
    private let open = Mutex<[UUID: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// One more stream for `key`, or 429 `too_many_streams` at the limit. The slot is given
    /// back when the returned value is released.
    func take(for key: UUID) throws -> Slot {
        let taken = open.withLock { open in
            guard open[key, default: 0] < limit else { return false }
            open[key, default: 0] += 1
            return true
        }
        guard taken else {
            throw SwitchboardError(
                .rateLimited, code: "too_many_streams",
                message: "this key already has \(limit) open streams (STREAM_MAX_PER_KEY); close one first",
                headers: [.init("Retry-After", "5")])
        }
        return Slot(key: key, slots: self)
    }

    /// Streams open for `key`, for tests.
    func count(for key: UUID) -> Int { open.withLock { $0[key, default: 0] } }

    fileprivate func release(_ key: UUID) {
        open.withLock { open in
            open[key, default: 1] -= 1
            if open[key] == 0 { open[key] = nil }
        }
    }

    /// A held slot; released on deinit.
    final class Slot: Sendable {
        let key: UUID
        let slots: StreamSlots

        fileprivate init(key: UUID, slots: StreamSlots) {
            self.key = key
            self.slots = slots
        }

        deinit { slots.release(key) }
    }
}

/// Set when a graceful shutdown begins; read by the stream's loop.
private final class GracefulStop: Sendable {
    private let flag = Atomic<Bool>(false)
    var requested: Bool { flag.load(ordering: .relaxed) }
    func request() { flag.store(true, ordering: .relaxed) }
}
