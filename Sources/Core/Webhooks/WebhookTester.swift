import Foundation

/// The answer of a test send: the delivery it made and its single attempt.
package struct WebhookTestResult: Sendable {
    package let eventID: UUID
    package let deliveryID: UUID
    package let request: DeliveryRequest
    package let result: SendResult
}

/// Sends a sample event of a chosen type to one webhook right away, outside the queue, and
/// logs it like any delivery (without retries and without counting towards auto-disable).
package struct WebhookTester: Sendable {
    let driver: any StorageDriver
    let sender: any WebhookSender
    let recorder: AttemptRecorder
    let catalog: EventTypeCatalog
    let version: String
    let cipher: SecretCipher
    let environment: CoreEnvironment

    /// Creates the tester.
    package init(
        driver: any StorageDriver, sender: any WebhookSender, recorder: AttemptRecorder, cipher: SecretCipher, version: String,
        environment: CoreEnvironment = .live
    ) {
        self.cipher = cipher
        self.driver = driver
        self.sender = sender
        self.recorder = recorder
        self.catalog = EventTypeCatalog(driver: driver, environment: environment)
        self.version = version
        self.environment = environment
    }

    /// Sends a sample `eventType` event (default `webhook.test`) to the webhook.
    /// `data` replaces the sample payload (the event type's example, marked as a test).
    package func test(webhookID: UUID, eventType: String?, data: JSONValue? = nil) async throws -> WebhookTestResult {
        let type = eventType ?? "webhook.test"
        guard try await catalog.contains(type) else {
            throw SwitchboardError.invalid("eventType: unknown event type '\(type)'; GET /api/event-types lists the known ones")
        }
        guard try await WebhookStore.exists(id: webhookID, on: driver) else {
            throw SwitchboardError.notFound("webhook", id: webhookID.uuidString.lowercased())
        }
        let now = environment.currentTime()
        let event = Event(
            id: environment.newID(), type: type, payload: (data ?? Self.sampleData(for: type, webhookID: webhookID)).compactText,
            idempotencyKey: nil, createdAt: now)
        let deliveryID = environment.newID()
        let environment = environment
        let cipher = cipher
        let job = try await driver.transaction { transaction -> DeliveryJob? in
            try await EventStore(executor: transaction).insert(event)
            let store = DeliveryStore(executor: transaction, cipher: cipher)
            try await store.insert([
                Delivery(
                    id: deliveryID, eventID: event.id, webhookID: webhookID, eventType: type, status: .inProgress, attemptCount: 0,
                    nextAttemptAt: nil, createdAt: now, updatedAt: now)
            ])
            let job = try await store.jobs(ids: [deliveryID], now: environment.currentTime()).first
            if let reason = job?.unsendableReason {
                // Thrown inside the transaction: the sample event and delivery are not kept.
                throw SwitchboardError(.conflict, code: "secret_unreadable", message: reason)
            }
            return job
        }
        guard let job else { throw SwitchboardError.notFound("webhook", id: webhookID.uuidString.lowercased()) }
        let request = DeliveryRequest(job: job, now: environment.now(), version: version)
        let result = await sender.send(url: request.url, headers: request.headers, body: request.body)
        try await recorder.record(
            [AttemptRecorder.Outcome(job: job, result: result, finishedAt: environment.currentTime())], retries: false, updatesHealth: false
        )
        return WebhookTestResult(eventID: event.id, deliveryID: deliveryID, request: request, result: result)
    }

    /// A recognisable sample body for an event type.
    static func sampleData(for type: String, webhookID: UUID) -> JSONValue {
        let resource = String(type.split(separator: ".").first ?? "test")
        return .object([
            ("test", .bool(true)),
            ("message", .string("Sample \(type) event sent by Switchboard's test endpoint")),
            ("webhookId", .string(webhookID.uuidString.lowercased())),
            (resource, EventExamples.data(for: type)),
        ])
    }
}
