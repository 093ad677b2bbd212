import Core
import Foundation
import Hummingbird

/// `/api/api-keys`: issue, list, read, regenerate and revoke API keys.
struct APIKeyController: Sendable {
    let apiKeys: APIKeyService
    let usage: UsageTracker

    func register(on api: APIRouteRegistrar) {
        api.add(.createAPIKey) { request, context in
            let body = try await request.decode(as: CreateAPIKeyBody.self, context: context)
            let issued = try await apiKeys.create(try body.draft())
            return .success(IssuedAPIKeyResponse(issued), status: .created)
        }
        api.add(.listAPIKeys) { request, _ in
            let now = Date()
            let includeRevoked = try request.queryBool("include_revoked") ?? false
            return .page(try await apiKeys.list(try request.pageRequest(), includeRevoked: includeRevoked)) { APIKeyResponse($0, now: now) }
        }
        api.add(.getAPIKey) { _, context in
            .success(APIKeyResponse(try await apiKeys.get(id: try context.pathID())))
        }
        api.add(.updateAPIKey) { request, context in
            let id = try context.pathID()
            let body = try await request.decode(as: UpdateAPIKeyBody.self, context: context)
            return .success(APIKeyResponse(try await apiKeys.update(id: id, changes: try body.changes())))
        }
        api.add(.regenerateAPIKey) { request, context in
            let id = try context.pathID()
            let body = try await request.decode(as: RegenerateAPIKeyBody.self, context: context)
            let issued = try await apiKeys.regenerate(id: id, gracePeriod: try body.gracePeriod())
            return .success(IssuedAPIKeyResponse(issued))
        }
        api.add(.apiKeyUsage) { request, context in
            let id = try context.pathID()
            let key = try await apiKeys.get(id: id)
            let until = try request.queryDate("until") ?? Date()
            let since = try request.queryDate("since") ?? until.addingTimeInterval(-30 * 86_400)
            guard since <= until else { throw SwitchboardError.badRequest("since must not be after until", code: "invalid_query") }
            let rows = try await usage.usage(keyID: key.id, since: since, until: until)
            return .success(APIKeyUsageResponse(key: key, rows: rows))
        }
        api.add(.deleteAPIKey) { _, context in
            .success(APIKeyResponse(try await apiKeys.revoke(id: try context.pathID())))
        }
    }
}
