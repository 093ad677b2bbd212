import Foundation

/// A browser signed in to the console: it holds a random token in an HttpOnly cookie and the
/// server keeps only a keyed hash of it. The session acts with the API key it was opened
/// with, which is checked again on every request.
package struct ConsoleSession: Sendable, Equatable {
    /// Keyed hash of the cookie's token: what the session is looked up by.
    package let tokenHash: String
    /// The key the session acts with.
    package let apiKeyID: UUID
    /// The key's stored hash at sign-in. Regenerating the key changes its hash, which ends
    /// the sessions opened with the old one.
    package let keyHash: String
    /// Where the browser signed in from.
    package let clientAddress: String?
    package let createdAt: Date
    /// The last request seen, to `SessionService.touchResolution`; the idle timeout counts
    /// from here.
    package var lastSeenAt: Date
    /// The absolute end of the session, however active.
    package let expiresAt: Date

    package init(
        tokenHash: String, apiKeyID: UUID, keyHash: String, clientAddress: String?, createdAt: Date, lastSeenAt: Date, expiresAt: Date
    ) {
        self.tokenHash = tokenHash
        self.apiKeyID = apiKeyID
        self.keyHash = keyHash
        self.clientAddress = clientAddress
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
    }

    /// When the session ends if no further request comes: the idle limit or the absolute
    /// end, whichever is first.
    package func endsAt(idleTimeout: TimeInterval) -> Date {
        min(expiresAt, lastSeenAt.addingTimeInterval(idleTimeout))
    }
}

/// How long console sessions last (`SESSION_IDLE_TIMEOUT_MINUTES`,
/// `SESSION_ABSOLUTE_TIMEOUT_HOURS`).
package struct SessionPolicy: Sendable, Equatable {
    /// A session with no request for this long ends.
    package var idleTimeout: TimeInterval
    /// A session ends this long after sign-in, however active.
    package var absoluteTimeout: TimeInterval

    package init(idleTimeout: TimeInterval = 30 * 60, absoluteTimeout: TimeInterval = 12 * 3600) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
    }
}
