import Foundation

/// What a client sends to create an API key.
package struct APIKeyDraft: Sendable {
    package var name: String
    package var permissions: [Permission]
    package var description: String?
    package var expiresAt: Date?
    /// Addresses and CIDR ranges allowed to use the key; empty means anywhere.
    package var ipWhitelist: [String]
    /// The key's own quota; nil means the server default.
    package var rateLimit: RateLimit?

    /// Creates a draft.
    package init(
        name: String, permissions: [Permission], description: String? = nil, expiresAt: Date? = nil, ipWhitelist: [String] = [],
        rateLimit: RateLimit? = nil
    ) {
        self.name = name
        self.permissions = permissions
        self.description = description
        self.expiresAt = expiresAt
        self.ipWhitelist = ipWhitelist
        self.rateLimit = rateLimit
    }
}

/// A partial update of a key's settings; nil fields are left alone, `.some(nil)` clears.
package struct APIKeyChanges: Sendable {
    package var name: String?
    package var description: String??
    package var ipWhitelist: [String]?
    package var rateLimit: RateLimit??

    /// Creates a change set.
    package init(name: String? = nil, description: String?? = nil, ipWhitelist: [String]? = nil, rateLimit: RateLimit?? = nil) {
        self.name = name
        self.description = description
        self.ipWhitelist = ipWhitelist
        self.rateLimit = rateLimit
    }
}

