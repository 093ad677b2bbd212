import Core
import Hummingbird
import Metrics

/// Counts every HTTP answer by method, route pattern and status, after errors have become
/// answers (it sits outside the error envelope).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let status: Int
        let response: Response
        do {
            response = try await next(request, context)
            status = Int(response.status.code)
        } catch {
            Self.count(request, context: context, status: Int(SwitchboardError(translating: error).status.code))
            throw error
        }
        Self.count(request, context: context, status: status)
        return response
    }

    private static func count(_ request: Request, context: Context, status: Int) {
        // The pattern, not the concrete path, so ids do not explode the label space.
        let route = context.endpointPath ?? "unmatched"
        Counter(
            label: "switchboard_http_requests_total",
            dimensions: [
                ("method", request.method.rawValue), ("route", route), ("status", String(status)),
            ]
        ).increment()
    }
}
