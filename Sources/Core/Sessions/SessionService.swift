import Crypto
import Foundation

/// Console sign-in: trades a usable API key (or a single-use link) for a session token,
/// resolves a token back to its session and key on every request, and signs out.
///
/// The token lives only in the browser's HttpOnly cookie; the database keeps its keyed hash.
/// The CSRF token is derived from the session token with a second key, so it needs no
/// storage and changes with every session.
package struct SessionService: Sendable {
    let driver: any StorageDriver
    let apiKeys: APIKeyService
    let policy: SessionPolicy
    let environment: CoreEnvironment
    private let tokenKey: SymmetricKey
    private let csrfKey: SymmetricKey

    /// The cookie the session token travels in. `__Host-` makes the browser insist on
    /// `Secure`, `Path=/` and no `Domain`, so no sibling host can plant or read it.
    package static let cookieName = "__Host-switchboard_session"
    /// The visible start of session tokens and sign-in link tokens.
    package static let tokenPrefix = "sbs_"
    package static let linkPrefix = "sbl_"
    /// How stale `last_seen_at` may get before a request writes it again.
    package static let touchResolution: TimeInterval = 60
    /// The longest a sign-in link may be valid.
    package static let maxLinkLifetime: TimeInterval = 24 * 3600

    /// Creates the service; its keys derive from the server secret (`WEBHOOK_SECRET_KEY`).
    package init(
        driver: any StorageDriver, apiKeys: APIKeyService, serverSecret: String, policy: SessionPolicy, environment: CoreEnvironment = .live
    ) {
        self.driver = driver
        self.apiKeys = apiKeys
        self.policy = policy
        self.environment = environment
        tokenKey = SecretMaterial.deriveKey(from: serverSecret, purpose: "console-session-v1")
        csrfKey = SecretMaterial.deriveKey(from: serverSecret, purpose: "console-csrf-v1")
    }

    private var sessions: SessionStore { SessionStore(executor: driver) }
    private var links: SignInLinkStore { SignInLinkStore(executor: driver) }

    /// Opens a session for a key the caller has already authenticated; returns the token for
    /// the cookie and the session.
    package func open(for key: APIKey, from address: String?) async throws -> (token: String, session: ConsoleSession) {
        let token = Self.tokenPrefix + SecretMaterial.randomBase64URL(byteCount: 32)
        let now = environment.currentTime()
        let session = ConsoleSession(
            tokenHash: hash(token), apiKeyID: key.id, keyHash: key.keyHash, clientAddress: address,
            createdAt: Timestamp.truncated(now), lastSeenAt: Timestamp.truncated(now),
            expiresAt: Timestamp.truncated(now.addingTimeInterval(policy.absoluteTimeout)))
        try await sessions.insert(session)
        return (token, session)
    }

    /// The session a token belongs to and the key it acts with, both usable now; otherwise an
    /// `unauthenticated` error saying why (`session_expired`, `key_revoked`, …). A session
    /// whose key was revoked, regenerated or expired ends here.
    package func resolve(token: String, from address: String?) async throws -> (session: ConsoleSession, key: APIKey) {
        // Junk cookies cost no database read.
        guard SecretMaterial.looksLikeToken(token, prefix: Self.tokenPrefix), var session = try await sessions.find(tokenHash: hash(token))
        else {
            throw SwitchboardError(.unauthenticated, code: "session_expired", message: "the console session has ended; sign in again")
        }
        let now = environment.currentTime()
        guard now < session.endsAt(idleTimeout: policy.idleTimeout) else {
            try await sessions.delete(tokenHash: session.tokenHash)
            throw SwitchboardError(.unauthenticated, code: "session_expired", message: "the console session has ended; sign in again")
        }
        // A session whose key is no longer usable is left in place, not deleted: the
        // console's concurrent requests then all hear the same reason (`key_revoked`, …)
        // instead of the first hearing it and the others "session ended". It can do nothing,
        // and the cleanup removes it at its idle or absolute end.
        let key = try await apiKeys.authenticate(storedHash: session.keyHash, from: address)
        guard key.id == session.apiKeyID else {
            throw SwitchboardError(.unauthenticated, code: "session_expired", message: "the console session has ended; sign in again")
        }
        if now.timeIntervalSince(session.lastSeenAt) >= Self.touchResolution {
            session.lastSeenAt = Timestamp.truncated(now)
            try await sessions.touch(tokenHash: session.tokenHash, at: session.lastSeenAt)
        }
        return (session, key)
    }

    /// Ends the session of this token (signing out).
    package func close(token: String) async throws {
        try await sessions.delete(tokenHash: hash(token))
    }

    /// The CSRF token of a session: state-changing requests made with its cookie must carry
    /// it in `X-CSRF-Token`.
    package func csrfToken(for token: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: csrfKey))
    }

    /// Whether `candidate` is the CSRF token of `token`, compared in constant time.
    package func isValidCSRFToken(_ candidate: String, for token: String) -> Bool {
        let expected = Array(csrfToken(for: token).utf8)
        let given = Array(candidate.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Makes a single-use sign-in link token for a usable key, valid for `lifetime`.
    package func makeLink(keyID: UUID, lifetime: TimeInterval) async throws -> (token: String, expiresAt: Date) {
        guard lifetime > 0, lifetime <= Self.maxLinkLifetime else {
            throw SwitchboardError.invalid("a sign-in link may last from 1 second to \(Int(Self.maxLinkLifetime / 3600)) hours")
        }
        let key = try await apiKeys.usableKey(id: keyID)
        let token = Self.linkPrefix + SecretMaterial.randomBase64URL(byteCount: 32)
        let now = environment.currentTime()
        let expiresAt = Timestamp.truncated(now.addingTimeInterval(lifetime))
        try await links.insert(tokenHash: hash(token), apiKeyID: key.id, createdAt: Timestamp.truncated(now), expiresAt: expiresAt)
        return (token, expiresAt)
    }

    /// The key of a sign-in link, which is used up by this call; an `unauthenticated` error
    /// when the link is unknown, used or expired.
    package func redeemLink(token: String) async throws -> APIKey {
        guard SecretMaterial.looksLikeToken(token, prefix: Self.linkPrefix),
            let keyID = try await links.redeem(tokenHash: hash(token), at: environment.currentTime())
        else {
            throw SwitchboardError(
                .unauthenticated, code: "invalid_sign_in_link",
                message: "this sign-in link is unknown, used or expired; ask for a new one (`switchboard ui-link`)")
        }
        do {
            return try await apiKeys.usableKey(id: keyID)
        } catch let error as SwitchboardError where error.category == .notFound {
            throw SwitchboardError(
                .unauthenticated, code: "invalid_sign_in_link", message: "the API key of this sign-in link no longer exists")
        }
    }

    /// Removes ended sessions and expired links; returns how many rows went.
    package func deleteEnded() async throws -> Int {
        let now = environment.currentTime()
        let ended = try await sessions.deleteEnded(now: now, idleSince: now.addingTimeInterval(-policy.idleTimeout))
        return ended + (try await links.deleteExpired(now: now))
    }

    private func hash(_ token: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: tokenKey))
    }

}
