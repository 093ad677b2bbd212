import Core
import HTTPTypes
import Hummingbird
import Logging
import Metrics

/// Turns every error a request can end in into the error envelope with the right
/// status, and stamps each response with its request id. Unexpected errors become a 500
/// whose details go to the log, not to the client; a path that exists with other methods is
/// answered 405 with `Allow` instead of 404.
struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try answer(for: error, request: request, context: context).response(from: request, context: context)
        }
        response.headers[.requestID] = context.id
        return response
    }

    func answer(for error: any Error, request: Request, context: Context) -> SwitchboardError {
        var answer = SwitchboardError(translating: error)
        switch answer.category {
        case .notFound where error is HTTPError:
            answer = Self.unmatched(request)
        case .payloadTooLarge where !(error is SwitchboardError):
            answer = SwitchboardError(
                .payloadTooLarge, code: "payload_too_large", message: "request body exceeds the limit of \(maxBodyBytes) bytes")
        case .unavailable:
            context.logger.error("database unavailable", metadata: ["error": "\(answer.detail ?? answer.message)"])
        case .internalError:
            context.logger.error("request failed", metadata: ["error": "\(answer.detail ?? "-")"])
            answer = SwitchboardError(
                .internalError, code: "internal_error", message: "internal error; see the server log for request \(context.id)")
        case .unauthenticated, .forbidden:
            Counter(label: "switchboard_auth_failures_total", dimensions: [("reason", answer.code)]).increment()
        case .rateLimited:
            Counter(label: "switchboard_rate_limit_rejections_total", dimensions: [("reason", answer.code)]).increment()
        default:
            break
        }
        return answer
    }

    /// 405 with `Allow` when the path exists with other methods, else 404.
    static func unmatched(_ request: Request) -> SwitchboardError {
        let allowed = APIRoute.methods(forPath: request.uri.path)
        guard allowed.isEmpty else {
            return SwitchboardError(
                .methodNotAllowed, code: "method_not_allowed",
                message: "\(request.method.rawValue) is not allowed on \(request.uri.path); use \(allowed.joined(separator: ", "))",
                headers: [.init("Allow", allowed.joined(separator: ", "))])
        }
        return SwitchboardError(.notFound, code: "not_found", message: "no route for \(request.method.rawValue) \(request.uri.path)")
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: lets a client quote the request when reporting a problem.
    static let requestID = HTTPField.Name("X-Request-Id")!
}
