import Foundation

/// A stored API key: everything but the key itself, which is never kept.
public struct ApiKey: Sendable, Equatable {
    /// Whether a key is usable, as shown to clients.
    public enum Status: String, Sendable, Codable {
        case active
        case revoked
        case expired
    }

    public var id: UUID
    public var name: String
    public var description: String?
    /// The first characters of the key, shown so people can tell keys apart.
    public var prefix: String
    /// Keyed hash of the full key (see `ApiKeyHasher`).
    public var keyHash: String
    public var permissions: [Permission]
    /// Addresses or CIDR ranges allowed to use the key; empty means anywhere.
    public var ipWhitelist: [String]
    /// The key's own quota; nil means the server default (`API_RATE_LIMIT`).
    public var rateLimit: RateLimit?
    public var expiresAt: Date?
    public var lastUsedAt: Date?
    /// The client address of the last use.
    public var lastUsedAddress: String?
    public var revokedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    /// Whether `address` may use the key.
    public func allows(_ address: IPAddress?) -> Bool {
        guard !ipWhitelist.isEmpty else { return true }
        guard let address else { return false }
        return ipWhitelist.contains { IPRange($0)?.contains(address) ?? false }
            || (address.embeddedIPv4.map { mapped in ipWhitelist.contains { IPRange($0)?.contains(mapped) ?? false } } ?? false)
    }

    /// The status at a given moment.
    public func status(at now: Date) -> Status {
        if revokedAt != nil { return .revoked }
        if let expiresAt, expiresAt <= now { return .expired }
        return .active
    }

    /// Creates a key record.
    public init(
        id: UUID, name: String, description: String?, prefix: String, keyHash: String, permissions: [Permission],
        ipWhitelist: [String] = [], rateLimit: RateLimit? = nil, expiresAt: Date?, lastUsedAt: Date? = nil, lastUsedAddress: String? = nil, revokedAt: Date? = nil,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.prefix = prefix
        self.keyHash = keyHash
        self.permissions = permissions
        self.ipWhitelist = ipWhitelist
        self.rateLimit = rateLimit
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.lastUsedAddress = lastUsedAddress
        self.revokedAt = revokedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A key just created or regenerated: the record and the plaintext, which exists only here.
public struct IssuedApiKey: Sendable {
    /// The stored record.
    public let record: ApiKey
    /// The full key, to be shown once.
    public let plaintext: String
}
