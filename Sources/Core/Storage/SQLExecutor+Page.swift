extension SQLExecutor {
    /// One page of rows and how many rows all pages hold, in one query: `COUNT(*) OVER ()`
    /// counts the rows `source` matches before `LIMIT` applies (a window function, in all
    /// three databases), so a list answer costs one round trip instead of two. Only a page
    /// past the end, which has no row to carry the count, asks for it separately.
    ///
    /// - Parameters:
    ///   - columns: the select list.
    ///   - source: `FROM …` with any `WHERE`, without `ORDER BY`.
    ///   - orderBy: the `ORDER BY` terms; they must make the order total (end with the id).
    package func page<Item>(
        columns: SQLQuery, from source: SQLQuery, orderBy: SQLQuery, limit: Int, offset: Int, decode: (SQLRow) throws -> Item
    ) async throws -> Page<Item> {
        let rows = try await query(
            """
            SELECT \(columns), COUNT(*) OVER () AS page_total \(source) ORDER BY \(orderBy) LIMIT \(limit) OFFSET \(offset)
            """)
        let total: Int
        if let first = rows.first {
            total = try first.int("page_total")
        } else if offset == 0 {
            total = 0
        } else {
            total = try await first("SELECT COUNT(*) AS total \(source)")?.int("total") ?? 0
        }
        return Page(items: try rows.map(decode), total: total, limit: limit, offset: offset)
    }
}
