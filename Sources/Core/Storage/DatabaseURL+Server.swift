import Foundation

extension DatabaseURL {
    /// Where a database server is and who to log in as, from `SCHEME://USER:PASSWORD@HOST:PORT/DATABASE`.
    package struct ServerLocation: Sendable, Equatable {
        package var host: String
        package var port: Int
        package var user: String
        package var password: String?
        /// The database name, or nil when the URL has no path.
        package var database: String?
    }

    /// The server part of a `postgres://` or `mysql://` URL, percent-decoded; throws a message
    /// showing the expected form when the host or user is missing.
    package func serverLocation(defaultPort: Int) throws -> ServerLocation {
        let form = "\(engine.rawValue)://USER:PASSWORD@HOST:\(defaultPort)/DATABASE"
        guard let components = URLComponents(string: raw), let host = components.host, !host.isEmpty else {
            throw StorageError.invalidURL("\(engine.rawValue) URL needs a host: \(form)")
        }
        guard let user = components.user, !user.isEmpty else {
            throw StorageError.invalidURL("\(engine.rawValue) URL needs a user name: \(form)")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        return ServerLocation(
            host: host,
            port: components.port ?? defaultPort,
            user: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: path.isEmpty ? nil : (path.removingPercentEncoding ?? path))
    }

    /// Throws when the URL has a `?name=` option outside `known`, so a typo is not ignored.
    package func rejectUnknownOptions(known: Set<String>) throws {
        if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
            throw StorageError.invalidURL(
                "unknown \(engine.rawValue) option '\(unknown)'; known: \(known.sorted().joined(separator: ", "))")
        }
    }

    /// A whole-number `?name=` option within `range`, or `defaultValue` when absent.
    package func integerOption(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = options[name] else { return defaultValue }
        guard let number = Int(text), range.contains(number) else {
            throw StorageError.invalidURL("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }

    /// A `?name=` option that must be one of an enumeration's raw values.
    package func choiceOption<Choice: RawRepresentable & CaseIterable>(_ name: String, default defaultValue: Choice) throws -> Choice
    where Choice.RawValue == String {
        guard let text = options[name] else { return defaultValue }
        guard let choice = Choice(rawValue: text) else {
            throw StorageError.invalidURL(
                "\(name) must be one of \(Choice.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
        }
        return choice
    }
}
