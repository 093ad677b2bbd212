import Foundation

/// The exact request a job becomes: body and headers, signatures included.
package struct DeliveryRequest: Sendable {
    package let url: String
    package let headers: [(String, String)]
    package let body: [UInt8]

    /// The `User-Agent` every delivery carries.
    package static func userAgent(version: String) -> String { "Switchboard/\(version)" }

    /// Builds the request for `job`, signed at `now`.
    package init(job: DeliveryJob, now: Date, version: String) {
        url = job.url
        body = WebhookPayload.body(
            eventID: job.eventID, type: job.eventType, createdAt: job.eventCreatedAt, dataJSON: job.dataJSON, sourceJSON: job.sourceJSON)
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
