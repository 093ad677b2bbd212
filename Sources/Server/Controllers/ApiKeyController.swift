import Core
import Foundation
import Hummingbird

/// `/api/api-keys`: issue, list, read, regenerate and revoke API keys.
struct ApiKeyController: Sendable {
    let apiKeys: ApiKeyService
    let maxBodyBytes: Int

    static let createFields = ["name", "permissions", "description", "expiresAt"]

    func register(on api: APIRouteRegistrar) {
        api.add(.createApiKey) { request, _ in
            let body = try await JSONObjectReader.read(request, limit: maxBodyBytes, allowed: Self.createFields)
            let names = try body.requiredStringArray("permissions")
            let permissions = try names.map { name in
                guard let permission = Permission(rawValue: name) else {
                    throw SwitchboardError.invalid("permissions: unknown permission '\(name)'; known: \(Permission.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return permission
            }
            let issued = try await apiKeys.create(ApiKeyDraft(
                name: try body.requiredString("name"),
                permissions: permissions,
                description: try body.optionalString("description"),
                expiresAt: try body.optionalDate("expiresAt")
            ))
            return .success(Render.apiKey(issued.record, plaintext: issued.plaintext), status: .created)
        }
        api.add(.listApiKeys) { request, _ in
            let now = Date()
            let includeRevoked = try request.queryBool("include_revoked") ?? false
            return .page(try await apiKeys.list(try request.pageRequest(), includeRevoked: includeRevoked)) { Render.apiKey($0, now: now) }
        }
        api.add(.getApiKey) { _, context in
            .success(Render.apiKey(try await apiKeys.get(id: try context.pathID())))
        }
        api.add(.regenerateApiKey) { request, context in
            let id = try context.pathID()
            _ = try await JSONObjectReader.read(request, limit: maxBodyBytes, allowed: [], emptyIsObject: true)
            let issued = try await apiKeys.regenerate(id: id)
            return .success(Render.apiKey(issued.record, plaintext: issued.plaintext))
        }
        api.add(.deleteApiKey) { _, context in
            .success(Render.apiKey(try await apiKeys.revoke(id: try context.pathID())))
        }
    }
}
