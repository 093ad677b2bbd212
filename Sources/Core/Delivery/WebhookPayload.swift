import Foundation

/// The body POSTed to receivers: compact JSON `{"id","type","timestamp","data"}` (and, for an
/// event the gateway published from a CRM write, `"source"` after `data`) whose bytes
/// equal what JavaScript's `JSON.stringify(JSON.parse(body))` gives, so a receiver that
/// re-serialises the parsed body (as the Node receiver snippet does) computes the same HMAC.
package enum WebhookPayload {
    /// Builds the body from an event whose `payload` is already compact JSON text.
    package static func body(eventID: UUID, type: String, createdAt: Date, dataJSON: String, sourceJSON: String? = nil) -> [UInt8] {
        var text = #"{"id":"# + JSONValue.string(eventID.uuidString.lowercased()).compactText
        text += #","type":"# + JSONValue.string(type).compactText
        text += #","timestamp":"# + JSONValue.string(Timestamp.format(createdAt)).compactText
        text += #","data":"# + dataJSON
        if let sourceJSON { text += #","source":"# + sourceJSON }
        text += "}"
        return Array(text.utf8)
    }
}
