import Core

/// Checks a presented API key, for the Bearer authenticator and for console sign-in alike:
/// unknown, revoked or expired keys end with 401, and guessing is braked per client (IPv4
/// address or IPv6 /64). A failure slot is reserved before the key is checked, so concurrent
/// guesses cannot slip past the limit, and given back when the key is good. A key this
/// process verified moments ago is no guess and passes a brake that is on.
struct KeyVerifier: Sendable {
    let apiKeys: APIKeyService
    let failures: RateLimiter
    let failureLimit: RateLimit

    /// The usable key behind `token`, presented from `clientAddress`.
    func verify(token: String, clientAddress: IPAddress?) async throws -> APIKey {
        let hash = apiKeys.hash(token: token)
        var reservation: RateLimiter.Reservation?
        if !SecretMaterial.looksLikeAPIKey(token) || !apiKeys.isRecentlyVerified(hash: hash) {
            let reserved = failures.reserve(clientAddress?.clientGroup ?? "unknown", limit: failureLimit)
            guard reserved.decision.allowed else {
                let wait = reserved.decision.resetSeconds
                throw SwitchboardError(
                    .rateLimited, code: "too_many_auth_failures",
                    message: "too many failed authentications from this address; retry in \(wait) s",
                    headers: [.init("Retry-After", String(wait))])
            }
            reservation = reserved
        }
        let key: APIKey
        do {
            key = try await apiKeys.authenticate(token: token, hash: hash, from: clientAddress?.description)
        } catch let error as SwitchboardError where error.category == .unauthenticated {
            throw error
        } catch {
            // Not a verdict on the key (the database is unavailable): not a failure.
            reservation.map(failures.refund)
            throw error
        }
        reservation.map(failures.refund)
        return key
    }
}
