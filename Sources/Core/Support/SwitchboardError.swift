/// A request that broke a rule, with a stable machine-readable code and a message that says
/// what to fix. The server maps each category to an HTTP status once.
public struct SwitchboardError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broad kind of failure; decides the HTTP status.
    public enum Category: Sendable, Equatable {
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
        /// Clashes with current state (409).
        case conflict
        /// Body over the limit (413).
        case payloadTooLarge
        /// Body in a format other than JSON (415).
        case unsupportedMediaType
        /// Over a rate limit (429).
        case rateLimited
        /// The database or a dependency is down (503).
        case unavailable
    }

    public let category: Category
    /// Stable code for clients, e.g. `validation_failed`.
    public let code: String
    /// Human-readable explanation.
    public let message: String

    /// Creates an error.
    public init(_ category: Category, code: String, message: String) {
        self.category = category
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    /// A value that fails validation.
    public static func invalid(_ message: String) -> SwitchboardError {
        SwitchboardError(.validation, code: "validation_failed", message: message)
    }

    /// A body or parameter that cannot be read at all.
    public static func badRequest(_ message: String, code: String = "bad_request") -> SwitchboardError {
        SwitchboardError(.badRequest, code: code, message: message)
    }

    /// A resource that does not exist.
    public static func notFound(_ resource: String, id: String) -> SwitchboardError {
        SwitchboardError(.notFound, code: "not_found", message: "\(resource) \(id) does not exist")
    }
}
