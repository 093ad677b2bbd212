import Foundation

/// A value bound to a statement parameter or read from a result column.
///
/// Drivers map each case to their native type: `.uuid` becomes `uuid` on PostgreSQL and text
/// elsewhere, `.timestamp` becomes `timestamptz`/`DATETIME(6)`/ISO-8601 text, `.bool` an integer
/// where the database has no boolean type.
package enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case bool(Bool)
    case uuid(UUID)
    case timestamp(Date)
}

/// Types that can be bound as a statement parameter.
package protocol SQLBindable: Sendable {
    /// The value as it is sent to the database.
    var sqlValue: SQLValue { get }
}

extension String: SQLBindable { package var sqlValue: SQLValue { .text(self) } }
extension Int: SQLBindable { package var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { package var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { package var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLBindable { package var sqlValue: SQLValue { .bool(self) } }
extension UUID: SQLBindable { package var sqlValue: SQLValue { .uuid(self) } }
extension Date: SQLBindable { package var sqlValue: SQLValue { .timestamp(self) } }
extension SQLValue: SQLBindable { package var sqlValue: SQLValue { self } }

extension Optional: SQLBindable where Wrapped: SQLBindable {
    package var sqlValue: SQLValue { self?.sqlValue ?? .null }
}
