import Core
import Hummingbird

/// `/api/webhooks`: create, list, read, change and delete webhooks.
struct WebhookController: Sendable {
    let webhooks: WebhookService
    let tester: WebhookTester
    let logs: DeliveryLogService
    let maxBodyBytes: Int

    static let createFields = ["name", "url", "events", "description", "isActive", "secret", "maxRetries", "retryDelaysMs"]
    static let updateFields = createFields

    func register(on api: APIRouteRegistrar) {
        api.add(.createWebhook) { request, _ in
            let body = try await JSONObjectReader.read(request, limit: maxBodyBytes, allowed: Self.createFields)
            let webhook = try await webhooks.create(WebhookDraft(
                name: try body.requiredString("name"),
                url: try body.requiredString("url"),
                events: try body.requiredStringArray("events"),
                description: try body.optionalString("description"),
                isActive: try body.optionalBool("isActive") ?? true,
                secret: try body.optionalString("secret"),
                maxRetries: try body.optionalInt("maxRetries", in: WebhookService.maxRetriesRange),
                retryDelaysMs: try body.optionalIntArray("retryDelaysMs", in: WebhookService.retryDelayRange)
            ))
            return .success(Render.webhook(webhook, includeSecret: true), status: .created)
        }
        api.add(.listWebhooks) { request, _ in
            .page(try await webhooks.list(try request.pageRequest())) { Render.webhook($0) }
        }
        api.add(.getWebhook) { _, context in
            .success(Render.webhook(try await webhooks.get(id: try context.pathID())))
        }
        api.add(.updateWebhook) { request, context in
            let id = try context.pathID()
            let body = try await JSONObjectReader.read(request, limit: maxBodyBytes, allowed: Self.updateFields)
            let changes = WebhookChanges(
                name: try body.nonNullString("name"),
                url: try body.nonNullString("url"),
                events: try body.optionalStringArray("events"),
                description: try body.patchString("description"),
                isActive: try body.optionalBool("isActive"),
                secret: try body.nonNullString("secret"),
                maxRetries: body.has("maxRetries") ? .some(try body.optionalIntOrNull("maxRetries", in: WebhookService.maxRetriesRange)) : nil,
                retryDelaysMs: body.has("retryDelaysMs")
                    ? .some(try body.optionalIntArrayOrNull("retryDelaysMs", in: WebhookService.retryDelayRange)) : nil
            )
            return .success(Render.webhook(try await webhooks.update(id: id, changes: changes)))
        }
        api.add(.testWebhook) { request, context in
            let id = try context.pathID()
            let body = try await JSONObjectReader.read(request, limit: maxBodyBytes, allowed: ["eventType"], emptyIsObject: true)
            let test = try await tester.test(webhookID: id, eventType: try body.optionalString("eventType"))
            return .success(Render.testResult(test))
        }
        api.add(.recoverWebhook) { request, context in
            let id = try context.pathID()
            let body = try await JSONObjectReader.read(request, limit: maxBodyBytes, allowed: ["since"])
            guard let since = try body.optionalDate("since") else { throw SwitchboardError.invalid("since is required") }
            let count = try await logs.recover(webhookID: id, since: since)
            return .success(.object([("webhookId", .string(id.uuidString.lowercased())), ("requeued", .integer(count))]), status: .accepted)
        }
        api.add(.rotateWebhookSecret) { request, context in
            let id = try context.pathID()
            let body = try await JSONObjectReader.read(request, limit: maxBodyBytes, allowed: ["secret", "overlapHours"], emptyIsObject: true)
            let overlap = try body.optionalInt("overlapHours", in: WebhookService.overlapHoursRange).map { Duration.seconds($0 * 3600) }
            let webhook = try await webhooks.rotateSecret(id: id, newSecret: try body.nonNullString("secret"), overlap: overlap)
            return .success(Render.webhook(webhook, includeSecret: true))
        }
        api.add(.deleteWebhook) { _, context in
            let id = try context.pathID()
            try await webhooks.delete(id: id)
            return .success(.object([("id", .string(id.uuidString.lowercased())), ("deleted", .bool(true))]))
        }
    }
}
