import Core
import Server
import Testing

@Suite("Server settings")
struct SettingsTests {
    static let secret = ["WEBHOOK_SECRET_KEY": "a-long-enough-secret-value"]

    @Test("Defaults match the documentation")
    func defaults() throws {
        let settings = try ServerSettings(environment: Self.secret)
        #expect(settings.databaseURL == "sqlite://./switchboard.sqlite")
        #expect(settings.host == "127.0.0.1")
        #expect(settings.port == 8080)
        #expect(settings.logLevel == .info)
        #expect(settings.retryAttempts == 3)
        #expect(settings.retryDelayMilliseconds == 5000)
        #expect(settings.apiKeyExpiryDays == 365)
        #expect(settings.cleanupIntervalHours == 24)
    }

    @Test("Bad values are refused with the variable's name", arguments: [
        ["PORT": "0"], ["PORT": "http"], ["WEBHOOK_RETRY_ATTEMPTS": "-1"], ["WEBHOOK_RETRY_DELAY": "0"],
        ["API_KEY_EXPIRY_DAYS": "x"], ["WEBHOOK_CLEANUP_INTERVAL": "0"], ["LOG_LEVEL": "loud"], ["DATABASE_URL": "redis://x"],
    ])
    func invalid(overrides: [String: String]) {
        let environment = Self.secret.merging(overrides) { $1 }
        #expect {
            try ServerSettings(environment: environment)
        } throws: { error in
            let message = (error as? ConfigurationError)?.message ?? (error as? StorageError)?.description ?? ""
            return overrides.keys.allSatisfy { message.contains($0) } || message.contains("DATABASE_URL")
        }
    }

    @Test("Development mode replaces a missing or example secret, and only then")
    func developmentMode() throws {
        let dev = try ServerSettings(environment: ["SWITCHBOARD_ENV": "development"])
        #expect(dev.isDevelopment && dev.secretKey == ServerSettings.developmentSecret)
        let example = try ServerSettings(environment: ["SWITCHBOARD_ENV": "development", "WEBHOOK_SECRET_KEY": ServerSettings.placeholderSecret])
        #expect(example.secretKey == ServerSettings.developmentSecret)
        let own = try ServerSettings(environment: ["SWITCHBOARD_ENV": "development", "WEBHOOK_SECRET_KEY": "my-own-long-secret-value"])
        #expect(own.secretKey == "my-own-long-secret-value")
        #expect(throws: ConfigurationError.self) { try ServerSettings(environment: ["SWITCHBOARD_ENV": "production"]) }
    }

    @Test("A missing, short or example WEBHOOK_SECRET_KEY is refused", arguments: [
        [:], ["WEBHOOK_SECRET_KEY": ""], ["WEBHOOK_SECRET_KEY": "short"],
        ["WEBHOOK_SECRET_KEY": "your-webhook-secret-key-change-in-production"],
    ])
    func secret(environment: [String: String]) {
        #expect(throws: ConfigurationError.self) { try ServerSettings(environment: environment) }
    }
}
