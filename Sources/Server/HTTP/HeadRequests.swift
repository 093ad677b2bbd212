import HTTPTypes
import Hummingbird

extension RouterMethods {
    /// Answers GET and HEAD on `path` with one handler (RFC 9110 §9.3.2: HEAD wherever GET);
    /// `HeadMiddleware` keeps the status and headers of HEAD's answer and drops its body.
    @discardableResult
    func getAndHead(_ path: RouterPath, use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator) -> Self
    {
        on(path, method: .get, use: handler)
        return on(path, method: .head, use: handler)
    }
}

/// Answers HEAD with the status and headers the same GET would get, and no body: a streamed
/// body (the event stream) is never started, and `Content-Length` stays the GET's.
struct HeadMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .head else { return try await next(request, context) }
        let response = try await next(request, context)
        return Response(
            status: response.status, headers: response.headers,
            body: ResponseBody(contentLength: nil) { writer in try await writer.finish(nil) })
    }
}
