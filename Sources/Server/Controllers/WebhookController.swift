import Core
import Hummingbird

/// `/api/webhooks`: create, list, read, change and delete webhooks.
struct WebhookController: Sendable {
    let webhooks: WebhookService
    let maxBodyBytes: Int

    static let createFields = ["name", "url", "events", "description", "isActive", "secret"]
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
                secret: try body.optionalString("secret")
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
                secret: try body.nonNullString("secret")
            )
            return .success(Render.webhook(try await webhooks.update(id: id, changes: changes)))
        }
        api.add(.deleteWebhook) { _, context in
            let id = try context.pathID()
            try await webhooks.delete(id: id)
            return .success(.object([("id", .string(id.uuidString.lowercased())), ("deleted", .bool(true))]))
        }
    }
}
