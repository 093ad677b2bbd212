extension SQLDialect {
    /// The clause after `INSERT … VALUES (…)` that, when a row with the same key exists, adds
    /// the new values of the `summed` columns to it and keeps the later of old and new in the
    /// `latest` columns (nulls ignored). `conflictColumns` name the key (`ON CONFLICT` needs it).
    package func accumulatingUpsert(table: String, conflictColumns: [String], summed: [String], latest: [String] = []) -> String {
        let greatest = greatestFunction
        let (old, new): (String, (String) -> String) = switch upsertStyle {
        case .onConflict: ("\(table).", { "excluded.\($0)" })
        case .onDuplicateKey: ("", { "VALUES(\($0))" })
        }
        let sums = summed.map { "\($0) = \(old)\($0) + \(new($0))" }
        // MAX/GREATEST give null when either side is null; COALESCE falls back to the other.
        let keeps = latest.map { "\($0) = COALESCE(\(greatest)(\(old)\($0), \(new($0))), \(old)\($0), \(new($0)))" }
        let assignments = (sums + keeps).joined(separator: ", ")
        return switch upsertStyle {
        case .onConflict: " ON CONFLICT (\(conflictColumns.joined(separator: ", "))) DO UPDATE SET \(assignments)"
        case .onDuplicateKey: " ON DUPLICATE KEY UPDATE \(assignments)"
        }
    }
}
