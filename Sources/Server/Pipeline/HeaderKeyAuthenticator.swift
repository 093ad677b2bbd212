import Core
import HTTPTypes
import Hummingbird

/// Recognises a key sent in a header of the operator's choosing (`AUTH_API_KEY_HEADER`, e.g.
/// `X-API-Key`), for CRMs whose own API takes `Authorization`. Used by `/auth/verify` and the
/// gateway in place of the Bearer authenticator; the same checks as a Bearer key.
struct HeaderKeyAuthenticator: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    let header: HTTPField.Name
    let verifier: KeyVerifier

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.identity == nil, let token = request.headers[header]?.trimmingCharacters(in: .whitespaces), !token.isEmpty else {
            return try await next(request, context)
        }
        var context = context
        context.identity = try await verifier.verify(token: token, clientAddress: context.clientAddress)
        return try await next(request, context)
    }
}
