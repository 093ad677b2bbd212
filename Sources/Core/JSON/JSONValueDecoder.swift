import Foundation

/// Decodes request types from a parsed JSON body, strictly and with errors a client can act
/// on: a field the type does not name is refused (400 `unknown_field`, checked against the
/// type's `CodingKeys`); `null` is accepted only where the type says a field may be null
/// (`Patch`); whole numbers must be exact; times must be ISO 8601 within
/// `Timestamp.acceptedRange`; strings must not hold NUL (`\u0000`); a `JSONValue` field takes
/// any JSON as it is (it is stored as JSON text, where NUL stays escaped). Every error names
/// the field (`rateLimit.requests`, `events[2]`) and is a 422 `validation_failed`.
package struct JSONValueDecoder {
    /// Decodes `T` from `value`.
    package static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try Node(value: value, path: []).decode(T.self)
    }

    /// One value being decoded and where it sits in the body.
    fileprivate struct Node: Decoder {
        let value: JSONValue
        let path: [any CodingKey]
        var codingPath: [any CodingKey] { path }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        var name: String { Self.name(of: path) }

        static func name(of path: [any CodingKey]) -> String {
            var text = ""
            for key in path {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "request body" : text
        }

        func mismatch(_ expected: String) -> SwitchboardError {
            if case .null = value { return .invalid("\(name) must not be null") }
            return .invalid("\(name) must be \(expected), not \(value.typeName)")
        }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            if type == JSONValue.self { return value as! T }
            if type == Date.self {
                guard case .string(let text) = value else { throw mismatch("an ISO-8601 timestamp such as 2027-01-01T00:00:00Z") }
                guard let date = Timestamp.parse(text) else {
                    throw SwitchboardError.invalid("\(name) must be an ISO-8601 timestamp such as 2027-01-01T00:00:00Z, not '\(text)'")
                }
                guard Timestamp.acceptedRange.contains(date) else {
                    throw SwitchboardError.invalid("\(name) must be \(Timestamp.acceptedRangeDescription), not '\(text)'")
                }
                return date as! T
            }
            return try T(from: self)
        }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            guard case .object(let members) = value else { throw mismatch("an object") }
            // Typos do not pass silently: a member the type has no key for is refused.
            if let unknown = members.first(where: { Key(stringValue: $0.key) == nil }) {
                let field = Self.name(of: path + [IndexKey(name: unknown.key)])
                let allowed =
                    (Key.self as? any CaseIterable.Type).map { keys in
                        "; allowed fields: " + Self.names(of: keys).joined(separator: ", ")
                    } ?? ""
                throw SwitchboardError.badRequest("unknown field '\(field)'\(allowed)", code: "unknown_field")
            }
            return KeyedDecodingContainer(Keyed<Key>(members: members, path: path))
        }

        private static func names<Keys: CaseIterable>(of keys: Keys.Type) -> [String] {
            keys.allCases.compactMap { ($0 as? any CodingKey)?.stringValue }
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            guard case .array(let items) = value else { throw mismatch("an array") }
            return Unkeyed(items: items, path: path)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(node: self) }

        // Scalars, shared by the single-value and the other containers.

        func string() throws -> String {
            guard case .string(let text) = value else { throw mismatch("a string") }
            // Names, URLs, descriptions are stored as text, and PostgreSQL refuses NUL in text.
            guard !text.utf8.contains(0) else {
                throw SwitchboardError.invalid("\(name) must not contain the NUL character (\\u0000); remove it")
            }
            return text
        }

        func bool() throws -> Bool {
            guard case .bool(let flag) = value else { throw mismatch("true or false") }
            return flag
        }

        func double() throws -> Double {
            guard case .number(let number) = value else { throw mismatch("a number") }
            return number
        }

        func integer<I: FixedWidthInteger>(_: I.Type) throws -> I {
            guard case .number(let number) = value else { throw mismatch("a whole number") }
            guard let integer = I(exactly: number) else { throw SwitchboardError.invalid("\(name) must be a whole number") }
            return integer
        }
    }

    fileprivate struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [(key: String, value: JSONValue)]
        let path: [any CodingKey]
        var codingPath: [any CodingKey] { path }
        var allKeys: [Key] { members.compactMap { Key(stringValue: $0.key) } }

        func contains(_ key: Key) -> Bool { members.contains { $0.key == key.stringValue } }

        func node(_ key: Key) throws -> Node {
            guard let member = members.first(where: { $0.key == key.stringValue }) else {
                throw SwitchboardError.invalid("\(Node.name(of: path + [key])) is required")
            }
            return Node(value: member.value, path: path + [key])
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            if case .null = try node(key).value { return true }
            return false
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try node(key).bool() }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try node(key).string() }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try node(key).double() }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try node(key).double()) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try node(key).integer(Int.self) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try node(key).integer(Int8.self) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try node(key).integer(Int16.self) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try node(key).integer(Int32.self) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try node(key).integer(Int64.self) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try node(key).integer(UInt.self) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try node(key).integer(UInt8.self) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try node(key).integer(UInt16.self) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try node(key).integer(UInt32.self) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try node(key).integer(UInt64.self) }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try node(key).decode(T.self) }

        // Optional fields: nil when the key is missing; `null` is refused (fields that may be
        // null are declared `Patch`), so a client's `null` is never silently read as absent.
        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { contains(key) ? try decode(type, forKey: key) : nil }
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { contains(key) ? try decode(type, forKey: key) : nil }
        func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { contains(key) ? try decode(type, forKey: key) : nil }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { contains(key) ? try decode(type, forKey: key) : nil }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { contains(key) ? try decode(type, forKey: key) : nil }
        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            contains(key) ? try decode(type, forKey: key) : nil
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<
            NestedKey
        > {
            try node(key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try node(key).unkeyedContainer() }
        func superDecoder() throws -> any Decoder { Node(value: .object(members), path: path) }
        func superDecoder(forKey key: Key) throws -> any Decoder { try node(key) }
    }

    fileprivate struct Unkeyed: UnkeyedDecodingContainer {
        let items: [JSONValue]
        let path: [any CodingKey]
        var codingPath: [any CodingKey] { path }
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }
        var currentIndex = 0

        init(items: [JSONValue], path: [any CodingKey]) {
            self.items = items
            self.path = path
        }

        mutating func next() throws -> Node {
            guard !isAtEnd else { throw SwitchboardError.invalid("\(Node.name(of: path)) has too few items") }
            defer { currentIndex += 1 }
            return Node(value: items[currentIndex], path: path + [IndexKey(intValue: currentIndex)])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, case .null = items[currentIndex] else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool { try next().bool() }
        mutating func decode(_ type: String.Type) throws -> String { try next().string() }
        mutating func decode(_ type: Double.Type) throws -> Double { try next().double() }
        mutating func decode(_ type: Float.Type) throws -> Float { Float(try next().double()) }
        mutating func decode(_ type: Int.Type) throws -> Int { try next().integer(Int.self) }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().integer(Int8.self) }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().integer(Int16.self) }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().integer(Int32.self) }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().integer(Int64.self) }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try next().integer(UInt.self) }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().integer(UInt8.self) }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().integer(UInt16.self) }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().integer(UInt32.self) }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().integer(UInt64.self) }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(T.self) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
        mutating func superDecoder() throws -> any Decoder { try next() }
    }

    fileprivate struct Single: SingleValueDecodingContainer {
        let node: Node
        var codingPath: [any CodingKey] { node.path }

        func decodeNil() -> Bool {
            if case .null = node.value { return true }
            return false
        }

        func decode(_ type: Bool.Type) throws -> Bool { try node.bool() }
        func decode(_ type: String.Type) throws -> String { try node.string() }
        func decode(_ type: Double.Type) throws -> Double { try node.double() }
        func decode(_ type: Float.Type) throws -> Float { Float(try node.double()) }
        func decode(_ type: Int.Type) throws -> Int { try node.integer(Int.self) }
        func decode(_ type: Int8.Type) throws -> Int8 { try node.integer(Int8.self) }
        func decode(_ type: Int16.Type) throws -> Int16 { try node.integer(Int16.self) }
        func decode(_ type: Int32.Type) throws -> Int32 { try node.integer(Int32.self) }
        func decode(_ type: Int64.Type) throws -> Int64 { try node.integer(Int64.self) }
        func decode(_ type: UInt.Type) throws -> UInt { try node.integer(UInt.self) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try node.integer(UInt8.self) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try node.integer(UInt16.self) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try node.integer(UInt32.self) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try node.integer(UInt64.self) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try node.decode(T.self) }
    }

    /// A position in an array, or a member name no type declares (for messages).
    fileprivate struct IndexKey: CodingKey {
        let intValue: Int?
        let stringValue: String
        init(intValue: Int) {
            self.intValue = intValue
            stringValue = String(intValue)
        }
        init(name: String) {
            intValue = nil
            stringValue = name
        }
        init?(stringValue: String) { nil }
    }
}

