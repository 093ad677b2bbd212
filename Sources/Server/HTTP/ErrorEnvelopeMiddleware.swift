import HTTPTypes
import Core
import Hummingbird
import Logging
import NIOCore

/// Turns every error a request can end in into the seed's error envelope with the right
/// status, and stamps each response with its request id. Unexpected errors become a 500
/// whose details go to the log, not to the client.
struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try envelope(for: error, request: request, context: context).response(from: request, context: context)
        }
        response.headers[.requestID] = context.id
        return response
    }

    func envelope(for error: any Error, request: Request, context: Context) -> APIResponse {
        switch error {
        case let error as HeaderedError:
            var answer = envelope(for: error.base, request: request, context: context)
            answer.extraHeaders.append(contentsOf: error.headers)
            return answer
        case let error as SwitchboardError:
            return .failure(status: Self.status(for: error.category), code: error.code, message: error.message)
        case let error as HTTPError:
            return Self.envelope(for: error, request: request)
        case is NIOTooManyBytesError:
            return .failure(status: .contentTooLarge, code: "payload_too_large", message: "request body exceeds the limit of \(maxBodyBytes) bytes")
        case StorageError.unavailable(let detail):
            context.logger.error("database unavailable", metadata: ["error": "\(detail)"])
            return .failure(status: .serviceUnavailable, code: "database_unavailable", message: "the database is unavailable; try again shortly")
        case StorageError.uniqueViolation:
            return .failure(status: .conflict, code: "conflict", message: "a record with the same unique value already exists")
        default:
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return .failure(status: .internalServerError, code: "internal_error", message: "internal error; see the server log for request \(context.id)")
        }
    }

    static func envelope(for error: HTTPError, request: Request) -> APIResponse {
        switch error.status {
        case .notFound:
            let allowed = APIRoute.methods(forPath: request.uri.path)
            guard allowed.isEmpty else {
                var answer = APIResponse.failure(
                    status: .methodNotAllowed, code: "method_not_allowed",
                    message: "\(request.method.rawValue) is not allowed on \(request.uri.path); use \(allowed.joined(separator: ", "))")
                answer.extraHeaders[.allow] = allowed.joined(separator: ", ")
                return answer
            }
            return .failure(status: .notFound, code: "not_found", message: "no route for \(request.method.rawValue) \(request.uri.path)")
        case .methodNotAllowed:
            return .failure(status: .methodNotAllowed, code: "method_not_allowed", message: "\(request.method.rawValue) is not allowed on \(request.uri.path)")
        case .contentTooLarge:
            return .failure(status: .contentTooLarge, code: "payload_too_large", message: error.body ?? "request body too large")
        default:
            let code = error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
            return .failure(status: error.status, code: code, message: error.body ?? error.status.reasonPhrase)
        }
    }

    /// The status an error will be answered with.
    static func status(of error: any Error) -> HTTPResponse.Status {
        switch error {
        case let error as HeaderedError: status(of: error.base)
        case let error as SwitchboardError: status(for: error.category)
        case let error as HTTPError: error.status
        case is NIOTooManyBytesError: .contentTooLarge
        case StorageError.unavailable: .serviceUnavailable
        case StorageError.uniqueViolation: .conflict
        default: .internalServerError
        }
    }

    static func status(for category: SwitchboardError.Category) -> HTTPResponse.Status {
        switch category {
        case .badRequest: .badRequest
        case .validation: .unprocessableContent
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        }
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: lets a client quote the request when reporting a problem.
    static let requestID = HTTPField.Name("X-Request-Id")!
}
