import Core
import Foundation
import Hummingbird

/// `/api/api-keys`: issue, list, read, regenerate and revoke API keys.
struct ApiKeyController: Sendable {
    let apiKeys: ApiKeyService
    let usage: UsageTracker
    let maxBodyBytes: Int

    static let createFields = ["name", "permissions", "description", "expiresAt", "ipWhitelist", "rateLimit"]
    static let updateFields = ["name", "description", "ipWhitelist", "rateLimit"]

    /// `{"requests": N, "windowSeconds": S}`, or nil for null.
    static func rateLimit(_ value: JSONValue?) throws -> RateLimit? {
        guard let value, value != .null else { return nil }
        let body = try JSONObjectReader(value, allowed: ["requests", "windowSeconds"])
        guard let requests = try body.optionalInt("requests", in: RateLimit.validRequests),
              let window = try body.optionalInt("windowSeconds", in: RateLimit.validWindows)
        else {
            throw SwitchboardError.invalid("rateLimit needs requests and windowSeconds")
        }
        return RateLimit(requests: requests, windowSeconds: window)
    }

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
                expiresAt: try body.optionalDate("expiresAt"),
                ipWhitelist: try body.optionalStringArray("ipWhitelist") ?? [],
                rateLimit: try Self.rateLimit(body.optionalValue("rateLimit"))
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
        api.add(.updateApiKey) { request, context in
            let id = try context.pathID()
            let body = try await JSONObjectReader.read(request, limit: maxBodyBytes, allowed: Self.updateFields)
            let changes = ApiKeyChanges(
                name: try body.nonNullString("name"),
                description: try body.patchString("description"),
                ipWhitelist: try body.optionalStringArray("ipWhitelist"),
                rateLimit: body.has("rateLimit") ? .some(try Self.rateLimit(body.optionalValue("rateLimit"))) : nil)
            return .success(Render.apiKey(try await apiKeys.update(id: id, changes: changes)))
        }
        api.add(.regenerateApiKey) { request, context in
            let id = try context.pathID()
            let body = try await JSONObjectReader.read(request, limit: maxBodyBytes, allowed: ["gracePeriodSeconds"], emptyIsObject: true)
            let issued = try await apiKeys.regenerate(id: id, gracePeriod: TimeInterval(try body.optionalInt("gracePeriodSeconds", in: ApiKeyService.gracePeriodSecondsRange) ?? 0))
            return .success(Render.apiKey(issued.record, plaintext: issued.plaintext))
        }
        api.add(.apiKeyUsage) { request, context in
            let id = try context.pathID()
            let key = try await apiKeys.get(id: id)
            let until = try request.queryDate("until") ?? Date()
            let since = try request.queryDate("since") ?? until.addingTimeInterval(-30 * 86_400)
            guard since <= until else { throw SwitchboardError.badRequest("since must not be after until", code: "invalid_query") }
            let rows = try await usage.usage(keyID: key.id, since: since, until: until)
            return .success(.object([
                ("keyId", .string(key.id.uuidString.lowercased())),
                ("lastUsedAt", .timestamp(key.lastUsedAt)),
                ("totalRequests", .integer(rows.reduce(0) { $0 + $1.requests })),
                ("days", .array(rows.map { row in
                    .object([
                        ("day", .string(row.day)), ("routeGroup", .string(row.routeGroup)),
                        ("statusClass", .string(row.statusClass)), ("requests", .integer(row.requests)),
                    ])
                })),
            ]))
        }
        api.add(.deleteApiKey) { _, context in
            .success(Render.apiKey(try await apiKeys.revoke(id: try context.pathID())))
        }
    }
}
