import Core
import Hummingbird

/// `/api/webhooks`: create, list, read, change and delete webhooks.
struct WebhookController: Sendable {
    let webhooks: WebhookService
    let tester: WebhookTester
    let logs: DeliveryLogService
    let analytics: WebhookAnalytics

    func register(on api: APIRouteRegistrar) {
        api.add(.createWebhook) { request, context in
            let body = try await request.decode(as: CreateWebhookBody.self, context: context)
            let webhook = try await webhooks.create(try body.draft())
            return .success(WebhookWithSecretResponse(webhook), status: .created)
        }
        api.add(.listWebhooks) { request, _ in
            let text = try request.queryString("q")
            if let text, text.count > 200 {
                throw SwitchboardError.badRequest("q must be at most 200 characters", code: "invalid_query")
            }
            var filter = WebhookListFilter(text: text)
            if let state = try request.queryString("state") {
                guard let parsed = WebhookListFilter.State(rawValue: state) else {
                    let names = WebhookListFilter.State.allCases.map(\.rawValue).joined(separator: ", ")
                    throw SwitchboardError.badRequest("state must be one of \(names), not '\(state)'", code: "invalid_query")
                }
                filter.state = parsed
            }
            let page = try await webhooks.list(try request.pageRequest(), filter: filter)
            switch try request.queryString("include") {
            case nil:
                return .page(page) { WebhookResponse($0) }
            case "health":
                // Two reads for every webhook's health and last attempt, whatever the page size.
                let reports = Dictionary(try await analytics.healthReports().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                let lastAttempts = try await analytics.lastAttempts()
                let hours = analytics.rules.windowHours
                return .page(page) { webhook in
                    WebhookWithHealthResponse(
                        webhook: WebhookResponse(webhook),
                        health: reports[webhook.id].map { report in
                            .init(
                                state: report.verdict.state.rawValue, rule: report.verdict.rule, windowHours: hours,
                                deliveries: report.window.attempts, successRate: report.window.successRate,
                                lastAttemptAt: lastAttempts[webhook.id])
                        })
                }
            case let other?:
                throw SwitchboardError.badRequest("include may only be 'health', not '\(other)'", code: "invalid_query")
            }
        }
        api.add(.getWebhook) { _, context in
            .success(WebhookResponse(try await webhooks.get(id: try context.pathID())))
        }
        api.add(.updateWebhook) { request, context in
            let id = try context.pathID()
            let body = try await request.decode(as: UpdateWebhookBody.self, context: context)
            return .success(WebhookResponse(try await webhooks.update(id: id, changes: try body.changes())))
        }
        api.add(.testWebhook) { request, context in
            let id = try context.pathID()
            let body = try await request.decode(as: TestWebhookBody.self, context: context)
            let test = try await tester.test(webhookID: id, eventType: body.eventType.value, data: try body.payload())
            return .success(TestResultResponse(test))
        }
        api.add(.recoverWebhook) { request, context in
            let id = try context.pathID()
            let body = try await request.decode(as: RecoverWebhookBody.self, context: context)
            let dryRun = body.dryRun ?? false
            let count = try await logs.recover(webhookID: id, since: body.since, dryRun: dryRun)
            return .success(
                RecoveredResponse(webhookID: id, requeued: dryRun ? 0 : count, matching: count, dryRun: dryRun),
                status: dryRun ? .ok : .accepted)
        }
        api.add(.revealWebhookSecret) { _, context in
            let webhook = try await webhooks.get(id: try context.pathID())
            guard !webhook.secretIsUnreadable else {
                throw SwitchboardError(
                    .conflict, code: "secret_unreadable",
                    message:
                        "this webhook's stored secret cannot be decrypted with the current WEBHOOK_SECRET_KEY; rotate it to set a new one")
            }
            return .success(
                RevealedSecretResponse(
                    webhookID: webhook.id, secret: webhook.secret, previousSecretExpiresAt: webhook.previousSecretExpiresAt))
        }
        api.add(.rotateWebhookSecret) { request, context in
            let id = try context.pathID()
            let body = try await request.decode(as: RotateSecretBody.self, context: context)
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
