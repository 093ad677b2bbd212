import Core
import HTTPTypes
import Hummingbird

/// Recognises `Authorization: Bearer <key>`. Without the header it leaves the request
/// unauthenticated for the next authenticator (or the 401 of the authenticated group); a
/// malformed header, or a key that is unknown, revoked or expired, ends the request with 401.
/// Guessing is braked by the verifier.
struct BearerKeyAuthenticator: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    let verifier: KeyVerifier

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.identity == nil, let header = request.headers[.authorization] else { return try await next(request, context) }
        let token = try Self.bearerToken(header)
        var context = context
        context.identity = try await verifier.verify(token: token, clientAddress: context.clientAddress)
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
