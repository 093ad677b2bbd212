import Core
import HTTPTypes
import Hummingbird
import NIOCore

/// Switchboard's errors answer for themselves in the error envelope, with their headers.
extension SwitchboardError: HTTPResponseError {
    package var status: HTTPResponse.Status {
        switch category {
        case .badRequest: .badRequest
        case .validation: .unprocessableContent
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .rateLimited: .tooManyRequests
        case .internalError: .internalServerError
        case .unavailable: .serviceUnavailable
        case .badGateway: .badGateway
        case .gatewayTimeout: .gatewayTimeout
        }
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        var answer = APIResponse.failure(status: status, code: code, message: message)
        for header in headers {
            if let name = HTTPField.Name(header.name) { answer.extraHeaders.append(HTTPField(name: name, value: header.value)) }
        }
        return try answer.response(from: request, context: context)
    }

    /// Any error a request can end in, as the answer it gets: Switchboard's own errors as
    /// they are; the framework's, the body limit and the storage layer's mapped to what a
    /// client can act on; anything else a 500 whose `detail` goes to the log only.
    init(translating error: any Error) {
        switch error {
        case let error as SwitchboardError:
            self = error
        case let error as HTTPError:
            let code = error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
            self.init(Self.category(of: error.status), code: code, message: error.body ?? error.status.reasonPhrase)
        case is NIOTooManyBytesError:
            self.init(.payloadTooLarge, code: "payload_too_large", message: "the request body is larger than this route accepts")
        case StorageError.unavailable(let detail):
            self.init(.unavailable, code: "database_unavailable", message: "the database is unavailable; try again shortly", detail: detail)
        case StorageError.uniqueViolation(let detail):
            self.init(.conflict, code: "conflict", message: "a record with the same unique value already exists", detail: detail)
        default:
            self.init(.internalError, code: "internal_error", message: "internal error", detail: String(reflecting: error))
        }
    }

    /// The category of a framework status (only the ones the framework throws matter).
    private static func category(of status: HTTPResponse.Status) -> Category {
        switch status.code {
        case 401: .unauthenticated
        case 403: .forbidden
        case 404: .notFound
        case 405: .methodNotAllowed
        case 409: .conflict
        case 413: .payloadTooLarge
        case 415: .unsupportedMediaType
        case 422: .validation
        case 429: .rateLimited
        case 503: .unavailable
        case 500...: .internalError
        default: .badRequest
        }
    }
}

extension SwitchboardError.Header {
    /// A header from the HTTP types' field.
    init(_ field: HTTPField) {
        self.init(field.name.canonicalName, field.value)
    }
}
