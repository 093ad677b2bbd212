import CMariaDB
import Core
import Foundation

/// Bound values laid out as libmariadb's `MYSQL_BIND` array. The buffers live only for the
/// call to `withBinds`, which is when the statement is bound and executed.
struct MySQLParameters {
    let values: [SQLValue]

    init(_ values: [SQLValue]) {
        self.values = values
    }

    func withBinds<Result>(_ body: (UnsafeMutableBufferPointer<MYSQL_BIND>) throws -> Result) throws -> Result {
        var allocations: [UnsafeMutableRawPointer] = []
        defer { for allocation in allocations { allocation.deallocate() } }
        var binds = [MYSQL_BIND](repeating: MYSQL_BIND(), count: values.count)

        func store<Value>(_ value: Value, as type: enum_field_types, at index: Int) {
            let pointer = UnsafeMutablePointer<Value>.allocate(capacity: 1)
            pointer.initialize(to: value)
            allocations.append(UnsafeMutableRawPointer(pointer))
            binds[index].buffer = UnsafeMutableRawPointer(pointer)
            binds[index].buffer_type = type
        }
        func store(bytes: some Collection<UInt8>, as type: enum_field_types, at index: Int) {
            let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            pointer.copyMemory(from: Array(bytes), byteCount: bytes.count)
            allocations.append(pointer)
            binds[index].buffer = pointer
            binds[index].buffer_length = UInt(bytes.count)
            binds[index].buffer_type = type
        }

        for (index, value) in values.enumerated() {
            switch value {
            case .null: binds[index].buffer_type = MYSQL_TYPE_NULL
            case .integer(let integer): store(integer, as: MYSQL_TYPE_LONGLONG, at: index)
            case .real(let real): store(real, as: MYSQL_TYPE_DOUBLE, at: index)
            case .text(let text): store(bytes: text.utf8, as: MYSQL_TYPE_STRING, at: index)
            case .blob(let bytes): store(bytes: bytes, as: MYSQL_TYPE_BLOB, at: index)
            case .bool(let flag): store(Int8(flag ? 1 : 0), as: MYSQL_TYPE_TINY, at: index)
            case .uuid(let uuid): store(bytes: uuid.uuidString.lowercased().utf8, as: MYSQL_TYPE_STRING, at: index)
            case .timestamp(let date): store(Self.time(date), as: MYSQL_TYPE_DATETIME, at: index)
            }
        }
        return try binds.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// A UTC `MYSQL_TIME` rounded to the millisecond, the precision every driver stores.
    static func time(_ date: Date) -> MYSQL_TIME {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
        let fraction = milliseconds - Int64(seconds) * 1000
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var time = MYSQL_TIME()
        time.year = UInt32(parts.tm_year + 1900)
        time.month = UInt32(parts.tm_mon + 1)
        time.day = UInt32(parts.tm_mday)
        time.hour = UInt32(parts.tm_hour)
        time.minute = UInt32(parts.tm_min)
        time.second = UInt32(parts.tm_sec)
        time.second_part = UInt(fraction * 1000)
        time.time_type = MYSQL_TIMESTAMP_DATETIME
        return time
    }
}

/// Reads every row of an executed statement's result set. Each column is fetched as text
/// into a small buffer, and fetched again into one of the right size when it did not fit;
/// the column's declared type then decides the `SQLValue`.
struct MySQLResultReader {
    let statement: UnsafeMutablePointer<MYSQL_STMT>
    let metadata: UnsafeMutablePointer<MYSQL_RES>

    private static let inlineCapacity = 128
    private static let integerTypes: Set<UInt32> = [
        MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_LONG, MYSQL_TYPE_LONGLONG, MYSQL_TYPE_INT24, MYSQL_TYPE_YEAR,
    ].map(\.rawValue).reduce(into: []) { $0.insert($1) }
    private static let realTypes: Set<UInt32> = [MYSQL_TYPE_FLOAT.rawValue, MYSQL_TYPE_DOUBLE.rawValue]
    private static let decimalTypes: Set<UInt32> = [MYSQL_TYPE_DECIMAL.rawValue, MYSQL_TYPE_NEWDECIMAL.rawValue]
    private static let timeTypes: Set<UInt32> = [
        MYSQL_TYPE_DATETIME, MYSQL_TYPE_TIMESTAMP, MYSQL_TYPE_DATETIME2, MYSQL_TYPE_TIMESTAMP2,
    ].map(\.rawValue).reduce(into: []) { $0.insert($1) }
    /// The "binary" character set: the column holds bytes, not text.
    private static let binaryCharset: UInt32 = 63

