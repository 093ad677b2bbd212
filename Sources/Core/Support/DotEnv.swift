import Foundation

/// Reads `KEY=VALUE` lines from a `.env` file, the way most deployment tools write them:
/// blank lines and `#` comments are skipped, an optional `export ` prefix is dropped, and
/// single- or double-quoted values lose their quotes.
package enum DotEnv {
    /// The variables in the file at `path`, or an empty dictionary when there is no such file.
    package static func load(path: String) throws -> [String: String] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try parse(text)
    }

    /// Parses the text of a `.env` file.
    package static func parse(_ text: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (number, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError("line \(number + 1) of .env is not KEY=VALUE")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            } else if let hash = value.range(of: " #") {
                value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            values[key] = value
        }
        return values
    }

    /// The process environment layered over the `.env` file: a variable set in the
    /// environment wins over the file.
    package static func merged(environment: [String: String] = ProcessInfo.processInfo.environment, path: String = ".env") throws
        -> [String: String]
    {
        try load(path: path).merging(environment) { _, fromEnvironment in fromEnvironment }
    }
}

/// A setting that is missing or out of range; the message says which and how to fix it.
package struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong and what to do.
    package let message: String

    /// Creates an error with the given message.
    package init(_ message: String) { self.message = message }

    package var description: String { message }
}
