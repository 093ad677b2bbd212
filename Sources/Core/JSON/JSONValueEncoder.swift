import Foundation

/// Encodes response types into `JSONValue`, so answers keep the order their types declare
/// (the analytics fields come first, in the Node original's order) and print as compact JSON like every
/// other answer. Conventions of the API: an optional that is nil is written as `null` (fields
/// are always present), ids are lower-case UUIDs, and times are `Timestamp.format` text.
package struct JSONValueEncoder {
    /// The JSON value of `value`.
    package static func encode(_ value: some Encodable) throws -> JSONValue {
        let root = Slot()
        try Node(slot: root, path: []).encodeValue(value)
        return root.value
    }

    /// Where one value is being written; objects and arrays are built in place, so keyed
    /// containers asked for twice add to the same object. Scalars are stored as values
    /// directly (no slot per field): answers with hundreds of fields are on hot paths.
    fileprivate final class Slot {
        enum Member {
            case value(JSONValue)
            case slot(Slot)

            var value: JSONValue {
                switch self {
                case .value(let value): value
                case .slot(let slot): slot.value
                }
            }
        }

        enum Content {
            case value(JSONValue)
            case object([(key: String, member: Member)])
            case array([Member])
        }

        var content = Content.value(.null)

        var value: JSONValue {
            switch content {
            case .value(let value): value
            case .object(let members): .object(members.map { ($0.key, $0.member.value) })
            case .array(let items): .array(items.map(\.value))
            }
        }

        /// Adds a member. Response types declare each key once, so no search for an
        /// existing one is made.
        func add(_ key: String, _ member: Member) {
            guard case .object(var members) = content else { return }
            content = .value(.null)
            members.append((key, member))
            content = .object(members)
        }

        func append(_ member: Member) {
            guard case .array(var items) = content else { return }
            content = .value(.null)
            items.append(member)
            content = .array(items)
        }

        func makeObject() {
            if case .object = content { return }
            content = .object([])
        }

        func makeArray() {
            if case .array = content { return }
            content = .array([])
        }
    }

    /// The JSON of a value that needs no container: scalars, times, ids and JSON itself;
    /// nil for everything else. Checked by type, not by casting each value in turn.
    fileprivate static func scalar<T: Encodable>(_ value: T) -> JSONValue? {
        if T.self == String.self { return .string(value as! String) }
        if T.self == Int.self { return .number(Double(value as! Int)) }
        if T.self == Bool.self { return .bool(value as! Bool) }
        if T.self == Double.self { return .number(value as! Double) }
        if T.self == Date.self { return .string(Timestamp.format(value as! Date)) }
        if T.self == UUID.self { return .string((value as! UUID).uuidString.lowercased()) }
        if T.self == JSONValue.self { return (value as! JSONValue) }
        return nil
    }

    fileprivate struct Node: Encoder {
        let slot: Slot
        let path: [any CodingKey]
        var codingPath: [any CodingKey] { path }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            slot.makeObject()
            return KeyedEncodingContainer(Keyed<Key>(slot: slot, path: path))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            slot.makeArray()
            return Unkeyed(slot: slot, path: path)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: self) }

        /// A number, string or boolean.
        func encodeScalar(_ value: some Encodable) throws {
            switch value {
            case let text as String: slot.content = .value(.string(text))
            case let flag as Bool: slot.content = .value(.bool(flag))
            case let number as any BinaryInteger: slot.content = .value(.number(Double(number)))
            case let number as any BinaryFloatingPoint: slot.content = .value(.number(Double(number)))
            default: try encodeValue(value)
            }
        }

        func encodeValue(_ value: some Encodable) throws {
            if let scalar = JSONValueEncoder.scalar(value) {
                slot.content = .value(scalar)
            } else {
                try value.encode(to: self)
            }
        }

        /// The member holding `value`: the value itself when it is a scalar, else a slot it
        /// was encoded into.
        func member(_ value: some Encodable, path: [any CodingKey]) throws -> Slot.Member {
            if let scalar = JSONValueEncoder.scalar(value) { return .value(scalar) }
            let child = Slot()
            try value.encode(to: Node(slot: child, path: path))
            return .slot(child)
        }
    }

    fileprivate struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let slot: Slot
        let path: [any CodingKey]
        var codingPath: [any CodingKey] { path }

        /// A new nested slot under `key`.
        func node(_ key: Key) -> Node {
            let child = Slot()
            slot.add(key.stringValue, .slot(child))
            return Node(slot: child, path: path + [key])
        }

        mutating func encodeNil(forKey key: Key) throws { slot.add(key.stringValue, .value(.null)) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            slot.add(key.stringValue, try Node(slot: slot, path: path).member(value, path: path + [key]))
        }
        mutating func encode(_ value: Bool, forKey key: Key) throws { slot.add(key.stringValue, .value(.bool(value))) }
        mutating func encode(_ value: String, forKey key: Key) throws { slot.add(key.stringValue, .value(.string(value))) }
        mutating func encode(_ value: Double, forKey key: Key) throws { slot.add(key.stringValue, .value(.number(value))) }
        mutating func encode(_ value: Float, forKey key: Key) throws { try node(key).encodeScalar(value) }
        mutating func encode(_ value: Int, forKey key: Key) throws { slot.add(key.stringValue, .value(.number(Double(value)))) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { try node(key).encodeScalar(value) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { try node(key).encodeScalar(value) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { try node(key).encodeScalar(value) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { try node(key).encodeScalar(value) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { try node(key).encodeScalar(value) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { try node(key).encodeScalar(value) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { try node(key).encodeScalar(value) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { try node(key).encodeScalar(value) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { try node(key).encodeScalar(value) }

        // A nil optional is written as null: the API's fields are always present.
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<
            NestedKey
        > {
            node(key).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { node(key).unkeyedContainer() }
        mutating func superEncoder() -> any Encoder { Node(slot: slot, path: path) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { node(key) }
    }

    fileprivate struct Unkeyed: UnkeyedEncodingContainer {
        let slot: Slot
        let path: [any CodingKey]
        var codingPath: [any CodingKey] { path }
        var count: Int {
            if case .array(let items) = slot.content { return items.count }
            return 0
        }

        /// A new nested slot at the end.
        func next() -> Node {
            let child = Slot()
            slot.append(.slot(child))
            return Node(slot: child, path: path)
        }

        mutating func encodeNil() throws { slot.append(.value(.null)) }
        mutating func encode<T: Encodable>(_ value: T) throws { slot.append(try Node(slot: slot, path: path).member(value, path: path)) }
        mutating func encode(_ value: Bool) throws { slot.append(.value(.bool(value))) }
        mutating func encode(_ value: String) throws { slot.append(.value(.string(value))) }
        mutating func encode(_ value: Double) throws { slot.append(.value(.number(value))) }
        mutating func encode(_ value: Float) throws { try next().encodeScalar(value) }
        mutating func encode(_ value: Int) throws { slot.append(.value(.number(Double(value)))) }
        mutating func encode(_ value: Int8) throws { try next().encodeScalar(value) }
        mutating func encode(_ value: Int16) throws { try next().encodeScalar(value) }
        mutating func encode(_ value: Int32) throws { try next().encodeScalar(value) }
        mutating func encode(_ value: Int64) throws { try next().encodeScalar(value) }
        mutating func encode(_ value: UInt) throws { try next().encodeScalar(value) }
        mutating func encode(_ value: UInt8) throws { try next().encodeScalar(value) }
        mutating func encode(_ value: UInt16) throws { try next().encodeScalar(value) }
        mutating func encode(_ value: UInt32) throws { try next().encodeScalar(value) }
        mutating func encode(_ value: UInt64) throws { try next().encodeScalar(value) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            next().container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { next().unkeyedContainer() }
        mutating func superEncoder() -> any Encoder { next() }
    }

    fileprivate struct Single: SingleValueEncodingContainer {
        let node: Node
        var codingPath: [any CodingKey] { node.path }

        mutating func encodeNil() throws { node.slot.content = .value(.null) }
        mutating func encode<T: Encodable>(_ value: T) throws { try node.encodeValue(value) }
        mutating func encode(_ value: Bool) throws { try node.encodeScalar(value) }
        mutating func encode(_ value: String) throws { try node.encodeScalar(value) }
        mutating func encode(_ value: Double) throws { try node.encodeScalar(value) }
        mutating func encode(_ value: Float) throws { try node.encodeScalar(value) }
        mutating func encode(_ value: Int) throws { try node.encodeScalar(value) }
        mutating func encode(_ value: Int8) throws { try node.encodeScalar(value) }
        mutating func encode(_ value: Int16) throws { try node.encodeScalar(value) }
        mutating func encode(_ value: Int32) throws { try node.encodeScalar(value) }
        mutating func encode(_ value: Int64) throws { try node.encodeScalar(value) }
        mutating func encode(_ value: UInt) throws { try node.encodeScalar(value) }
        mutating func encode(_ value: UInt8) throws { try node.encodeScalar(value) }
        mutating func encode(_ value: UInt16) throws { try node.encodeScalar(value) }
        mutating func encode(_ value: UInt32) throws { try node.encodeScalar(value) }
        mutating func encode(_ value: UInt64) throws { try node.encodeScalar(value) }
    }
}
