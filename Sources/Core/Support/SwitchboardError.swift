/// A request that broke a rule, with a stable machine-readable code and a message that says
/// what to fix. The server maps each category to an HTTP status once, and sends `headers`
/// with the answer (`Retry-After`, `RateLimit-*`, `Allow`), so they travel with the error
/// through every layer that rethrows it.
package struct SwitchboardError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broad kind of failure; decides the HTTP status.
    package enum Category: Sendable, Equatable {
        /// Malformed input (400).
        case badRequest
        /// Well-formed but invalid values (422).
        case validation
        /// No usable credentials (401).
        case unauthenticated
        /// Credentials lack a permission (403).
        case forbidden
        /// No such resource (404).
        case notFound
        /// The resource exists but not with this method (405).
        case methodNotAllowed
        /// Clashes with current state (409).
        case conflict
        /// Body over the limit (413).
        case payloadTooLarge
        /// Body in a format other than JSON (415).
        case unsupportedMediaType
        /// Over a rate limit (429).
        case rateLimited
        /// Something unexpected went wrong on our side (500); `detail` says what, for the log
        /// only.
        case internalError
        /// The database or a dependency is down (503).
        case unavailable
        /// The gateway's upstream (the CRM) could not be reached or answered wrongly (502).
        case badGateway
        /// The gateway's upstream did not answer in time (504).
        case gatewayTimeout
    }

    /// A header to send with the answer.
    package struct Header: Sendable, Equatable {
        package let name: String
        package let value: String

        /// Creates a header.
        package init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    package let category: Category
    /// Stable code for clients, e.g. `validation_failed`.
    package let code: String
    /// Human-readable explanation.
    package let message: String
    /// Headers the answer carries (`Retry-After`, `RateLimit-*`, `Allow`).
    package var headers: [Header]
    /// What actually failed, for the server log; never sent to clients.
    package var detail: String?

    /// Creates an error.
    package init(_ category: Category, code: String, message: String, headers: [Header] = [], detail: String? = nil) {
        self.category = category
        self.code = code
        self.message = message
        self.headers = headers
        self.detail = detail
    }

    package var description: String { "\(code): \(message)" + (detail.map { " (\($0))" } ?? "") }

    /// The same error with `more` headers; a header already present keeps its first value.
    package func adding(_ more: [Header]) -> SwitchboardError {
        var copy = self
        let names = Set(headers.map { $0.name.lowercased() })
        copy.headers += more.filter { !names.contains($0.name.lowercased()) }
        return copy
    }

    /// A value that fails validation.
    package static func invalid(_ message: String) -> SwitchboardError {
        SwitchboardError(.validation, code: "validation_failed", message: message)
    }

    /// A body or parameter that cannot be read at all.
    package static func badRequest(_ message: String, code: String = "bad_request") -> SwitchboardError {
        SwitchboardError(.badRequest, code: code, message: message)
    }

    /// A resource that does not exist.
    package static func notFound(_ resource: String, id: String) -> SwitchboardError {
        SwitchboardError(.notFound, code: "not_found", message: "\(resource) \(id) does not exist")
    }
}
