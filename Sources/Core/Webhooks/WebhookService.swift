import Foundation

/// What a client sends to create a webhook.
package struct WebhookDraft: Sendable {
    package var name: String
    package var url: String
    package var events: [String]
    package var description: String?
    package var isActive: Bool
    package var secret: String?
    /// Overrides `WEBHOOK_RETRY_ATTEMPTS` for this webhook.
    package var maxRetries: Int?
    /// Overrides the retry delays (milliseconds) for this webhook.
    package var retryDelaysMs: [Int]?
    /// Throttles this webhook's deliveries (per second, over all servers).
    package var maxDeliveriesPerSecond: Double?

    /// Creates a draft; `isActive` defaults to true, as in the Node original.
    package init(
        name: String, url: String, events: [String], description: String? = nil, isActive: Bool = true, secret: String? = nil,
        maxRetries: Int? = nil, retryDelaysMs: [Int]? = nil, maxDeliveriesPerSecond: Double? = nil
    ) {
        self.maxDeliveriesPerSecond = maxDeliveriesPerSecond
        self.name = name
        self.url = url
        self.events = events
        self.description = description
        self.isActive = isActive
        self.secret = secret
        self.maxRetries = maxRetries
        self.retryDelaysMs = retryDelaysMs
    }
}

/// A partial update: nil fields are left as they are; `description: .some(nil)` clears it.
package struct WebhookChanges: Sendable {
    package var name: String?
    package var url: String?
    package var events: [String]?
    package var description: String??
    package var isActive: Bool?
    package var secret: String?
    /// `.some(nil)` goes back to the server default.
    package var maxRetries: Int??
    package var retryDelaysMs: [Int]??
    /// `.some(nil)` goes back to the server default.
    package var maxDeliveriesPerSecond: Double??

    /// Creates a change set.
    package init(
        name: String? = nil, url: String? = nil, events: [String]? = nil, description: String?? = nil, isActive: Bool? = nil,
        secret: String? = nil, maxRetries: Int?? = nil, retryDelaysMs: [Int]?? = nil, maxDeliveriesPerSecond: Double?? = nil
    ) {
        self.maxDeliveriesPerSecond = maxDeliveriesPerSecond
        self.name = name
        self.url = url
        self.events = events
        self.description = description
        self.isActive = isActive
        self.secret = secret
        self.maxRetries = maxRetries
        self.retryDelaysMs = retryDelaysMs
    }
}

