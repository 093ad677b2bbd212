import Foundation

/// One result row, with columns addressed by name.
package struct SQLRow: Sendable {
    /// Column names in result order.
    package let columns: [String]
    /// Values in the same order as `columns`.
    package let values: [SQLValue]

    /// Creates a row from parallel arrays of names and values.
    package init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The raw value of a column, or `.null` when the column is absent.
    package subscript(column: String) -> SQLValue {
        guard let index = columns.firstIndex(of: column) else { return .null }
        return values[index]
    }

    /// A text column; throws when it is null or of another type.
    package func string(_ column: String) throws -> String {
        guard let value = try optionalString(column) else { throw StorageError.unexpectedNull(column) }
        return value
    }

    /// A text column that may be null.
    package func optionalString(_ column: String) throws -> String? {
        switch self[column] {
        case .null: return nil
        case .text(let text): return text
        case .uuid(let uuid): return uuid.uuidString.lowercased()
        case .blob(let bytes): return String(decoding: bytes, as: UTF8.self)
        case let other: throw StorageError.typeMismatch(column: column, expected: "text", found: other)
        }
    }

    /// An integer column; throws when it is null or of another type.
    package func int(_ column: String) throws -> Int {
        guard let value = try optionalInt(column) else { throw StorageError.unexpectedNull(column) }
        return value
    }

    /// An integer column that may be null.
    package func optionalInt(_ column: String) throws -> Int? {
        switch self[column] {
        case .null: return nil
        case .integer(let value): return Int(value)
        case .bool(let flag): return flag ? 1 : 0
        case .real(let value) where Int(exactly: value) != nil: return Int(exactly: value)
        case .text(let text) where Int(text) != nil: return Int(text)
        case let other: throw StorageError.typeMismatch(column: column, expected: "integer", found: other)
        }
    }

    /// A floating-point column that may be null.
    package func optionalDouble(_ column: String) throws -> Double? {
        switch self[column] {
        case .null: return nil
        case .real(let value): return value
        case .integer(let value): return Double(value)
        case .text(let text) where Double(text) != nil: return Double(text)
        case let other: throw StorageError.typeMismatch(column: column, expected: "real", found: other)
        }
    }

    /// A boolean column, stored natively or as 0/1.
    package func bool(_ column: String) throws -> Bool {
        switch self[column] {
        case .bool(let flag): return flag
        case .integer(let value): return value != 0
        case .null: throw StorageError.unexpectedNull(column)
        case let other: throw StorageError.typeMismatch(column: column, expected: "boolean", found: other)
        }
    }

    /// A UUID column, stored natively or as text.
    package func uuid(_ column: String) throws -> UUID {
        guard let value = try optionalUUID(column) else { throw StorageError.unexpectedNull(column) }
        return value
    }

    /// A UUID column that may be null.
    package func optionalUUID(_ column: String) throws -> UUID? {
        switch self[column] {
        case .null: return nil
        case .uuid(let uuid): return uuid
        case .text(let text):
            guard let uuid = UUID(uuidString: text) else {
                throw StorageError.typeMismatch(column: column, expected: "uuid", found: .text(text))
            }
            return uuid
        case let other: throw StorageError.typeMismatch(column: column, expected: "uuid", found: other)
        }
    }

    /// A timestamp column; throws when it is null or unreadable.
    package func date(_ column: String) throws -> Date {
        guard let value = try optionalDate(column) else { throw StorageError.unexpectedNull(column) }
        return value
    }

    /// A timestamp column that may be null. Text is read as the UTC form drivers write.
    package func optionalDate(_ column: String) throws -> Date? {
        switch self[column] {
        case .null: return nil
        case .timestamp(let date): return date
        case .text(let text):
            guard let date = Timestamp.parse(text) else {
                throw StorageError.typeMismatch(column: column, expected: "timestamp", found: .text(text))
            }
            return date
        case let other: throw StorageError.typeMismatch(column: column, expected: "timestamp", found: other)
        }
    }
}
