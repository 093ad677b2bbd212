import Core
import Foundation
import NIOCore
import PostgresNIO

/// Conversions between Core's values and postgres-nio's, and between their errors.
enum PostgresValues {
    /// The statement text with `$n` placeholders and its values bound with their native types.
    static func query(_ query: SQLQuery) throws -> PostgresQuery {
        var bindings = PostgresBindings(capacity: query.binds.count)
        for value in query.binds {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .real(let real): bindings.append(real)
            case .text(let text): bindings.append(text)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            case .bool(let flag): bindings.append(flag)
            case .uuid(let uuid): bindings.append(uuid)
            // Millisecond precision, as every driver stores, so a value reads back equal.
            case .timestamp(let date): bindings.append(Timestamp.rounded(date))
            }
        }
        return PostgresQuery(unsafeSQL: query.sql(in: .postgres), binds: bindings)
    }

    static func rows(_ rows: [PostgresRow]) throws -> [SQLRow] {
        guard let first = rows.first else { return [] }
        let columns = first.map(\.columnName)
        return try rows.map { row in SQLRow(columns: columns, values: try row.map(value)) }
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .numeric:
            // SUM over integer columns answers numeric; keep whole numbers integers.
            let number = NSDecimalNumber(decimal: try cell.decode(Decimal.self))
            return number.doubleValue.rounded() == number.doubleValue && abs(number.doubleValue) < 9e15
                ? .integer(number.int64Value) : .real(number.doubleValue)
        case .bool: return .bool(try cell.decode(Bool.self))
        case .uuid: return .uuid(try cell.decode(UUID.self))
        // Rounded to the millisecond it was stored with, so the value equals the one written
        // (microseconds through a Double can land a hair off).
        case .timestamptz, .timestamp: return .timestamp(Timestamp.rounded(try cell.decode(Date.self)))
        case .bytea: return .blob(try cell.decode([UInt8].self))
        default: return .text(try cell.decode(String.self))
        }
    }

    /// The SQLSTATE of a server error, if the error came from the server.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Serialization failure and deadlock: the transaction was rolled back and may be rerun.
    static let retryableStates: Set<String> = ["40001", "40P01"]

    /// Maps postgres-nio's errors to Core's: lost or refused connections become `unavailable`
    /// (503 to API clients) so callers can tell an outage from a bad statement.
    static func translate(_ error: any Error) -> any Error {
        if error is StorageError || error is CancellationError { return error }
        guard let psql = error as? PSQLError else {
            if error is PostgresDecodingError { return StorageError.driver(detail: "\(error)") }
            // Socket, TLS and timeout errors from the layers below: the server is out of reach.
            return StorageError.unavailable(detail: "\(error)")
        }
        if let state = sqlState(psql) {
            let message = psql.serverInfo?[.message] ?? "\(psql)"
            switch state {
            case "23505": return StorageError.uniqueViolation(detail: message)
            case _ where retryableStates.contains(state):
                return StorageError.unavailable(detail: "transaction conflict: \(message)")
            case _ where state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57"):
                return StorageError.unavailable(detail: message)
            default: return StorageError.driver(detail: "\(message) (SQLSTATE \(state))")
            }
        }
        return StorageError.unavailable(detail: "\(psql.code)")
    }
}
