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

    /// The key in `Bearer <key>`, or a 401 saying what is wrong with the header. Read as
    /// bytes: it runs on every request, and Foundation's trimming was a tenth of a verify
    /// answer's cost in a profile.
    static func bearerToken(_ header: String) throws -> String {
        let bytes = Array(header.utf8)
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        var start = 0
        while start < bytes.count, isSpace(bytes[start]) { start += 1 }
        let scheme = Array("bearer".utf8)
        guard bytes.count > start + scheme.count, isSpace(bytes[start + scheme.count]),
            zip(bytes[start..<(start + scheme.count)], scheme).allSatisfy({ ($0 | 0x20) == $1 })
        else {
            throw SwitchboardError(
                .unauthenticated, code: "invalid_authorization", message: "the Authorization header must be 'Bearer <key>'")
        }
        var from = start + scheme.count
        while from < bytes.count, isSpace(bytes[from]) { from += 1 }
        var end = bytes.count
        while end > from, isSpace(bytes[end - 1]) { end -= 1 }
        guard from < end else {
            throw SwitchboardError(
                .unauthenticated, code: "invalid_authorization", message: "the Authorization header must be 'Bearer <key>'")
        }
        return String(decoding: bytes[from..<end], as: UTF8.self)
    }
}
