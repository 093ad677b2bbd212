import Core
import HTTPTypes
import Hummingbird

/// Counts the request against the key's quota (its own `rateLimit`, or `API_RATE_LIMIT`),
/// shared by every server process on the database (`SharedQuota`):
/// over it, 429 `rate_limited` with `Retry-After`; either way the answer, error or not,
/// carries the IETF draft's `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`.
struct QuotaMiddleware: RouterMiddleware {
    typealias Context = AuthenticatedRequestContext
    let quotas: SharedQuota
    let defaultLimit: RateLimit

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let decision = quotas.consume(keyID: context.key.id, limit: context.key.rateLimit ?? defaultLimit)
        let headers: [SwitchboardError.Header] = [
            .init("RateLimit-Limit", String(decision.limit)),
            .init("RateLimit-Remaining", String(decision.remaining)),
            .init("RateLimit-Reset", String(decision.resetSeconds)),
        ]
        guard decision.allowed else {
            throw SwitchboardError(
                .rateLimited, code: "rate_limited",
                message: "this API key is over its limit of \(decision.limit) requests; retry in \(decision.resetSeconds) s",
                headers: headers + [.init("Retry-After", String(decision.resetSeconds))])
        }
        do {
            var response = try await next(request, context)
            for header in headers { response.headers[HTTPField.Name(header.name)!] = header.value }
            return response
        } catch {
            throw SwitchboardError(translating: error).adding(headers)
        }
    }
}
