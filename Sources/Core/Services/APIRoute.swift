/// Every authenticated API route and the permission it needs: the single table the server
/// registers routes from, so a route cannot exist without a permission.
public enum APIRoute: String, Sendable, CaseIterable {
    case listEventTypes
    case listWebhooks
    case createWebhook
    case getWebhook
    case updateWebhook
    case deleteWebhook
    case listApiKeys
    case createApiKey
    case getApiKey
    case regenerateApiKey
    case deleteApiKey

    /// The HTTP method, upper case.
    public var method: String {
        switch self {
        case .listEventTypes, .listWebhooks, .getWebhook, .listApiKeys, .getApiKey: "GET"
        case .createWebhook, .createApiKey, .regenerateApiKey: "POST"
        case .updateWebhook: "PATCH"
        case .deleteWebhook, .deleteApiKey: "DELETE"
        }
    }

    /// The path, with `:name` for path parameters.
    public var path: String {
        switch self {
        case .listEventTypes: "/api/event-types"
        case .listWebhooks, .createWebhook: "/api/webhooks"
        case .getWebhook, .updateWebhook, .deleteWebhook: "/api/webhooks/:id"
        case .listApiKeys, .createApiKey: "/api/api-keys"
        case .getApiKey, .deleteApiKey: "/api/api-keys/:id"
        case .regenerateApiKey: "/api/api-keys/:id/regenerate"
        }
    }

    /// What the calling key must hold.
    public var permission: Permission {
        switch self {
        case .listEventTypes, .listWebhooks, .getWebhook: .readWebhooks
        case .createWebhook, .updateWebhook: .writeWebhooks
        case .deleteWebhook: .deleteWebhooks
        case .listApiKeys, .createApiKey, .getApiKey, .regenerateApiKey, .deleteApiKey: .all
        }
    }

    /// Routes that need no key; listed so method checks know every path.
    public static let publicRoutes: [(method: String, path: String)] = [("GET", "/health"), ("GET", "/openapi.json")]

    /// The methods served on a concrete path such as `/api/webhooks/3f2b…`, for answering
    /// 405 with an `Allow` header instead of 404 when only the method is wrong.
    public static func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let all = allCases.map { ($0.method, $0.path) } + publicRoutes
        var methods: [String] = []
        for (method, pattern) in all where !methods.contains(method) {
            let patternSegments = pattern.split(separator: "/", omittingEmptySubsequences: true)
            guard patternSegments.count == segments.count else { continue }
            if zip(patternSegments, segments).allSatisfy({ $0.hasPrefix(":") || $0 == $1 }) {
                methods.append(method)
            }
        }
        return methods
    }
}
