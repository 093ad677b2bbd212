import Core
import Foundation

/// One environment variable the server reads: its name, what it accepts, its default and
/// what it means. Declared once in `SettingsCatalogue`; the parser, the error messages and
/// the configuration page (`docs/configuration.md`, checked by a test) all read it.
package struct Setting: Sendable {
    package enum Kind: Sendable {
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case boolean
        /// `REQUESTS/SECONDS`.
        case rateLimit
        case choice([String])
        /// Free text checked by its own parser; the words say what it is.
        case text(String)
    }

    package let name: String
    package let kind: Kind
    /// The default as the configuration page shows it (Markdown).
    package let documentedDefault: String
    /// What the setting does (Markdown), without the accepted values (`accepts` says them).
    package let meaning: String

    init(_ name: String, _ kind: Kind, default documentedDefault: String, _ meaning: String) {
        self.name = name
        self.kind = kind
        self.documentedDefault = documentedDefault
        self.meaning = meaning
    }

    /// The accepted values, for the configuration page.
    package var accepts: String {
        switch kind {
        case .integer(let range): "\(Self.grouped(range.lowerBound))–\(Self.grouped(range.upperBound))"
        case .number(let range): "\(Self.decimal(range.lowerBound))–\(Self.grouped(Int(range.upperBound)))"
        case .boolean: "`true`, `false`"
        case .rateLimit: "`REQUESTS/SECONDS`"
        case .choice(let values): values.map { "`\($0)`" }.joined(separator: ", ")
        case .text(let words): words
        }
    }

    private static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return value < 0 ? "-" + text : text
    }

    private static func decimal(_ value: Double) -> String {
        value == value.rounded() ? grouped(Int(value)) : String(value)
    }
}

/// A whole-number setting with its default and range.
package struct IntegerSetting: Sendable {
    package let setting: Setting
    package let defaultValue: Int
    package let range: ClosedRange<Int>

    init(_ name: String, default defaultValue: Int, range: ClosedRange<Int>, documented: String? = nil, _ meaning: String) {
        self.defaultValue = defaultValue
        self.range = range
        setting = Setting(name, .integer(range), default: documented ?? "`\(defaultValue)`", meaning)
    }

    package var name: String { setting.name }
}

/// Typed access to environment variables through their declarations; the errors name the
/// variable and what it accepts.
struct EnvironmentReader {
    let values: [String: String]

    init(_ values: [String: String]) {
        self.values = values
    }

    /// The raw value, nil when unset or empty.
    func text(_ setting: Setting) -> String? {
        guard let text = values[setting.name], !text.isEmpty else { return nil }
        return text
    }

    func integer(_ setting: IntegerSetting, default defaultValue: Int? = nil) throws -> Int {
        guard let text = values[setting.name], !text.isEmpty else { return defaultValue ?? setting.defaultValue }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), setting.range.contains(value) else {
            throw ConfigurationError(
                "\(setting.name) must be a whole number from \(setting.range.lowerBound) to \(setting.range.upperBound), not '\(text)'")
        }
        return value
    }

    /// `true` or `false` (also `1`/`0`, `yes`/`no`).
    func boolean(_ setting: Setting, default defaultValue: Bool) throws -> Bool {
        switch values[setting.name]?.trimmingCharacters(in: .whitespaces).lowercased() {
        case nil, "": return defaultValue
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        case let other?: throw ConfigurationError("\(setting.name) must be true or false, not '\(other)'")
        }
    }

    /// A decimal number in the setting's range, or nil when unset.
    func number(_ setting: Setting) throws -> Double? {
        guard case .number(let range) = setting.kind, let text = text(setting) else { return nil }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, range.contains(value) else {
            throw ConfigurationError("\(setting.name) must be a number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    func rateLimit(_ setting: Setting, default defaultValue: RateLimit) throws -> RateLimit {
        guard let text = text(setting) else { return defaultValue }
        guard let limit = RateLimit(text) else {
            throw ConfigurationError(
                "\(setting.name) must be REQUESTS/SECONDS such as 600/60 (1–1000000 requests, 1–86400 seconds), not '\(text)'")
        }
        return limit
    }

    /// One of the setting's choices (compared without case), or nil when unset.
    func choice(_ setting: Setting) throws -> String? {
        guard case .choice(let choices) = setting.kind, let text = text(setting) else { return nil }
        guard let value = choices.first(where: { $0 == text.lowercased() }) else {
            throw ConfigurationError("\(setting.name) must be one of \(choices.joined(separator: ", ")), not '\(text)'")
        }
        return value
    }
}
