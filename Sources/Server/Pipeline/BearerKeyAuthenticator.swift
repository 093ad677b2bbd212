import Core
import HTTPTypes
import Hummingbird

/// Recognises `Authorization: Bearer <key>`. Without the header it leaves the request
/// unauthenticated for the next authenticator (or the 401 of the authenticated group); a
/// malformed header, or a key that is unknown, revoked or expired, ends the request with 401.
///
/// Guessing is braked per client (IPv4 address or IPv6 /64): a failure slot is reserved
/// before the key is checked, so concurrent guesses cannot slip past the limit, and given
/// back when the key is good. A key this process verified moments ago is no guess and
/// passes a brake that is on.
struct BearerKeyAuthenticator: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    let apiKeys: ApiKeyService
    let failures: RateLimiter
    let failureLimit: RateLimit

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.identity == nil, let header = request.headers[.authorization] else { return try await next(request, context) }
        let token = try Self.bearerToken(header)
        let hash = apiKeys.hash(token: token)
        var reservation: RateLimiter.Reservation?
        if !SecretMaterial.looksLikeApiKey(token) || !apiKeys.isRecentlyVerified(hash: hash) {
            let reserved = failures.reserve(context.clientAddress?.clientGroup ?? "unknown", limit: failureLimit)
            guard reserved.decision.allowed else {
                let wait = reserved.decision.resetSeconds
                throw SwitchboardError(
                    .rateLimited, code: "too_many_auth_failures",
                    message: "too many failed authentications from this address; retry in \(wait) s", headers: [.init("Retry-After", String(wait))])
            }
            reservation = reserved
        }
        var context = context
        do {
            context.identity = try await apiKeys.authenticate(token: token, hash: hash, from: context.clientAddress?.description)
        } catch let error as SwitchboardError where error.category == .unauthenticated {
            throw error
        } catch {
            // Not a verdict on the key (the database is unavailable): not a failure.
            reservation.map(failures.refund)
            throw error
        }
        reservation.map(failures.refund)
        return try await next(request, context)
    }

    /// The key in `Bearer <key>`, or a 401 saying what is wrong with the header.
    static func bearerToken(_ header: String) throws -> String {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw SwitchboardError(.unauthenticated, code: "invalid_authorization", message: "the Authorization header must be 'Bearer <key>'")
        }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }
}
