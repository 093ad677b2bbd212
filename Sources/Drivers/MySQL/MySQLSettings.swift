import Core

/// What a `mysql://` (or `mariadb://`) URL asks for, checked before any connection is made.
///
/// `mysql://USER:PASSWORD@HOST:PORT/DATABASE?pool_size=10&connect_timeout=10&timeout=30&sslmode=disable`
struct MySQLSettings: Sendable {
    /// Whether the connection must be encrypted.
    enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP (Connector/C's default).
        case disable
        /// TLS or no connection; the certificate is not checked.
        case require
        /// TLS with the server certificate checked.
        case verifyFull = "verify-full"
    }

    let location: DatabaseURL.ServerLocation
    let database: String
    let poolSize: Int
    /// Seconds to wait for a connection to open, and for a free pooled one.
    let connectTimeoutSeconds: Int
    /// Seconds a single read or write on the socket may take before the connection is dropped.
    let ioTimeoutSeconds: Int
    let sslMode: SSLMode

    init(_ url: DatabaseURL) throws {
        location = try url.serverLocation(defaultPort: 3306)
        guard let database = location.database else {
            throw StorageError.invalidURL("mysql URL needs a database name: mysql://USER:PASSWORD@HOST:3306/DATABASE")
        }
        self.database = database
        try url.rejectUnknownOptions(known: ["pool_size", "connect_timeout", "timeout", "sslmode"])
        poolSize = try url.integerOption("pool_size", default: 10, range: 1...500)
        connectTimeoutSeconds = try url.integerOption("connect_timeout", default: 10, range: 1...600)
        ioTimeoutSeconds = try url.integerOption("timeout", default: 30, range: 1...3600)
        sslMode = try url.choiceOption("sslmode", default: SSLMode.disable)
    }
}
