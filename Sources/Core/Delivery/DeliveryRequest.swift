import Foundation

/// The exact request a job becomes: body and headers, signatures included.
public struct DeliveryRequest: Sendable {
    public let url: String
    public let headers: [(String, String)]
    public let body: [UInt8]

    /// The `User-Agent` every delivery carries.
    public static func userAgent(version: String) -> String { "Switchboard/\(version)" }

    /// Builds the request for `job`, signed at `now`.
    public init(job: DeliveryJob, now: Date, version: String) {
        url = job.url
        body = WebhookPayload.body(eventID: job.eventID, type: job.eventType, createdAt: job.eventCreatedAt, dataJSON: job.dataJSON)
        var headers: [(String, String)] = [
            ("Content-Type", "application/json"),
            ("User-Agent", Self.userAgent(version: version)),
            ("X-Webhook-Event", job.eventType),
            ("X-Webhook-Delivery", job.deliveryID.uuidString.lowercased()),
            ("X-Webhook-Attempt", String(job.attemptNumber)),
        ]
        if let secret = job.secret {
            headers += Signer.headers(
                eventID: job.eventID.uuidString.lowercased(), timestamp: Int(now.timeIntervalSince1970), body: body,
                secret: secret, previousSecret: job.previousSecret)
        }
        self.headers = headers
    }
}
