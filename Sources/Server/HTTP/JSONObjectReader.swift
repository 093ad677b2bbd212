import Core
import Foundation
import Hummingbird

/// Reads a JSON request body as an object, field by field, with errors that name the field
/// and what was wrong. Unknown fields are refused so typos do not pass silently.
struct JSONObjectReader {
    private let members: [(key: String, value: JSONValue)]

    /// Checks that `value` is an object holding only `allowed` fields.
    init(_ value: JSONValue, allowed: [String]) throws {
        guard case .object(let members) = value else {
            throw SwitchboardError.badRequest("request body must be a JSON object, not \(value.typeName)", code: "invalid_json")
        }
        if let unknown = members.first(where: { !allowed.contains($0.key) }) {
            throw SwitchboardError.badRequest(
                "unknown field '\(unknown.key)'; allowed fields: \(allowed.joined(separator: ", "))", code: "unknown_field")
        }
        self.members = members
    }

    /// Collects the body (at most `limit` bytes), parses it and checks its fields. An empty
    /// body counts as `{}` when `emptyIsObject` is true.
    static func read(_ request: Request, limit: Int, allowed: [String], emptyIsObject: Bool = false) async throws -> JSONObjectReader {
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw SwitchboardError(.unsupportedMediaType, code: "unsupported_media_type", message: "send the body as application/json, not \(contentType)")
        }
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        let bytes = buffer.readableBytesView
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard emptyIsObject else {
                throw SwitchboardError.badRequest("request body is empty; send a JSON object", code: "invalid_json")
            }
            return try JSONObjectReader(.object([]), allowed: allowed)
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch let error as JSONValue.ParseError {
            throw SwitchboardError.badRequest("request body is not valid JSON: \(error)", code: "invalid_json")
        }
        return try JSONObjectReader(value, allowed: allowed)
    }

    /// Whether the field is present at all (even as null).
    func has(_ key: String) -> Bool {
        members.contains { $0.key == key }
    }

    private func value(_ key: String) -> JSONValue? {
        members.first { $0.key == key }?.value
    }

    private func typeError(_ key: String, expected: String, found: JSONValue) -> SwitchboardError {
        .invalid("\(key) must be \(expected), not \(found.typeName)")
    }

    /// Any JSON value, or nil when absent.
    func optionalValue(_ key: String) -> JSONValue? {
        value(key)
    }

    /// Any JSON value that must be present (null counts as present).
    func requiredValue(_ key: String) throws -> JSONValue {
        guard let value = value(key) else { throw SwitchboardError.invalid("\(key) is required") }
        return value
    }

    /// A whole number within `range` that may be absent; null is refused. Every number a
    /// client sends is held to its range here, before any arithmetic can overflow on it.
    func optionalInt(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        switch value(key) {
        case nil: return nil
        case .number(let number)?: return try Self.integer(number, key: key, in: range)
        case let other?: throw typeError(key, expected: "a whole number", found: other)
        }
    }

    /// An array of whole numbers, each within `range`, that may be absent; null is refused.
    func optionalIntArray(_ key: String, in range: ClosedRange<Int>) throws -> [Int]? {
        switch value(key) {
        case nil: return nil
        case .array(let items)?:
            return try items.enumerated().map { index, item in
                guard case .number(let number) = item else { throw typeError("\(key)[\(index)]", expected: "a whole number", found: item) }
                return try Self.integer(number, key: "\(key)[\(index)]", in: range)
            }
        case let other?: throw typeError(key, expected: "an array of whole numbers", found: other)
        }
    }

    private static func integer(_ number: Double, key: String, in range: ClosedRange<Int>) throws -> Int {
        guard let integer = Int(exactly: number), range.contains(integer) else {
            throw SwitchboardError.invalid("\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return integer
    }

    /// For partial updates of nullable numbers: nil when null, else the number.
    func optionalIntOrNull(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        if case .null? = value(key) { return nil }
        return try optionalInt(key, in: range)
    }

    /// For partial updates of nullable number lists: nil when null, else the list.
    func optionalIntArrayOrNull(_ key: String, in range: ClosedRange<Int>) throws -> [Int]? {
        if case .null? = value(key) { return nil }
        return try optionalIntArray(key, in: range)
    }

    /// A string that must be present.
    func requiredString(_ key: String) throws -> String {
        guard let string = try optionalString(key) else { throw SwitchboardError.invalid("\(key) is required") }
        return string
    }

    /// A string that may be absent or null.
    func optionalString(_ key: String) throws -> String? {
        switch value(key) {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw typeError(key, expected: "a string", found: other)
        }
    }

    /// For partial updates: nil when absent, `.some(nil)` when null, else the string.
    func patchString(_ key: String) throws -> String?? {
        guard has(key) else { return nil }
        return .some(try optionalString(key))
    }

    /// A string for a field that may be absent but, when present, may not be null.
    func nonNullString(_ key: String) throws -> String? {
        if case .null? = value(key) { throw SwitchboardError.invalid("\(key) must not be null") }
        return try optionalString(key)
    }

    /// A boolean that may be absent; null is refused.
    func optionalBool(_ key: String) throws -> Bool? {
        switch value(key) {
        case nil: return nil
        case .bool(let flag)?: return flag
        case let other?: throw typeError(key, expected: "true or false", found: other)
        }
    }

    /// An array of strings that may be absent; null is refused.
    func optionalStringArray(_ key: String) throws -> [String]? {
        switch value(key) {
        case nil: return nil
        case .array(let items)?:
            return try items.enumerated().map { index, item in
                guard case .string(let text) = item else { throw typeError("\(key)[\(index)]", expected: "a string", found: item) }
                return text
            }
        case let other?: throw typeError(key, expected: "an array of strings", found: other)
        }
    }

    /// An array of strings that must be present.
    func requiredStringArray(_ key: String) throws -> [String] {
        guard let items = try optionalStringArray(key) else { throw SwitchboardError.invalid("\(key) is required") }
        return items
    }

    /// An ISO-8601 timestamp in `Timestamp.acceptedRange` that may be absent or null.
    func optionalDate(_ key: String) throws -> Date? {
        guard let text = try optionalString(key) else { return nil }
        guard let date = Timestamp.parse(text) else {
            throw SwitchboardError.invalid("\(key) must be an ISO-8601 timestamp such as 2027-01-01T00:00:00Z, not '\(text)'")
        }
        guard Timestamp.acceptedRange.contains(date) else {
            throw SwitchboardError.invalid("\(key) must be \(Timestamp.acceptedRangeDescription), not '\(text)'")
        }
        return date
    }
}
