/// A statement whose values travel separately from its text.
///
/// Built by string interpolation: interpolated values become bound parameters, and raw SQL text
/// can only enter through the explicit `unsafeRaw:` label, so a value can never be spliced into
/// the statement by accident.
///
/// ```swift
/// let query: SQLQuery = "SELECT * FROM webhooks WHERE id = \(id) AND is_active = \(true)"
/// ```
package struct SQLQuery: Sendable, ExpressibleByStringInterpolation {
    /// One piece of a statement: literal SQL text or a bound value.
    package enum Fragment: Sendable, Equatable {
        case sql(String)
        case bind(SQLValue)
    }

    /// The pieces in order.
    package private(set) var fragments: [Fragment]

    package init(stringLiteral value: String) {
        fragments = [.sql(value)]
    }

    package init(stringInterpolation: StringInterpolation) {
        fragments = stringInterpolation.fragments
    }

    /// A statement made of the given fragments.
    package init(fragments: [Fragment]) {
        self.fragments = fragments
    }

    /// Appends another statement's fragments, e.g. an optional `WHERE` clause.
    package mutating func append(_ other: SQLQuery) {
        fragments.append(contentsOf: other.fragments)
    }

    /// ` WHERE a AND b …` for the given conditions, or nothing when there are none.
    package static func whereClause(_ conditions: [SQLQuery]) -> SQLQuery {
        var clause: SQLQuery = ""
        for (index, condition) in conditions.enumerated() {
            clause.append(index == 0 ? " WHERE " : " AND ")
            clause.append(condition)
        }
        return clause
    }

    /// Multi-row inserts: `head` (ending in `VALUES `) followed by up to `chunk` comma-separated
    /// rows per statement, so large batches stay under every database's parameter limit.
    package static func multiRowInserts(_ head: SQLQuery, rows: [SQLQuery], chunk: Int) -> [SQLQuery] {
        stride(from: 0, to: rows.count, by: chunk).map { start in
            var query = head
            for (offset, row) in rows[start..<min(start + chunk, rows.count)].enumerated() {
                if offset > 0 { query.append(", ") }
                query.append(row)
            }
            return query
        }
    }

    /// The bound values in order of appearance.
    package var binds: [SQLValue] {
        fragments.compactMap { if case .bind(let value) = $0 { value } else { nil } }
    }

    /// The statement text with each bound value replaced by the dialect's placeholder.
    package func sql(in dialect: SQLDialect) -> String {
        var text = ""
        var index = 0
        for fragment in fragments {
            switch fragment {
            case .sql(let sql):
                text += sql
            case .bind:
                index += 1
                text += dialect.placeholder(index)
            }
        }
        return text
    }

    package struct StringInterpolation: StringInterpolationProtocol {
        var fragments: [Fragment] = []

        package init(literalCapacity: Int, interpolationCount: Int) {
            fragments.reserveCapacity(interpolationCount * 2 + 1)
        }

        package mutating func appendLiteral(_ literal: String) {
            guard !literal.isEmpty else { return }
            fragments.append(.sql(literal))
        }

        /// Binds a value as a parameter.
        package mutating func appendInterpolation(_ value: some SQLBindable) {
            fragments.append(.bind(value.sqlValue))
        }

        /// Binds an optional value; nil becomes SQL `NULL`.
        package mutating func appendInterpolation<Value: SQLBindable>(_ value: Value?) {
            fragments.append(.bind(value?.sqlValue ?? .null))
        }

        /// Binds each value and joins their placeholders with commas, for `IN (...)` lists.
        package mutating func appendInterpolation(list values: [some SQLBindable]) {
            for (offset, value) in values.enumerated() {
                if offset > 0 { fragments.append(.sql(", ")) }
                fragments.append(.bind(value.sqlValue))
            }
        }

        /// Inserts another statement's fragments in place.
        package mutating func appendInterpolation(_ query: SQLQuery) {
            fragments.append(contentsOf: query.fragments)
        }

        /// Inserts SQL text as it is. Only for text the program itself wrote, never for input.
        package mutating func appendInterpolation(unsafeRaw text: String) {
            fragments.append(.sql(text))
        }
    }
}
