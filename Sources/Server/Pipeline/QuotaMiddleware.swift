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
        let values = [String(decision.limit), String(decision.remaining), String(decision.resetSeconds)]
        guard decision.allowed else {
            let headers = zip(Self.names, values).map { SwitchboardError.Header($0.0.rawName, $0.1) }
            throw SwitchboardError(
                .rateLimited, code: "rate_limited",
                message: "this API key is over its limit of \(decision.limit) requests; retry in \(decision.resetSeconds) s",
                headers: headers + [.init("Retry-After", String(decision.resetSeconds))])
        }
        do {
            var response = try await next(request, context)
            for (name, value) in zip(Self.names, values) { response.headers[name] = value }
            return response
        } catch {
            throw SwitchboardError(translating: error).adding(zip(Self.names, values).map { SwitchboardError.Header($0.0.rawName, $0.1) })
        }
    }

    /// `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`, made once.
    static let names = [HTTPField.Name("RateLimit-Limit")!, HTTPField.Name("RateLimit-Remaining")!, HTTPField.Name("RateLimit-Reset")!]
}