/// Creates, reads, changes and deletes webhooks, enforcing the rules on their fields.
package struct WebhookService: Sendable {
    let driver: any StorageDriver
    let catalog: EventTypeCatalog
    let environment: CoreEnvironment
    /// Refuses URLs that lead to private or reserved addresses; nil checks nothing.
    let targetGuard: OutboundTargetGuard?
    /// How long a rotated-out secret keeps signing beside the new one.
    let rotationOverlap: Duration
    /// Encrypts signing secrets at rest.
    let cipher: SecretCipher

    /// Longest accepted name, description, URL and secret.
    package static let maxNameLength = 200
    package static let maxDescriptionLength = 2000
    package static let maxURLLength = 2048
    package static let secretLengths = 16...512
    /// Accepted `maxRetries`.
    package static let maxRetriesRange = 0...20
    /// Accepted `maxDeliveriesPerSecond`.
    package static let deliveryRateRange = 0.01...10_000.0
    /// Accepted entries of `retryDelaysMs`, in milliseconds (up to a day).
    package static let retryDelayRange = 100...86_400_000
    /// Accepted `overlapHours` on rotation (up to 30 days).
    package static let overlapHoursRange = 0...720

    /// Creates the service; the catalog defaults to one over the same database.
    package init(
        driver: any StorageDriver, cipher: SecretCipher, catalog: EventTypeCatalog? = nil, targetGuard: OutboundTargetGuard? = nil,
        rotationOverlap: Duration = .seconds(24 * 3600), environment: CoreEnvironment = .live
    ) {
        self.cipher = cipher
        self.driver = driver
        self.catalog = catalog ?? EventTypeCatalog(driver: driver, environment: environment)
        self.targetGuard = targetGuard
        self.rotationOverlap = rotationOverlap
        self.environment = environment
    }

    /// Refuses a URL whose host is, or resolves to, a reserved address. A name that does not
    /// resolve yet is accepted: deliveries check again when they connect.
    func checkTarget(_ url: String) async throws {
        guard let targetGuard else { return }
        if case .refused(let reason) = await targetGuard.check(url: url) {
            throw SwitchboardError(.validation, code: "target_not_allowed", message: "url: \(reason)")
        }
    }

    /// Issues a new signing secret (or takes the given one); the old one keeps signing beside
    /// it for `overlap` (default: the configured overlap) so receivers can switch without
    /// missing a delivery.
    package func rotateSecret(id: UUID, newSecret: String?, overlap: Duration?) async throws -> Webhook {
        var webhook = try await get(id: id)
        let now = environment.currentTime()
        let overlap = overlap ?? rotationOverlap
        guard overlap >= .zero, overlap <= .seconds(Self.overlapHoursRange.upperBound * 3600) else {
            throw SwitchboardError.invalid(
                "overlapHours must be between \(Self.overlapHoursRange.lowerBound) and \(Self.overlapHoursRange.upperBound)")
        }
        // An unreadable secret cannot keep signing: it is replaced without an overlap.
        webhook.previousSecret = overlap > .zero ? webhook.secret : nil
        webhook.previousSecretExpiresAt = webhook.previousSecret != nil ? Timestamp.truncated(now.addingTimeInterval(overlap.seconds)) : nil
        webhook.secret = try newSecret.map(acceptableSecret) ?? SecretMaterial.newWebhookSecret()
        webhook.secretIsUnreadable = false
        webhook.updatedAt = now
        try await store.updateSecrets(webhook)
        return webhook
    }

    private var store: WebhookStore { WebhookStore(executor: driver, cipher: cipher) }

    /// Validates and stores a new webhook. Without a secret one is generated; either way the
    /// returned value holds it, for the one answer that shows it.
    package func create(_ draft: WebhookDraft) async throws -> Webhook {
        let now = environment.currentTime()
        var webhook = Webhook(
            id: environment.newID(),
            name: try Self.validName(draft.name),
            url: try await validTarget(draft.url),
            events: try await catalog.validateSubscription(draft.events),
            description: try Self.validDescription(draft.description),
            isActive: draft.isActive,
            secret: try draft.secret.map(acceptableSecret) ?? SecretMaterial.newWebhookSecret(),
            maxRetries: try Self.validMaxRetries(draft.maxRetries),
            retryDelaysMs: try Self.validRetryDelays(draft.retryDelaysMs),
            createdAt: now,
            updatedAt: now
        )
        webhook.maxDeliveriesPerSecond = try Self.validDeliveryRate(draft.maxDeliveriesPerSecond)
        try await store.insert(webhook)
        return webhook
    }

    /// One page of webhooks, newest first.
    package func list(_ page: PageRequest, filter: WebhookListFilter = WebhookListFilter()) async throws -> Page<Webhook> {
        try await store.list(page, filter: filter)
    }

    /// The webhook with this id, or a not-found error.
    package func get(id: UUID) async throws -> Webhook {
        guard let webhook = try await store.find(id: id) else {
            throw SwitchboardError.notFound("webhook", id: id.uuidString.lowercased())
        }
        return webhook
    }

    /// Applies a partial update. Re-activating a webhook clears its failure counts, closes its
    /// circuit and clears the reason it was disabled.
    package func update(id: UUID, changes: WebhookChanges) async throws -> Webhook {
        var webhook = try await get(id: id)
        if let name = changes.name { webhook.name = try Self.validName(name) }
        if let url = changes.url { webhook.url = try await validTarget(url) }
        if let events = changes.events { webhook.events = try await catalog.validateSubscription(events) }
        if let description = changes.description { webhook.description = try Self.validDescription(description) }
        if let secret = changes.secret { webhook.secret = try acceptableSecret(secret) }
        if let maxRetries = changes.maxRetries { webhook.maxRetries = try Self.validMaxRetries(maxRetries) }
        if let delays = changes.retryDelaysMs { webhook.retryDelaysMs = try Self.validRetryDelays(delays) }
        if let rate = changes.maxDeliveriesPerSecond { webhook.maxDeliveriesPerSecond = try Self.validDeliveryRate(rate) }
        var reenabled = false
        if let isActive = changes.isActive {
            if isActive, !webhook.isActive {
                reenabled = true
                webhook.consecutiveFailures = 0
                webhook.consecutiveFailedDeliveries = 0
                webhook.circuit = Circuit()
                webhook.disabledReason = nil
                webhook.disabledAt = nil
            }
            webhook.isActive = isActive
        }
        webhook.updatedAt = environment.currentTime()
        guard try await store.update(webhook) else {
            throw SwitchboardError.notFound("webhook", id: id.uuidString.lowercased())
        }
        // Switching a webhook back on is a fresh start: its circuit closes and its failure
        // counts clear, so queued deliveries flow at once.
        if reenabled { try await store.resetFailures(id: id) }
        if changes.secret != nil {
            webhook.secretIsUnreadable = false
            try await store.updateSecrets(webhook)
        }
        return webhook
    }

    /// Deletes a webhook and, with it, its delivery history.
    package func delete(id: UUID) async throws {
        guard try await store.delete(id: id) else {
            throw SwitchboardError.notFound("webhook", id: id.uuidString.lowercased())
        }
    }

    func validTarget(_ url: String) async throws -> String {
        let valid = try Self.validURL(url)
        try await checkTarget(valid)
        return valid
    }

    static func validMaxRetries(_ value: Int?) throws -> Int? {
        guard let value else { return nil }
        guard maxRetriesRange.contains(value) else { throw SwitchboardError.invalid("maxRetries must be between 0 and 20") }
        return value
    }

    static func validDeliveryRate(_ value: Double?) throws -> Double? {
        guard let value else { return nil }
        guard deliveryRateRange.contains(value) else {
            throw SwitchboardError.invalid("maxDeliveriesPerSecond must be from 0.01 to 10000 (or null for the server's default)")
        }
        return value
    }

    static func validRetryDelays(_ value: [Int]?) throws -> [Int]? {
        guard let value else { return nil }
        guard (1...20).contains(value.count), value.allSatisfy({ retryDelayRange.contains($0) }) else {
            throw SwitchboardError.invalid("retryDelaysMs must list 1 to 20 delays, each 100 to 86400000 milliseconds")
        }
        return value
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

    /// A secret a client chose: well-formed, and not the server's own `WEBHOOK_SECRET_KEY`,
    /// which the Node receiver snippet reads from an environment variable of that name and
    /// so invites reusing (every key and stored secret derives from it; it must not travel).
    func acceptableSecret(_ secret: String) throws -> String {
        let secret = try Self.validSecret(secret)
        guard !cipher.isServerSecret(secret) else {
            throw SwitchboardError(
                .validation, code: "server_secret_refused",
                message:
                    "secret: this is the server's own WEBHOOK_SECRET_KEY, which must never leave the server; leave secret out to have one generated, and set WEBHOOK_SECRET_KEY on the receiver's side to the webhook's secret"
            )
        }
        return secret
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
