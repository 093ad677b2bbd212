extension SQLDialect {
    /// A query listing the objects in Switchboard's namespace (the `?schema=` schema, the
    /// URL's MySQL database, the SQLite file) whose names a migration could collide with, as
    /// rows of `name` and `kind` (`table`, `view`, `index`, `sequence`, `trigger`, `function`,
    /// `type`: a PostgreSQL table's name may not be a type's either).
    /// Only objects whose names are unique in that namespace are listed: PostgreSQL's triggers
    /// and MySQL's indexes belong to their tables, and cannot collide unless the table does.
    package var catalogQuery: String {
        switch timestampStorage {
        case .isoText:
            "SELECT name, type AS kind FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        case .timestampWithTimeZone:
            """
            SELECT c.relname::text AS name, CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'i' THEN 'index'
                WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'view' ELSE 'relation' END AS kind
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()
            UNION ALL
            SELECT p.proname::text, 'function' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()
            UNION ALL
            SELECT t.typname::text, 'type' FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd', 'r', 'm')
            """
        case .utcDatetime:
            """
            SELECT CAST(table_name AS CHAR) AS name, CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END AS kind
            FROM information_schema.tables WHERE table_schema = DATABASE()
            UNION ALL
            SELECT CAST(trigger_name AS CHAR), 'trigger' FROM information_schema.triggers WHERE trigger_schema = DATABASE()
            UNION ALL
            SELECT CAST(routine_name AS CHAR), 'function' FROM information_schema.routines WHERE routine_schema = DATABASE()
            """
        }
    }

    /// The kinds of object a migration may create whose names this database keeps unique in
    /// the namespace (see `catalogQuery`).
    package var namespacedKinds: Set<String> {
        switch timestampStorage {
        case .isoText: ["table", "view", "index", "trigger"]
        case .timestampWithTimeZone: ["table", "view", "index", "sequence", "function", "type"]
        case .utcDatetime: ["table", "view", "trigger", "function"]
        }
    }

    /// A query giving the column names (`name`) of `table` in Switchboard's namespace, none
    /// when there is no such table.
    package func columnsQuery(of table: String) -> SQLQuery {
        switch timestampStorage {
        case .isoText:
            "SELECT name FROM pragma_table_info(\(table))"
        case .timestampWithTimeZone:
            "SELECT column_name::text AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(table)"
        case .utcDatetime:
            "SELECT CAST(column_name AS CHAR) AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = \(table)"
        }
    }
}
