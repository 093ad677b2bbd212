import Core
import Foundation
import NIOSSL
import PostgresNIO

/// What a `postgres://` URL asks for, checked before any connection is made.
///
/// `postgres://USER:PASSWORD@HOST:PORT/DATABASE?schema=NAME&sslmode=prefer&pool_size=10&connect_timeout=10&query_timeout=30`
struct PostgresSettings: Sendable {
    /// How the connection is encrypted, as libpq names it.
    enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, plain otherwise; the certificate is not checked (libpq's default).
        case prefer
        /// TLS or no connection; the certificate is not checked.
        case require
        /// TLS with the certificate checked against the system trust store and the host name.
        case verifyFull = "verify-full"
    }

    let location: DatabaseURL.ServerLocation
    /// The schema every table lives in, or nil for the server's default search path.
    let schema: String?
    let sslMode: SSLMode
    let poolSize: Int
    let connectTimeout: Duration
    /// Longest one statement, or one whole transaction, may hold its connection; past it the
    /// connection is closed (the server rolls back) and the caller gets `unavailable`.
    let queryTimeout: Duration

    init(_ url: DatabaseURL) throws {
        location = try url.serverLocation(defaultPort: 5432)
        try url.rejectUnknownOptions(known: ["schema", "sslmode", "pool_size", "connect_timeout", "query_timeout"])
        if let schema = url.options["schema"] {
            // Unquoted identifiers only, so the name means the same in search_path and in SQL.
            guard schema.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
                throw StorageError.invalidURL("schema must be a lower-case identifier (letters, digits, _), not '\(schema)'")
            }
            self.schema = schema
        } else {
            schema = nil
        }
        sslMode = try url.choiceOption("sslmode", default: SSLMode.prefer)
        poolSize = try url.integerOption("pool_size", default: 10, range: 1...500)
        connectTimeout = .seconds(try url.integerOption("connect_timeout", default: 10, range: 1...600))
        queryTimeout = .seconds(try url.integerOption("query_timeout", default: 30, range: 1...3600))
    }

    /// postgres-nio's client configuration for these settings.
    var configuration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
        // One more than pool_size: the outbox relay's LISTEN holds a connection for good.
        configuration.options.maximumConnections = poolSize + 1
        configuration.options.connectTimeout = connectTimeout
        if let schema {
            // A startup parameter, so every pooled connection (and every reconnect) has it.
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        return configuration
    }

    private var tls: PostgresClient.Configuration.TLS {
        switch sslMode {
        case .disable:
            return .disable
        case .prefer, .require:
            var unchecked = TLSConfiguration.makeClientConfiguration()
            unchecked.certificateVerification = .none
            return sslMode == .prefer ? .prefer(unchecked) : .require(unchecked)
        case .verifyFull:
            return .require(.makeClientConfiguration())
        }
    }
}