    func readAll(onError: (UnsafeMutablePointer<MYSQL_STMT>) -> MySQLFailure) throws -> [SQLRow] {
        let count = Int(mysql_num_fields(metadata))
        guard count > 0, let fields = mysql_fetch_fields(metadata) else { return [] }
        let names = (0..<count).map { String(cString: fields[$0].name) }
        let types = (0..<count).map { fields[$0].type.rawValue }
        let binary = (0..<count).map { fields[$0].charsetnr == Self.binaryCharset }

        let capacity = Self.inlineCapacity
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity * count, alignment: 8)
        let lengths = UnsafeMutablePointer<UInt>.allocate(capacity: count)
        let nulls = UnsafeMutablePointer<my_bool>.allocate(capacity: count)
        let truncations = UnsafeMutablePointer<my_bool>.allocate(capacity: count)
        defer {
            buffer.deallocate()
            lengths.deallocate()
            nulls.deallocate()
            truncations.deallocate()
        }
        var binds = [MYSQL_BIND](repeating: MYSQL_BIND(), count: count)
        for index in 0..<count {
            binds[index].buffer_type = MYSQL_TYPE_STRING
            binds[index].buffer = buffer + index * capacity
            binds[index].buffer_length = UInt(capacity)
            binds[index].length = lengths + index
            binds[index].is_null = nulls + index
            binds[index].error = truncations + index
        }
        if mysql_stmt_bind_result(statement, &binds) != 0 { throw onError(statement) }

        var rows: [SQLRow] = []
        while true {
            let status = mysql_stmt_fetch(statement)
            if status == MYSQL_NO_DATA { break }
            if status == 1 { throw onError(statement) }
            var values: [SQLValue] = []
            values.reserveCapacity(count)
            for index in 0..<count {
                if nulls[index] != 0 {
                    values.append(.null)
                    continue
                }
                let length = Int(lengths[index])
                let bytes: [UInt8]
                if length <= capacity {
                    bytes = Array(UnsafeRawBufferPointer(start: buffer + index * capacity, count: length))
                } else {
                    bytes = try fetchColumn(index, length: length, onError: onError)
                }
                values.append(Self.value(bytes, type: types[index], binary: binary[index]))
            }
            rows.append(SQLRow(columns: names, values: values))
        }
        return rows
    }

    private func fetchColumn(_ index: Int, length: Int, onError: (UnsafeMutablePointer<MYSQL_STMT>) -> MySQLFailure) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        var fetchedLength: UInt = 0
        try bytes.withUnsafeMutableBytes { raw in
            try withUnsafeMutablePointer(to: &fetchedLength) { lengthPointer in
                var column = MYSQL_BIND()
                column.buffer_type = MYSQL_TYPE_STRING
                column.buffer = raw.baseAddress
                column.buffer_length = UInt(length)
                column.length = lengthPointer
                if mysql_stmt_fetch_column(statement, &column, UInt32(index), 0) != 0 { throw onError(statement) }
            }
        }
        return bytes
    }

    private static func value(_ bytes: [UInt8], type: UInt32, binary: Bool) -> SQLValue {
        let text = String(decoding: bytes, as: UTF8.self)
        if integerTypes.contains(type), let integer = Int64(text) { return .integer(integer) }
        if realTypes.contains(type), let real = Double(text) { return .real(real) }
        if decimalTypes.contains(type) {
            if let integer = Int64(text) { return .integer(integer) }
            if let real = Double(text) { return .real(real) }
        }
        if timeTypes.contains(type), let date = Timestamp.parse(text) { return .timestamp(date) }
        if binary, !integerTypes.contains(type), !realTypes.contains(type), !decimalTypes.contains(type), !timeTypes.contains(type) {
            return .blob(bytes)
        }
        return .text(text)
    }
}
