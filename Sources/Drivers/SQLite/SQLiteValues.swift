import Core
import Foundation
import GRDB

/// Conversions between Core's `SQLValue` and GRDB's `DatabaseValue`.
enum SQLiteValues {
    /// SQLite has no uuid, boolean or timestamp types: UUIDs are stored as lower-case text,
    /// booleans as 0/1 and timestamps as ISO-8601 UTC text, which sorts in time order.
    static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let integer): integer.databaseValue
        case .real(let real): real.databaseValue
        case .text(let text): text.databaseValue
        case .blob(let bytes): Data(bytes).databaseValue
        case .bool(let flag): (flag ? Int64(1) : Int64(0)).databaseValue
        case .uuid(let uuid): uuid.uuidString.lowercased().databaseValue
        case .timestamp(let date): Timestamp.format(date).databaseValue
        }
    }

    static func arguments(_ query: SQLQuery) -> StatementArguments {
        StatementArguments(query.binds.map(databaseValue))
    }

    static func sqlValue(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let integer): .integer(integer)
        case .double(let real): .real(real)
        case .string(let text): .text(text)
        case .blob(let data): .blob([UInt8](data))
        }
    }

    static func rows(_ rows: [Row]) -> [SQLRow] {
        rows.map { row in
            SQLRow(columns: Array(row.columnNames), values: row.databaseValues.map(sqlValue))
        }
    }

    /// Maps GRDB's errors to Core's, keeping the message.
    static func translate(_ error: any Error) -> any Error {
        guard let databaseError = error as? DatabaseError else { return error }
        switch databaseError.extendedResultCode {
        case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
            return StorageError.uniqueViolation(detail: databaseError.message ?? "\(databaseError)")
        default:
            break
        }
        switch databaseError.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_CANTOPEN, .SQLITE_IOERR, .SQLITE_FULL:
            return StorageError.unavailable(detail: databaseError.message ?? "\(databaseError)")
        default:
            return StorageError.driver(detail: "\(databaseError)")
        }
    }
}
