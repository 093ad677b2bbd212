import Core
import HTTPTypes
import Hummingbird

/// Recognises the console's session cookie when no earlier authenticator recognised the
/// caller. The session and its key are checked on every request (a revoked, regenerated or
/// expired key ends its sessions); an ended session answers 401 and clears the cookie.
///
/// A cookie is sent by the browser on its own, so a request that changes something must
/// also prove it comes from the console: the session's CSRF token in `X-CSRF-Token`, and an
/// `Origin` naming this server. Otherwise 403 `csrf_failed`.
struct SessionCookieAuthenticator: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    let sessions: SessionService

    /// The header the CSRF token travels in.
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.identity == nil, let token = request.cookies[SessionService.cookieName]?.value, !token.isEmpty else {
            return try await next(request, context)
        }
        let resolved: (session: ConsoleSession, key: APIKey)
        do {
            resolved = try await sessions.resolve(token: token, from: context.clientAddress?.description)
        } catch let error as SwitchboardError where error.category == .unauthenticated {
            throw error.adding([SessionCookie.clearing])
        }
        if !Self.isSafe(request.method) {
            try Self.checkOrigin(request)
            guard let candidate = request.headers[Self.csrfHeader], sessions.isValidCSRFToken(candidate, for: token) else {
                throw SwitchboardError(
                    .forbidden, code: "csrf_failed",
                    message:
                        "requests that change something with the console's session cookie need its CSRF token in X-CSRF-Token (GET /api/session gives it)"
                )
            }
        }
        var context = context
        context.identity = resolved.key
        context.session = SessionCredentials(token: token, session: resolved.session)
        return try await next(request, context)
    }

    static func isSafe(_ method: HTTPRequest.Method) -> Bool {
        method == .get || method == .head || method == .options
    }

    /// Refuses a request whose `Origin` is missing or names another site than the `Host` it
    /// was sent to (a reverse proxy must pass the original `Host` on).
    static func checkOrigin(_ request: Request) throws {
        let failure = SwitchboardError(
            .forbidden, code: "csrf_failed",
            message: "this request's Origin is missing or is not this server; the console's session works only from its own pages")
        guard let origin = request.headers[.origin], let host = request.head.authority else { throw failure }
        let lowered = origin.lowercased()
        let authority: Substring
        if lowered.hasPrefix("https://") {
            authority = lowered.dropFirst(8)
        } else if lowered.hasPrefix("http://") {
            authority = lowered.dropFirst(7)
        } else {
            throw failure
        }
        guard authority == host.lowercased() else { throw failure }
    }
}

/// The `Set-Cookie` values of the console session.
enum SessionCookie {
    /// Sets the session cookie: host-only (`__Host-`), never readable by scripts, sent only
    /// on same-site requests, ending with the session's absolute timeout.
    static func setting(token: String, maxAge: Int) -> SwitchboardError.Header {
        .init("Set-Cookie", "\(SessionService.cookieName)=\(token); Path=/; Max-Age=\(maxAge); Secure; HttpOnly; SameSite=Strict")
    }

    /// Removes the session cookie from the browser.
    static let clearing = SwitchboardError.Header(
        "Set-Cookie", "\(SessionService.cookieName)=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict")
}
