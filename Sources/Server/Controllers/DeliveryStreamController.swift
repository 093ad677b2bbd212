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
/// `heartbeat` keeps proxies from closing a quiet stream; after `maxDuration` the stream ends
/// and the browser's `EventSource` reconnects, so no stream outlives a deploy by much.
struct DeliveryStreamController: Sendable {
    let logs: DeliveryLogService
    /// `STREAM_MAX_SECONDS`.
    let maxDuration: Duration
    var pollInterval: Duration = .seconds(1)
    var heartbeat: Duration = .seconds(15)
    /// How far each poll looks back before its cursor. A publish commits a moment after it
    /// stamps its rows, so a row may appear behind the cursor; looking back catches it, and
    /// ids already sent are skipped. Each poll reads this window again, so it is kept short.
    static let lookBack: TimeInterval = 2
    static let batch = 200

    func register(on api: APIRouteRegistrar) {
        let stream = self
        api.addStreaming(.deliveryStream) { request, _ in
            let webhookID = try request.queryUUID("webhook_id", what: "a webhook id")
            // A new stream starts now; a resumed one after the event it names.
            var position = (time: Date(), id: UUID?.none)
            if let lastEventID = request.headers[HTTPField.Name("Last-Event-ID")!], !lastEventID.isEmpty {
                let decoded = try PageCursor.decode(lastEventID)
                position = (decoded.0, decoded.1)
            }
            let from = position
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
                body: ResponseBody { writer in
                    try await stream.run(from: from.time, after: from.id, webhookID: webhookID, writer: &writer)
                })
        }
    }

    /// Streams deliveries created from `start` on (`last`, already sent, excepted).
    private func run(from start: Date, after last: UUID?, webhookID: UUID?, writer: inout any ResponseBodyWriter) async throws {
        let clock = ContinuousClock()
        let end = clock.now + maxDuration
        var lastWrite = clock.now
        var cursor = start
        // Ids sent, with their creation time, within the look-back window.
        var sent: [UUID: Date] = last.map { [$0: start] } ?? [:]
        try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
        // Ends early on SIGTERM, so open streams do not hold up a graceful shutdown.
        let stop = GracefulStop()
        try await withGracefulShutdownHandler {
            while clock.now < end, !stop.requested, !Task.isCancelled {
                // Read the whole look-back window in pages; rows already sent are skipped, and
                // they cannot fill a page and hide newer ones.
                var text = ""
                var position: (Date, UUID)?
                let floor = max(start, cursor.addingTimeInterval(-Self.lookBack))
                while true {
                    let deliveries = try await logs.created(since: floor, after: position, webhookID: webhookID, limit: Self.batch)
                    for delivery in deliveries {
                        position = (delivery.createdAt, delivery.id)
                        guard sent[delivery.id] == nil else { continue }
                        sent[delivery.id] = delivery.createdAt
                        cursor = max(cursor, delivery.createdAt)
                        text += "id: \(PageCursor.encode(createdAt: delivery.createdAt, id: delivery.id))\nevent: delivery\ndata: "
                        text += JSONValue.object([
                            ("id", .string(delivery.id.uuidString.lowercased())), ("eventId", .string(delivery.eventID.uuidString.lowercased())),
                            ("webhookId", .string(delivery.webhookID.uuidString.lowercased())), ("eventType", .string(delivery.eventType)),
                            ("status", .string(delivery.status.rawValue)), ("createdAt", .string(Timestamp.format(delivery.createdAt))),
                        ]).compactText + "\n\n"
                    }
                    if deliveries.count < Self.batch { break }
                }
                let horizon = cursor.addingTimeInterval(-Self.lookBack)
                sent = sent.filter { $0.value >= horizon }
                if text.isEmpty, clock.now - lastWrite >= heartbeat { text = ": heartbeat\n\n" }
                if !text.isEmpty {
                    try await writer.write(ByteBuffer(string: text))
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

/// Set when a graceful shutdown begins; read by the stream's loop.
private final class GracefulStop: Sendable {
    private let flag = Atomic<Bool>(false)
    var requested: Bool { flag.load(ordering: .relaxed) }
    func request() { flag.store(true, ordering: .relaxed) }
}
