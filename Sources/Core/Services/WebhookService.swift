import Foundation

/// What a client sends to create a webhook.
public struct WebhookDraft: Sendable {
    public var name: String
    public var url: String
    public var events: [String]
    public var description: String?
    public var isActive: Bool
    public var secret: String?

    /// Creates a draft; `isActive` defaults to true as in the seed.
    public init(name: String, url: String, events: [String], description: String? = nil, isActive: Bool = true, secret: String? = nil) {
        self.name = name
        self.url = url
        self.events = events
        self.description = description
        self.isActive = isActive
        self.secret = secret
    }
}

/// A partial update: nil fields are left as they are; `description: .some(nil)` clears it.
public struct WebhookChanges: Sendable {
    public var name: String?
    public var url: String?
    public var events: [String]?
    public var description: String??
    public var isActive: Bool?
    public var secret: String?

    /// Creates a change set.
    public init(name: String? = nil, url: String? = nil, events: [String]? = nil, description: String?? = nil, isActive: Bool? = nil, secret: String? = nil) {
        self.name = name
        self.url = url
        self.events = events
        self.description = description
        self.isActive = isActive
        self.secret = secret
    }
}

/// Creates, reads, changes and deletes webhooks, enforcing the rules on their fields.
public struct WebhookService: Sendable {
    let driver: any StorageDriver
    let catalog: EventTypeCatalog
    let environment: CoreEnvironment

    /// Longest accepted name, description, URL and secret.
    public static let maxNameLength = 200
    public static let maxDescriptionLength = 2000
    public static let maxURLLength = 2048
    public static let secretLengths = 16...512

    /// Creates the service.
    public init(driver: any StorageDriver, catalog: EventTypeCatalog = EventTypeCatalog(), environment: CoreEnvironment = .live) {
        self.driver = driver
        self.catalog = catalog
        self.environment = environment
    }

    private var store: WebhookStore { WebhookStore(executor: driver) }

    /// Validates and stores a new webhook. Without a secret one is generated; either way the
    /// returned value holds it, for the one answer that shows it.
    public func create(_ draft: WebhookDraft) async throws -> Webhook {
        let now = environment.currentTime()
        let webhook = Webhook(
            id: environment.newID(),
            name: try Self.validName(draft.name),
            url: try Self.validURL(draft.url),
            events: try await catalog.validateSubscription(draft.events),
            description: try Self.validDescription(draft.description),
            isActive: draft.isActive,
            secret: try draft.secret.map(Self.validSecret) ?? SecretMaterial.newWebhookSecret(),
            createdAt: now,
            updatedAt: now
        )
        try await store.insert(webhook)
        return webhook
    }

    /// One page of webhooks, newest first.
    public func list(_ page: PageRequest) async throws -> Page<Webhook> {
        try await store.list(page)
    }

    /// The webhook with this id, or a not-found error.
    public func get(id: UUID) async throws -> Webhook {
        guard let webhook = try await store.find(id: id) else {
            throw SwitchboardError.notFound("webhook", id: id.uuidString.lowercased())
        }
        return webhook
    }

    /// Applies a partial update. Re-activating a webhook clears its failure count and the
    /// reason it was disabled.
    public func update(id: UUID, changes: WebhookChanges) async throws -> Webhook {
        var webhook = try await get(id: id)
        if let name = changes.name { webhook.name = try Self.validName(name) }
        if let url = changes.url { webhook.url = try Self.validURL(url) }
        if let events = changes.events { webhook.events = try await catalog.validateSubscription(events) }
        if let description = changes.description { webhook.description = try Self.validDescription(description) }
        if let secret = changes.secret { webhook.secret = try Self.validSecret(secret) }
        if let isActive = changes.isActive {
            if isActive, !webhook.isActive {
                webhook.consecutiveFailures = 0
                webhook.disabledReason = nil
                webhook.disabledAt = nil
            }
            webhook.isActive = isActive
        }
        webhook.updatedAt = environment.currentTime()
        guard try await store.update(webhook) else {
            throw SwitchboardError.notFound("webhook", id: id.uuidString.lowercased())
        }
        return webhook
    }

    /// Deletes a webhook and, with it, its delivery history.
    public func delete(id: UUID) async throws {
        guard try await store.delete(id: id) else {
            throw SwitchboardError.notFound("webhook", id: id.uuidString.lowercased())
        }
    }

    static func validName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw SwitchboardError.invalid("name must not be empty") }
        guard trimmed.count <= maxNameLength else { throw SwitchboardError.invalid("name must be at most \(maxNameLength) characters") }
        return trimmed
    }

    static func validDescription(_ description: String?) throws -> String? {
        guard let description else { return nil }
        guard description.count <= maxDescriptionLength else {
            throw SwitchboardError.invalid("description must be at most \(maxDescriptionLength) characters")
        }
        return description
    }

    static func validSecret(_ secret: String) throws -> String {
        guard secretLengths.contains(secret.count) else {
            throw SwitchboardError.invalid("secret must be \(secretLengths.lowerBound) to \(secretLengths.upperBound) characters")
        }
        guard secret.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else {
            throw SwitchboardError.invalid("secret must be printable ASCII without spaces")
        }
        return secret
    }

    /// Accepts absolute `http`/`https` URLs with a host and no credentials.
    static func validURL(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.utf8.count <= maxURLLength else { throw SwitchboardError.invalid("url must be at most \(maxURLLength) bytes") }
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased() else {
            throw SwitchboardError.invalid("url must be an absolute http:// or https:// URL")
        }
        guard scheme == "http" || scheme == "https" else {
            throw SwitchboardError.invalid("url scheme must be http or https, not \(scheme)")
        }
        guard let host = components.host, !host.isEmpty else { throw SwitchboardError.invalid("url must include a host name") }
        guard components.user == nil, components.password == nil else {
            throw SwitchboardError.invalid("url must not contain credentials; use the signing secret to authenticate deliveries")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw SwitchboardError.invalid("url port must be between 1 and 65535, not \(port)")
        }
        guard components.fragment == nil else { throw SwitchboardError.invalid("url must not contain a #fragment") }
        return trimmed
    }
}
