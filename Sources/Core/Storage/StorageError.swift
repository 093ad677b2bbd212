/// Failures of the storage layer itself, as opposed to a request that breaks a rule.
package enum StorageError: Error, Sendable, CustomStringConvertible {
    /// A column that must hold a value was null.
    case unexpectedNull(String)
    /// A column held a value of another type than the store expected.
    case typeMismatch(column: String, expected: String, found: SQLValue)
    /// A unique constraint rejected a write; `detail` is the driver's message.
    case uniqueViolation(detail: String)
    /// The database could not be reached or the connection broke.
    case unavailable(detail: String)
    /// `DATABASE_URL` could not be used.
    case invalidURL(String)
    /// Any other error the driver reported.
    case driver(detail: String)

    package var description: String {
        switch self {
        case .unexpectedNull(let column): "column \(column) was unexpectedly null"
        case .typeMismatch(let column, let expected, let found): "column \(column): expected \(expected), found \(found)"
        case .uniqueViolation(let detail): "unique constraint violated: \(detail)"
        case .unavailable(let detail): "database unavailable: \(detail)"
        case .invalidURL(let detail): "invalid DATABASE_URL: \(detail)"
        case .driver(let detail): "database error: \(detail)"
        }
    }
}

extension StorageError {
    /// Whether the failure belongs to the statements that were run (a constraint, a value the
    /// database refused) rather than to the database as a whole (unreachable, misconfigured):
    /// the same work split differently may then succeed in part.
    package var isPerStatement: Bool {
        switch self {
        case .unavailable, .invalidURL: false
        case .unexpectedNull, .typeMismatch, .uniqueViolation, .driver: true
        }
    }
}
