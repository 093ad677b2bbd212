import Foundation

/// Encodes the small lists Switchboard stores in text columns (event names, permissions,
/// address ranges) as JSON arrays, so every database reads them the same way.
enum JSONText {
    static func encode(_ strings: [String]) -> String {
        JSONValue.array(strings.map(JSONValue.string)).compactText
    }

    static func encode(_ integers: [Int]) -> String {
        JSONValue.array(integers.map { .number(Double($0)) }).compactText
    }

    static func decodeIntegers(_ text: String, column: String) throws -> [Int] {
        guard case .array(let items) = try JSONValue.parse(Array(text.utf8)) else {
            throw StorageError.typeMismatch(column: column, expected: "JSON array", found: .text(text))
        }
        return try items.map {
            guard case .number(let number) = $0, let integer = Int(exactly: number) else {
                throw StorageError.typeMismatch(column: column, expected: "JSON array of integers", found: .text(text))
            }
            return integer
        }
    }

    static func decodeStrings(_ text: String, column: String) throws -> [String] {
        guard case .array(let items) = try JSONValue.parse(Array(text.utf8)) else {
            throw StorageError.typeMismatch(column: column, expected: "JSON array", found: .text(text))
        }
        return try items.map {
            guard case .string(let string) = $0 else {
                throw StorageError.typeMismatch(column: column, expected: "JSON array of strings", found: .text(text))
            }
            return string
        }
    }
}

/// A page of results and how to ask for the rest.
package struct Page<Item: Sendable>: Sendable {
    package let items: [Item]
    package let total: Int
    package let limit: Int
    package let offset: Int

    /// Creates a page.
    package init(items: [Item], total: Int, limit: Int, offset: Int) {
        self.items = items
        self.total = total
        self.limit = limit
        self.offset = offset
    }
}

/// Which slice of a list to return.
package struct PageRequest: Sendable, Equatable {
    /// The most items one page may hold.
    package static let maxLimit = 100
    /// Items per page when none is asked for.
    package static let defaultLimit = 20
    /// The largest offset accepted; deeper paging is better done with filters.
    package static let maxOffset = 1_000_000_000

    package let limit: Int
    package let offset: Int

    /// Validates the bounds: `limit` 1…100, `offset` ≥ 0.
    package init(limit: Int = PageRequest.defaultLimit, offset: Int = 0) throws {
        guard (1...PageRequest.maxLimit).contains(limit) else {
            throw SwitchboardError.badRequest("limit must be between 1 and \(PageRequest.maxLimit)", code: "invalid_query")
        }
        guard (0...PageRequest.maxOffset).contains(offset) else {
            throw SwitchboardError.badRequest("offset must be between 0 and \(PageRequest.maxOffset)", code: "invalid_query")
        }
        self.limit = limit
        self.offset = offset
    }
}