/// A field of a partial update that may be left out (no change), set to `null` (clear, or go
/// back to the default) or given a value. Also used for fields that may be null on creation.
package enum Patch<Value: Decodable & Sendable>: Sendable, Decodable {
    case absent
    case null
    case value(Value)

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = container.decodeNil() ? .null : .value(try container.decode(Value.self))
    }

    /// The value, or nil when absent or null.
    package var value: Value? {
        if case .value(let value) = self { return value }
        return nil
    }

    /// nil when absent (leave as it is); `.some(nil)` when null; `.some(value)` otherwise —
    /// the double optional the services take for partial updates.
    package var change: Value?? {
        switch self {
        case .absent: nil
        case .null: .some(nil)
        case .value(let value): .some(value)
        }
    }
}

extension KeyedDecodingContainer {
    /// A `Patch` field: absent when the key is missing, instead of the "is required" error.
    package func decode<Value>(_ type: Patch<Value>.Type, forKey key: Key) throws -> Patch<Value> {
        contains(key) ? try decodeIfPresentAllowingNull(type, forKey: key) : .absent
    }

    private func decodeIfPresentAllowingNull<Value>(_ type: Patch<Value>.Type, forKey key: Key) throws -> Patch<Value> {
        if try decodeNil(forKey: key) { return .null }
        return .value(try decode(Value.self, forKey: key))
    }

}
