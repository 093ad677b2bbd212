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
}
