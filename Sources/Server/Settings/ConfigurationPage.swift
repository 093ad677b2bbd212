/// `docs/configuration.md`, written from `SettingsCatalogue`: `switchboard settings` prints
/// it, and a test fails when the committed page differs.
package enum ConfigurationPage {
    package static func markdown() -> String {
        var lines = [
            "# Configuration",
            "",
            "<!-- Written by `switchboard settings` from Sources/Server/Settings/SettingsCatalogue.swift; edit that file, then run `make settings-page`. -->",
            "",
            "Switchboard reads its settings from the environment and from a `.env` file in the working directory.",
            "The environment wins over `.env`.",
            "Every value is checked at start-up. A bad one stops the server with a message naming it and what it accepts.",
            "",
            "The options inside `DATABASE_URL` (SQLite's `synchronous`, PostgreSQL's `schema`, `sslmode`,",
            "pool sizes and timeouts) are listed in [Database and migrations](database.md#url-options).",
            "",
            "| variable | default | accepts | meaning |",
            "|---|---|---|---|",
        ]
        for setting in SettingsCatalogue.all {
            lines.append("| `\(setting.name)` | \(setting.documentedDefault) | \(setting.accepts) | \(setting.meaning) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
