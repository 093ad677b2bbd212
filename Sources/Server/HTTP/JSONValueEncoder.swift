import Core
import Foundation

/// Encodes response types into `JSONValue`, so answers keep the order their types declare
/// (the seed's analytics fields come first, in its order) and print as compact JSON like every
/// other answer. Conventions of the API: an optional that is nil is written as `null` (fields
/// are always present), ids are lower-case UUIDs, and times are `Timestamp.format` text.
struct JSONValueEncoder {
    /// The JSON value of `value`.
    static func encode(_ value: some Encodable) throws -> JSONValue {
        let root = Slot()
        try Node(slot: root, path: []).encodeValue(value)
        return root.value
    }

    /// Where one value is being written; objects and arrays are built in place, so keyed
    /// containers asked for twice add to the same object.
    fileprivate final class Slot {
        enum Content {
            case value(JSONValue)
            case object([(key: String, slot: Slot)])
            case array([Slot])
        }

        var content = Content.value(.null)

        var value: JSONValue {
            switch content {
            case .value(let value): value
            case .object(let members): .object(members.map { ($0.key, $0.slot.value) })
            case .array(let items): .array(items.map(\.value))
            }
        }

        func member(_ key: String) -> Slot {
            var members: [(key: String, slot: Slot)] = []
            if case .object(let existing) = content { members = existing }
            if let found = members.first(where: { $0.key == key }) { return found.slot }
            let slot = Slot()
            members.append((key, slot))
            content = .object(members)
            return slot
        }

        func makeObject() {
            if case .object = content { return }
            content = .object([])
        }

        func append() -> Slot {
            var items: [Slot] = []
            if case .array(let existing) = content { items = existing }
            let slot = Slot()
            items.append(slot)
            content = .array(items)
            return slot
        }

        func makeArray() {
            if case .array = content { return }
            content = .array([])
        }
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
            switch value {
            case let json as JSONValue: slot.content = .value(json)
            case let date as Date: slot.content = .value(.string(Timestamp.format(date)))
            case let id as UUID: slot.content = .value(.string(id.uuidString.lowercased()))
            case let text as String: slot.content = .value(.string(text))
            case let flag as Bool: slot.content = .value(.bool(flag))
            case let number as Int: slot.content = .value(.number(Double(number)))
            case let number as Double: slot.content = .value(.number(number))
            default: try value.encode(to: self)
            }
        }
    }

    fileprivate struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let slot: Slot
        let path: [any CodingKey]
        var codingPath: [any CodingKey] { path }

        func node(_ key: Key) -> Node { Node(slot: slot.member(key.stringValue), path: path + [key]) }

        mutating func encodeNil(forKey key: Key) throws { node(key).slot.content = .value(.null) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try node(key).encodeValue(value) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { try node(key).encodeScalar(value) }
        mutating func encode(_ value: String, forKey key: Key) throws { try node(key).encodeScalar(value) }
        mutating func encode(_ value: Double, forKey key: Key) throws { try node(key).encodeScalar(value) }
        mutating func encode(_ value: Float, forKey key: Key) throws { try node(key).encodeScalar(value) }
        mutating func encode(_ value: Int, forKey key: Key) throws { try node(key).encodeScalar(value) }
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

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
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

        func next() -> Node { Node(slot: slot.append(), path: path) }

        mutating func encodeNil() throws { next().slot.content = .value(.null) }
        mutating func encode<T: Encodable>(_ value: T) throws { try next().encodeValue(value) }
        mutating func encode(_ value: Bool) throws { try next().encodeScalar(value) }
        mutating func encode(_ value: String) throws { try next().encodeScalar(value) }
        mutating func encode(_ value: Double) throws { try next().encodeScalar(value) }
        mutating func encode(_ value: Float) throws { try next().encodeScalar(value) }
        mutating func encode(_ value: Int) throws { try next().encodeScalar(value) }
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
