import Foundation

/// A position in a list ordered newest first by (creation time, id): `<milliseconds>_<id>`.
/// Unlike an offset it stays put while new rows arrive at the top.
package enum PageCursor {
    /// The cursor after a row created at `createdAt` with this id.
    package static func encode(createdAt: Date, id: UUID) -> String {
        "\(Timestamp.clampedMilliseconds(createdAt))_\(id.uuidString.lowercased())"
    }

    /// The position a cursor names. Its time must be one a row can have been created at (the
    /// accepted span): anything else was not issued by a server and is refused before it
    /// meets date arithmetic.
    package static func decode(_ text: String) throws -> (Date, UUID) {
        let parts = text.split(separator: "_", maxSplits: 1)
        guard parts.count == 2, let millis = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])),
            Timestamp.acceptedRange.contains(Date(timeIntervalSince1970: TimeInterval(millis) / 1000))
        else {
            throw SwitchboardError.badRequest(
                "cursor is not one this server issued; use next_cursor from the previous page", code: "invalid_cursor")
        }
        return (Date(timeIntervalSince1970: TimeInterval(millis) / 1000), id)
    }
}
