import Core
import Foundation
import Hummingbird

/// `/api/api-keys`: issue, list, read, regenerate and revoke API keys.
struct ApiKeyController: Sendable {
    let apiKeys: ApiKeyService
    let usage: UsageTracker
    let maxBodyBytes: Int

    func register(on api: APIRouteRegistrar) {
        api.add(.createApiKey) { request, _ in
            let body = try await request.decode(CreateApiKeyBody.self, limit: maxBodyBytes)
            let issued = try await apiKeys.create(try body.draft())
            return .success(IssuedApiKeyResponse(issued), status: .created)
        }
        api.add(.listApiKeys) { request, _ in
            let now = Date()
            let includeRevoked = try request.queryBool("include_revoked") ?? false
            return .page(try await apiKeys.list(try request.pageRequest(), includeRevoked: includeRevoked)) { ApiKeyResponse($0, now: now) }
        }
        api.add(.getApiKey) { _, context in
            .success(ApiKeyResponse(try await apiKeys.get(id: try context.pathID())))
        }
        api.add(.updateApiKey) { request, context in
            let id = try context.pathID()
            let body = try await request.decode(UpdateApiKeyBody.self, limit: maxBodyBytes)
            return .success(ApiKeyResponse(try await apiKeys.update(id: id, changes: try body.changes())))
        }
        api.add(.regenerateApiKey) { request, context in
            let id = try context.pathID()
            let body = try await request.decode(RegenerateApiKeyBody.self, limit: maxBodyBytes, emptyIsObject: true)
            let issued = try await apiKeys.regenerate(id: id, gracePeriod: try body.gracePeriod())
            return .success(IssuedApiKeyResponse(issued))
        }
        api.add(.apiKeyUsage) { request, context in
            let id = try context.pathID()
            let key = try await apiKeys.get(id: id)
            let until = try request.queryDate("until") ?? Date()
            let since = try request.queryDate("since") ?? until.addingTimeInterval(-30 * 86_400)
            guard since <= until else { throw SwitchboardError.badRequest("since must not be after until", code: "invalid_query") }
            let rows = try await usage.usage(keyID: key.id, since: since, until: until)
            return .success(ApiKeyUsageResponse(key: key, rows: rows))
        }
        api.add(.deleteApiKey) { _, context in
            .success(ApiKeyResponse(try await apiKeys.revoke(id: try context.pathID())))
        }
    }
}
