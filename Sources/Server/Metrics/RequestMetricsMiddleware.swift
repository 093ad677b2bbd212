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
            Self.count(request, context: context, status: Int(ErrorEnvelopeMiddleware<Context>.status(of: error).code))
            throw error
        }
        Self.count(request, context: context, status: status)
        return response
    }

    private static func count(_ request: Request, context: Context, status: Int) {
        // The pattern, not the concrete path, so ids do not explode the label space.
        let route = context.endpointPath ?? "unmatched"
        Counter(label: "switchboard_http_requests_total", dimensions: [
            ("method", request.method.rawValue), ("route", route), ("status", String(status)),
        ]).increment()
    }
}

/// Counters for requests the route guard turned away.
enum GuardMetrics {
    /// Counts a refusal: 401/403 as authentication failures, 429 as rate-limit rejections,
    /// labelled with the error code (`invalid_api_key`, `rate_limited`, …).
    static func count(_ error: any Error) {
        let base = (error as? HeaderedError)?.base ?? error
        guard let refusal = base as? SwitchboardError else { return }
        switch refusal.category {
        case .unauthenticated, .forbidden:
            Counter(label: "switchboard_auth_failures_total", dimensions: [("reason", refusal.code)]).increment()
        case .rateLimited:
            Counter(label: "switchboard_rate_limit_rejections_total", dimensions: [("reason", refusal.code)]).increment()
        default:
            break
        }
    }
}
