import Core
import Hummingbird

/// `/api/webhooks`: create, list, read, change and delete webhooks.
struct WebhookController: Sendable {
    let webhooks: WebhookService
    let tester: WebhookTester
    let logs: DeliveryLogService
    let maxBodyBytes: Int

    func register(on api: APIRouteRegistrar) {
        api.add(.createWebhook) { request, _ in
            let body = try await request.decode(CreateWebhookBody.self, limit: maxBodyBytes)
            let webhook = try await webhooks.create(try body.draft())
            return .success(WebhookWithSecretResponse(webhook), status: .created)
        }
        api.add(.listWebhooks) { request, _ in
            .page(try await webhooks.list(try request.pageRequest())) { WebhookResponse($0) }
        }
        api.add(.getWebhook) { _, context in
            .success(WebhookResponse(try await webhooks.get(id: try context.pathID())))
        }
        api.add(.updateWebhook) { request, context in
            let id = try context.pathID()
            let body = try await request.decode(UpdateWebhookBody.self, limit: maxBodyBytes)
            return .success(WebhookResponse(try await webhooks.update(id: id, changes: try body.changes())))
        }
        api.add(.testWebhook) { request, context in
            let id = try context.pathID()
            let body = try await request.decode(TestWebhookBody.self, limit: maxBodyBytes, emptyIsObject: true)
            let test = try await tester.test(webhookID: id, eventType: body.eventType.value)
            return .success(TestResultResponse(test))
        }
        api.add(.recoverWebhook) { request, context in
            let id = try context.pathID()
            let body = try await request.decode(RecoverWebhookBody.self, limit: maxBodyBytes)
            let count = try await logs.recover(webhookID: id, since: body.since)
            return .success(RecoveredResponse(webhookID: id, requeued: count), status: .accepted)
        }
        api.add(.rotateWebhookSecret) { request, context in
            let id = try context.pathID()
            let body = try await request.decode(RotateSecretBody.self, limit: maxBodyBytes, emptyIsObject: true)
            let webhook = try await webhooks.rotateSecret(id: id, newSecret: body.secret, overlap: try body.overlap())
            return .success(WebhookWithSecretResponse(webhook))
        }
        api.add(.deleteWebhook) { _, context in
            let id = try context.pathID()
            try await webhooks.delete(id: id)
            return .success(DeletedResponse(id: id, deleted: true))
        }
    }
}
