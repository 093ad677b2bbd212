// swift-tools-version: 6.2
import PackageDescription

/// Settings every Switchboard target shares: Swift 6 language mode with the upcoming features
/// that keep imports and existentials explicit.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "switchboard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "switchboard", targets: ["switchboard"]),
        .executable(name: "switchboard-migrate", targets: ["switchboard-migrate"]),
    ],
    dependencies: [
        // HTTP server, lifecycle and socket-free router tests. The swift-configuration trait is
        // left off: we read our own environment and it would only add build time.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        // Embedded SQLite with a WAL connection pool.
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // HMAC-SHA256 for key hashing and signatures, HKDF for key derivation.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // Subcommands and help for `switchboard` and `switchboard-migrate`.
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // Outbound deliveries: pooled keep-alive connections, timeouts, redirect control.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // PostgreSQL: speaks the wire protocol natively (no libpq), async, pooled, a Service.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // TLS settings for PostgreSQL's sslmode; already built for async-http-client.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // NIOThreadPool keeps libmariadb's blocking calls off the cooperative pool; already
        // built for Hummingbird.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Counters, gauges and histograms through the server ecosystem's metrics API (already
        // built for Hummingbird), exported at /metrics in Prometheus' text format.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // HTTP parts as swift-http-types values in the server's channel pipeline, where the
        // connection guard sits (already built for Hummingbird).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // gzip for the console's files, compressed once at start-up (links the system zlib).
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "Core",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Sources/Core",
            swiftSettings: strictSettings
        ),
        .target(
            name: "SQLiteDriver",
            dependencies: [
                "Core",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Sources/Drivers/SQLite",
            swiftSettings: strictSettings
        ),
        .target(
            name: "PostgresDriver",
            dependencies: [
                "Core",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/Drivers/Postgres",
            swiftSettings: strictSettings
        ),
        // libmariadb (Debian's libmariadb-dev), MariaDB's C connector; also speaks to MySQL.
        .systemLibrary(
            name: "CMariaDB",
            path: "Sources/Drivers/CMariaDB",
            pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]
        ),
        .target(
            name: "MySQLDriver",
            dependencies: [
                "Core",
                "CMariaDB",
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/Drivers/MySQL",
            swiftSettings: strictSettings
        ),
        .target(
            name: "StorageDrivers",
            dependencies: ["Core", "SQLiteDriver", "PostgresDriver", "MySQLDriver"],
            path: "Sources/Drivers/Registry",
            swiftSettings: strictSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "Core",
                "StorageDrivers",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            path: "Sources/Server",
            swiftSettings: strictSettings,
            plugins: ["EmbedAssets"]
        ),
        // Writes the console's files and the OpenAPI document into the Server target at build
        // time (see Sources/Tools/EmbedAssets).
        .plugin(name: "EmbedAssets", capability: .buildTool(), dependencies: ["EmbedAssetsTool"], path: "Plugins/EmbedAssets"),
        .executableTarget(
            name: "EmbedAssetsTool",
            path: "Sources/Tools/EmbedAssets",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "switchboard",
            dependencies: ["Server"],
            path: "Sources/Executables/switchboard",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "switchboard-migrate",
            dependencies: [
                "Core",
                "StorageDrivers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Migrate",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchboardTests",
            dependencies: [
                "Core",
                "SQLiteDriver",
                "PostgresDriver",
                "MySQLDriver",
                "StorageDrivers",
                "Server",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            path: "Tests/SwitchboardTests",
            swiftSettings: strictSettings
        ),
    ]
)
