import HTTPTypes
import Hummingbird

/// Puts the browser security headers on every answer, API and console alike: a strict
/// Content-Security-Policy (own scripts and styles only, no inline code, Trusted Types so a
/// stray `innerHTML` throws instead of running markup), no MIME sniffing, no referrer, and a
/// browsing context of its own. It sits outermost so errors carry them too.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The policy the console is written for.
    static var contentSecurityPolicy: String { SecurityHeaderValues.contentSecurityPolicy }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[SecurityHeaderValues.referrerPolicy] = "no-referrer"
        response.headers[SecurityHeaderValues.openerPolicy] = "same-origin"
        return response
    }
}

/// The headers' names and values, made once (a generic type cannot hold stored statics).
enum SecurityHeaderValues {
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
        + "form-action 'self'; frame-ancestors 'none'; require-trusted-types-for 'script'"
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let openerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
}
