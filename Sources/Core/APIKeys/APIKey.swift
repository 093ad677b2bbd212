import Foundation

/// A stored API key: everything but the key itself, which is never kept.
package struct APIKey: Sendable, Equatable {
    /// Whether a key is usable, as shown to clients.
    package enum Status: String, Sendable, Codable {
        case active
        case revoked
        case expired
    }

    package var id: UUID
    package var name: String
    package var description: String?
    /// The first characters of the key, shown so people can tell keys apart.
    package var prefix: String
    /// Keyed hash of the full key (see `APIKeyHasher`).
    package var keyHash: String
    package var permissions: [Permission]
    /// Addresses or CIDR ranges allowed to use the key; empty means anywhere.
    package var ipWhitelist: [String]
    /// The key's own quota; nil means the server default (`API_RATE_LIMIT`).
    package var rateLimit: RateLimit?
    package var expiresAt: Date?
    package var lastUsedAt: Date?
    /// The client address of the last use.
    package var lastUsedAddress: String?
    package var revokedAt: Date?
    package var createdAt: Date
    package var updatedAt: Date

    /// Whether `address` may use the key.
    package func allows(_ address: IPAddress?) -> Bool {
        guard !ipWhitelist.isEmpty else { return true }
        guard let address else { return false }
        return ipWhitelist.contains { IPRange($0)?.contains(address) ?? false }
            || (address.embeddedIPv4.map { mapped in ipWhitelist.contains { IPRange($0)?.contains(mapped) ?? false } } ?? false)
    }

    /// The status at a given moment.
    package func status(at now: Date) -> Status {
        if revokedAt != nil { return .revoked }
        if let expiresAt, expiresAt <= now { return .expired }
        return .active
    }

    /// Creates a key record.
    package init(
        id: UUID, name: String, description: String?, prefix: String, keyHash: String, permissions: [Permission],
        ipWhitelist: [String] = [], rateLimit: RateLimit? = nil, expiresAt: Date?, lastUsedAt: Date? = nil, lastUsedAddress: String? = nil,
        revokedAt: Date? = nil,
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
package struct IssuedAPIKey: Sendable {
    /// The stored record.
    package let record: APIKey
    /// The full key, to be shown once.
    package let plaintext: String
}
