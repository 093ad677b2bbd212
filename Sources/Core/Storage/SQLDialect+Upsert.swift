extension SQLDialect {
    /// The clause after `INSERT … VALUES (…)` that, when a row with the same key exists, adds
    /// the new values of the `summed` columns to it, keeps the larger of old and new in the
    /// `latest` columns and the smaller in the `smallest` ones (nulls ignored).
    /// `conflictColumns` name the key (`ON CONFLICT` needs it).
    package func accumulatingUpsert(
        table: String, conflictColumns: [String], summed: [String], latest: [String] = [], smallest: [String] = []
    ) -> String {
        let (old, new): (String, (String) -> String) =
            switch upsertStyle {
            case .onConflict: ("\(table).", { "excluded.\($0)" })
            case .onDuplicateKey: ("", { "VALUES(\($0))" })
            }
        let sums = summed.map { "\($0) = \(old)\($0) + \(new($0))" }
        // GREATEST/LEAST (MAX/MIN on SQLite) give null when either side is null; COALESCE
        // falls back to the other.
        func keep(_ column: String, by function: String) -> String {
            "\(column) = COALESCE(\(function)(\(old)\(column), \(new(column))), \(old)\(column), \(new(column)))"
        }
        let keeps = latest.map { keep($0, by: greatestFunction) } + smallest.map { keep($0, by: leastFunction) }
        let assignments = (sums + keeps).joined(separator: ", ")
        return switch upsertStyle {
        case .onConflict: " ON CONFLICT (\(conflictColumns.joined(separator: ", "))) DO UPDATE SET \(assignments)"
        case .onDuplicateKey: " ON DUPLICATE KEY UPDATE \(assignments)"
        }
    }
}
