import Hummingbird

/// A context whose body limit middleware can set.
protocol BodyLimitedContext: RequestContext {
    var maxUploadSize: Int { get set }
}

extension SwitchboardRequestContext: BodyLimitedContext {}
extension AuthenticatedRequestContext: BodyLimitedContext {}

/// Sets the largest body the rest of the chain reads: the configured `MAX_BODY_BYTES` for
/// every request, then each API route's declared limit (`APIRoute.BodyLimit`).
struct BodyLimitMiddleware<Context: BodyLimitedContext>: RouterMiddleware {
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.maxUploadSize = limit
        return try await next(request, context)
    }
}

/// The byte limits the settings give each `APIRoute.BodyLimit`.
struct BodyLimits: Sendable {
    let standard: Int
    let event: Int
    let batch: Int

    func bytes(_ limit: APIRoute.BodyLimit) -> Int {
        switch limit {
        case .standard: standard
        case .event: event
        case .batch: batch
        }
    }
}
