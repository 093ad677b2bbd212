import Core
import Foundation
import HTTPTypes
import Hummingbird

/// Checks every API request before its handler runs: who sent it (client address), whether
/// that address is hammering us with bad keys, the bearer key, the key's address allowlist,
/// its quota, and the permission the route needs.
struct RouteGuard: Sendable {
    let apiKeys: ApiKeyService
    let addresses: ClientAddressResolver
    /// Key quotas: one bucket per API key (as many as there are keys).
    let quotas: RateLimiter
    /// Failed authentications: one bucket per client (IPv4 address or IPv6 /64), capped.
    let authFailures: RateLimiter
    let defaultLimit: RateLimit
    let authFailureLimit: RateLimit

    /// Authorises the request and returns the `RateLimit-*` headers to send with the answer.
    /// Failures are 401 (no usable key), 403 (address or permission) or 429 (quota), thrown
    /// with those headers attached where they apply.
    func authorize(_ request: Request, context: inout SwitchboardRequestContext, for route: APIRoute) async throws -> HTTPFields {
        let client = addresses.clientAddress(peer: context.clientAddress, forwardedFor: request.headers[.xForwardedFor])
        context.resolvedClientAddress = client?.description
        // A request with no key at all has nothing to guess: it is told so and not counted.
        let token = try Self.bearerToken(request)
        // A token that is not a recently verified key may be a guess: a failure slot is taken
        // before it is checked (so concurrent guesses cannot all slip under the limit) and
        // given back if the key turns out good.
        var reservation: RateLimiter.Reservation?
        if !apiKeys.isRecentlyVerified(token: token) {
            let reserved = authFailures.reserve(client?.clientGroup ?? "unknown", limit: authFailureLimit)
            guard reserved.decision.allowed else {
                let wait = reserved.decision.resetSeconds
                throw HeaderedError(
                    SwitchboardError(.rateLimited, code: "too_many_auth_failures", message: "too many failed authentications from this address; retry in \(wait) s"),
                    headers: [.retryAfter: String(wait)])
            }
            reservation = reserved
        }
        let key: ApiKey
        do {
            key = try await apiKeys.authenticate(token: token, from: client?.description)
        } catch let error as SwitchboardError where error.category == .unauthenticated {
            throw error
        } catch {
            // Not a verdict on the token (the database is unavailable): not a failure.
            reservation.map(authFailures.refund)
            throw error
        }
        reservation.map(authFailures.refund)
        guard key.allows(client) else {
            throw HeaderedError(
                SwitchboardError(.forbidden, code: "ip_not_allowed", message: "this API key may not be used from \(client?.description ?? "an unknown address")"),
                headers: [:], keyID: key.id)
        }
        let decision = quotas.consume(key.id.uuidString, limit: key.rateLimit ?? defaultLimit)
        let headers = Self.headers(decision)
        guard decision.allowed else {
            var withRetry = headers
            withRetry[.retryAfter] = String(decision.resetSeconds)
            throw HeaderedError(
                SwitchboardError(.rateLimited, code: "rate_limited", message: "this API key is over its limit of \(decision.limit) requests; retry in \(decision.resetSeconds) s"),
                headers: withRetry, keyID: key.id)
        }
        guard key.permissions.grants(route.permission) else {
            throw HeaderedError(
                SwitchboardError(.forbidden, code: "insufficient_permissions", message: "this API key lacks the '\(route.permission.rawValue)' permission"),
                headers: headers, keyID: key.id)
        }
        context.apiKey = key
        return headers
    }

    /// The key in `Authorization: Bearer <key>`, or a 401 saying what is wrong with the header.
    static func bearerToken(_ request: Request) throws -> String {
        guard let header = request.headers[.authorization] else {
            throw SwitchboardError(.unauthenticated, code: "missing_api_key", message: "send an API key as 'Authorization: Bearer <key>'")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw SwitchboardError(.unauthenticated, code: "invalid_authorization", message: "the Authorization header must be 'Bearer <key>'")
        }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }

    /// The IETF draft's `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`.
    static func headers(_ decision: RateLimiter.Decision) -> HTTPFields {
        [
            .rateLimitLimit: String(decision.limit),
            .rateLimitRemaining: String(decision.remaining),
            .rateLimitReset: String(decision.resetSeconds),
        ]
    }
}

/// An error that must be answered with extra headers (rate-limit figures, `Retry-After`),
/// and, when an authenticated key caused it, which key (for its usage counts).
struct HeaderedError: Error {
    let base: any Error
    let headers: HTTPFields
    let keyID: UUID?

    init(_ base: any Error, headers: HTTPFields, keyID: UUID? = nil) {
        self.base = base
        self.headers = headers
        self.keyID = keyID
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let rateLimitLimit = HTTPField.Name("RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("RateLimit-Reset")!
}