/// Issues, checks, regenerates and revokes API keys.
package struct APIKeyService: Sendable {
    let driver: any StorageDriver
    let secrets: SecretMaterial
    let environment: CoreEnvironment
    /// Lifetime of a key created without `expiresAt`; nil means no expiry.
    let defaultLifetime: TimeInterval?
    /// Recently verified keys.
    let cache: APIKeyCache

    /// How stale `last_used_at` may get before a request writes it again; keeps the hot path
    /// from writing on every request.
    package static let lastUsedResolution: TimeInterval = 60

    /// Creates the service. `defaultExpiryDays` of 0 means keys without `expiresAt` never expire.
    package init(
        driver: any StorageDriver, secrets: SecretMaterial, defaultExpiryDays: Int, cache: APIKeyCache = APIKeyCache(),
        environment: CoreEnvironment = .live
    ) {
        self.cache = cache
        self.driver = driver
        self.secrets = secrets
        self.environment = environment
        self.defaultLifetime = defaultExpiryDays > 0 ? TimeInterval(defaultExpiryDays) * 86_400 : nil
    }

    private var store: APIKeyStore { APIKeyStore(executor: driver) }

    /// Creates a key and returns it with its plaintext, which is not kept anywhere.
    package func create(_ draft: APIKeyDraft) async throws -> IssuedAPIKey {
        let now = environment.currentTime()
        let name = try WebhookService.validName(draft.name)
        let description = try WebhookService.validDescription(draft.description)
        guard !draft.permissions.isEmpty else {
            throw SwitchboardError.invalid("permissions must list at least one permission; see the permission table in README")
        }
        var permissions: [Permission] = []
        for permission in draft.permissions where !permissions.contains(permission) { permissions.append(permission) }
        let expiresAt: Date?
        if let requested = draft.expiresAt {
            guard requested > now else { throw SwitchboardError.invalid("expiresAt must be in the future") }
            expiresAt = Timestamp.truncated(requested)
        } else {
            expiresAt = defaultLifetime.map { now.addingTimeInterval($0) }
        }
        let plaintext = SecretMaterial.newAPIKey()
        let record = APIKey(
            id: environment.newID(), name: name, description: description,
            prefix: String(plaintext.prefix(SecretMaterial.displayPrefixLength)),
            keyHash: secrets.hash(apiKey: plaintext), permissions: permissions,
            ipWhitelist: try Self.validWhitelist(draft.ipWhitelist), rateLimit: try Self.validRateLimit(draft.rateLimit),
            expiresAt: expiresAt, createdAt: now, updatedAt: now
        )
        try await store.insert(record)
        return IssuedAPIKey(record: record, plaintext: plaintext)
    }

    /// One page of keys, newest first. Revoked keys are left out unless `includeRevoked`.
    package func list(_ page: PageRequest, includeRevoked: Bool = false) async throws -> Page<APIKey> {
        try await store.list(page, includeRevoked: includeRevoked)
    }

    /// The key with this id, or a not-found error. A revoked key counts as deleted: its row
    /// stays for the record (and `list(includeRevoked:)`) but it cannot be read or changed.
    package func get(id: UUID) async throws -> APIKey {
        guard let key = try await store.find(id: id), key.revokedAt == nil else {
            throw SwitchboardError.notFound("API key", id: id.uuidString.lowercased())
        }
        return key
    }

    /// Changes a key's name, description, address allowlist or quota.
    package func update(id: UUID, changes: APIKeyChanges) async throws -> APIKey {
        var key = try await get(id: id)
        if let name = changes.name { key.name = try WebhookService.validName(name) }
        if let description = changes.description { key.description = try WebhookService.validDescription(description) }
        if let whitelist = changes.ipWhitelist { key.ipWhitelist = try Self.validWhitelist(whitelist) }
        if let rateLimit = changes.rateLimit { key.rateLimit = try Self.validRateLimit(rateLimit) }
        key.updatedAt = environment.currentTime()
        try await store.update(key)
        cache.invalidate(id: id)
        return key
    }

    static func validWhitelist(_ entries: [String]) throws -> [String] {
        guard entries.count <= 100 else { throw SwitchboardError.invalid("ipWhitelist may hold at most 100 entries") }
        return try entries.map { entry in
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            guard IPRange(trimmed) != nil else {
                throw SwitchboardError.invalid(
                    "ipWhitelist: '\(entry)' is not an IPv4/IPv6 address or CIDR range such as 203.0.113.0/24 or 2001:db8::/32")
            }
            return trimmed
        }
    }

    static func validRateLimit(_ limit: RateLimit?) throws -> RateLimit? {
        guard let limit else { return nil }
        guard RateLimit.validRequests.contains(limit.requests), RateLimit.validWindows.contains(limit.windowSeconds) else {
            throw SwitchboardError.invalid("rateLimit needs requests 1–1000000 and windowSeconds 1–86400")
        }
        return limit
    }

    /// Longest grace period a regeneration may give the old key.
    package static let maxGracePeriod: TimeInterval = 30 * 86_400
    /// Accepted `gracePeriodSeconds`.
    package static let gracePeriodSecondsRange = 0...(30 * 86_400)

    /// Replaces a key's secret part. The old key stops working at once, or after
    /// `gracePeriod` so clients can switch without an outage.
    package func regenerate(id: UUID, gracePeriod: TimeInterval = 0) async throws -> IssuedAPIKey {
        guard (0...Self.maxGracePeriod).contains(gracePeriod) else {
            throw SwitchboardError.invalid("gracePeriodSeconds must be between 0 and \(Int(Self.maxGracePeriod))")
        }
        var key = try await get(id: id)
        let oldHash = key.keyHash
        let plaintext = SecretMaterial.newAPIKey()
        key.prefix = String(plaintext.prefix(SecretMaterial.displayPrefixLength))
        key.keyHash = secrets.hash(apiKey: plaintext)
        key.updatedAt = environment.currentTime()
        try await store.update(key)
        try await store.setPrevious(
            id: id, hash: gracePeriod > 0 ? oldHash : nil,
            until: gracePeriod > 0 ? Timestamp.truncated(key.updatedAt.addingTimeInterval(gracePeriod)) : nil)
        cache.invalidate(id: id)
        return IssuedAPIKey(record: key, plaintext: plaintext)
    }

    /// Revokes a key: it is no longer accepted, and reads answer not-found, but its row is
    /// kept (listed with `includeRevoked`) so audit records keep pointing at something.
    package func revoke(id: UUID) async throws -> APIKey {
        var key = try await get(id: id)
        let now = environment.currentTime()
        key.revokedAt = now
        key.updatedAt = now
        try await store.update(key)
        cache.invalidate(id: id)
        return key
    }

    /// The keyed hash a token is stored under; computed once per request and handed to
    /// `isRecentlyVerified(hash:)` and `authenticate(token:hash:from:)`.
    package func hash(token: String) -> String {
        secrets.hash(apiKey: token)
    }

    /// Whether the key with this hash was verified by this process moments ago (it is in the
    /// verification cache). Such a token is no guess, so the failed-authentication brake need
    /// not hold it.
    package func isRecentlyVerified(hash: String) -> Bool {
        cache.key(forHash: hash) != nil
    }

    /// The key a bearer token belongs to, if it is usable; otherwise an `unauthenticated`
    /// error whose code says why (`invalid_api_key`, `key_revoked`, `key_expired`).
    package func authenticate(token: String, from address: String? = nil) async throws -> APIKey {
        try await authenticate(token: token, hash: hash(token: token), from: address)
    }

    /// `authenticate(token:from:)` with the token's hash already computed.
    package func authenticate(token: String, hash: String, from address: String? = nil) async throws -> APIKey {
        guard SecretMaterial.looksLikeAPIKey(token) else {
            throw SwitchboardError(.unauthenticated, code: "invalid_api_key", message: "the API key is not valid")
        }
        let cached = cache.key(forHash: hash)
        let now = environment.currentTime()
        var found: APIKey?
        if let cached { found = cached } else { found = try await store.find(hash: hash) }
        var viaGracePeriod = false
        if found == nil, let replaced = try await store.find(previousHash: hash, validAt: now) {
            found = replaced
            viaGracePeriod = true
        }
        guard let key = found else {
            throw SwitchboardError(.unauthenticated, code: "invalid_api_key", message: "the API key is not valid")
        }
        return try await accept(key, cached: cached != nil, viaGracePeriod: viaGracePeriod, now: now, from: address)
    }

    /// The key whose stored hash is `hash`, if it is usable now. Console sessions remember the
    /// hash their key had at sign-in: once the key is regenerated that hash is gone (grace
    /// period or not), and so are the sessions.
    package func authenticate(storedHash hash: String, from address: String? = nil) async throws -> APIKey {
        let cached = cache.key(forHash: hash)
        var found = cached
        if found == nil { found = try await store.find(hash: hash) }
        guard let key = found else {
            throw SwitchboardError(
                .unauthenticated, code: "key_regenerated",
                message: "the API key behind this session was regenerated or deleted; sign in again")
        }
        return try await accept(key, cached: cached != nil, viaGracePeriod: false, now: environment.currentTime(), from: address)
    }

    /// The key with this id if it is usable now (not revoked, not expired), for sign-in links.
    package func usableKey(id: UUID) async throws -> APIKey {
        guard let key = try await store.find(id: id) else {
            throw SwitchboardError(.notFound, code: "api_key_not_found", message: "no API key has the id \(id.uuidString.lowercased())")
        }
        return try await accept(key, cached: false, viaGracePeriod: false, now: environment.currentTime(), from: nil)
    }

    /// Refuses a revoked or expired key; records the use (at most once a minute) and caches it.
    private func accept(_ found: APIKey, cached: Bool, viaGracePeriod: Bool, now: Date, from address: String?) async throws -> APIKey {
        var key = found
        switch key.status(at: now) {
        case .revoked:
            throw SwitchboardError(.unauthenticated, code: "key_revoked", message: "the API key has been revoked")
        case .expired:
            throw SwitchboardError(.unauthenticated, code: "key_expired", message: "the API key expired; create or regenerate a key")
        case .active:
            break
        }
        if key.lastUsedAt.map({ now.timeIntervalSince($0) >= Self.lastUsedResolution }) ?? true {
            try await store.touch(id: key.id, at: now, from: address)
            key.lastUsedAt = now
            key.lastUsedAddress = address
            cache.store(key)
        } else if !cached, !viaGracePeriod {
            cache.store(key)
        }
        return key
    }

    /// On first start, when no key exists at all, creates an admin key (`*`) so the operator
    /// can reach the API. Returns it when one was made.
    package func bootstrapAdminKeyIfNeeded() async throws -> IssuedAPIKey? {
        guard try await store.count() == 0 else { return nil }
        return try await create(APIKeyDraft(name: "admin", permissions: [.all], description: "Created on first start"))
    }
}
