import Foundation
import Core
import Server
import Testing

@Suite("Server settings")
struct SettingsTests {
    static let secret = ["WEBHOOK_SECRET_KEY": "3b0c6f1e9a7d4c2b8e5f0a1d6c3b9e7f2a4d8c0b6e1f5a3d9c7b2e0f4a6d8c1b"]

    @Test("Defaults match the documentation")
    func defaults() throws {
        let settings = try ServerSettings(environment: Self.secret)
        #expect(settings.databaseURL.raw == "sqlite://./switchboard.sqlite")
        #expect(settings.host == "127.0.0.1")
        #expect(settings.port == 8080)
        #expect(settings.logLevel == .info)
        #expect(settings.retryAttempts == 3)
        #expect(settings.retryDelayMilliseconds == 5000)
        #expect(settings.apiKeyExpiryDays == 365)
        #expect(settings.cleanupIntervalHours == 24)
        #expect(settings.handoff)
        #expect(settings.proxyStyle == .nginx)
        #expect(settings.streamResumeWindowSeconds == 300 && settings.streamMaxPerKey == 10)
        #expect(try ServerSettings(environment: Self.secret.merging(["AUTH_PROXY_STYLE": "Forwarded"]) { $1 }).proxyStyle == .forwarded)
        #expect(
            try ServerSettings(environment: Self.secret.merging(["GATEWAY_UPSTREAM": "http://crm"]) { $1 }).gateway?.bufferBytes == 64 << 20
        )
        #expect(try !ServerSettings(environment: Self.secret.merging(["WEBHOOK_HANDOFF": "false"]) { $1 }).handoff)
    }

    @Test(
        "Bad values are refused with the variable's name",
        arguments: [
            ["PORT": "0"], ["PORT": "http"], ["WEBHOOK_RETRY_ATTEMPTS": "-1"], ["WEBHOOK_RETRY_DELAY": "0"],
            ["API_KEY_EXPIRY_DAYS": "x"], ["WEBHOOK_CLEANUP_INTERVAL": "0"], ["LOG_LEVEL": "loud"], ["DATABASE_URL": "redis://x"],
            ["WEBHOOK_HANDOFF": "sometimes"], ["AUTH_PROXY_STYLE": "apache"], ["STREAM_MAX_PER_KEY": "0"],
            ["STREAM_RESUME_WINDOW_SECONDS": "5"],
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
        let example = try ServerSettings(environment: [
            "SWITCHBOARD_ENV": "development", "WEBHOOK_SECRET_KEY": ServerSettings.placeholderSecret,
        ])
        #expect(example.secretKey == ServerSettings.developmentSecret)
        let own = try ServerSettings(environment: ["SWITCHBOARD_ENV": "development", "WEBHOOK_SECRET_KEY": "my-own-long-secret-value"])
        #expect(own.secretKey == "my-own-long-secret-value")
        #expect(throws: ConfigurationError.self) { try ServerSettings(environment: ["SWITCHBOARD_ENV": "production"]) }
        #expect(try ServerSettings(environment: ["SWITCHBOARD_ENV": "development", "HOST": "::1"]).isDevelopment)
        #expect(try ServerSettings(environment: ["SWITCHBOARD_ENV": "development", "HOST": "localhost"]).isDevelopment)
    }

    @Test(
        "Development mode is refused unless the server listens on loopback only and uses SQLite",
        arguments: [
            ["HOST": "0.0.0.0"], ["HOST": "::"], ["HOST": "10.0.0.5"], ["HOST": "example.com"],
            ["DATABASE_URL": "postgres://u:p@127.0.0.1/x"], ["DATABASE_URL": "mysql://u:p@127.0.0.1/x"],
        ])
    func developmentModeRefused(overrides: [String: String]) {
        #expect {
            try ServerSettings(environment: ["SWITCHBOARD_ENV": "development"].merging(overrides) { $1 })
        } throws: { error in
            (error as? ConfigurationError)?.message.contains("SWITCHBOARD_ENV=development is only allowed") == true
        }
    }

    @Test(
        "Outside development WEBHOOK_SECRET_KEY needs 32 bytes of randomness",
        arguments: [
            ("0123456789abcdef", false), ("correct-horse-battery-staple-42", false), (String(repeating: "ab", count: 40), false),
            ("3b0c6f1e9a7d4c2b8e5f0a1d6c3b9e7f2a4d8c0b6e1f5a3d9c7b2e0f4a6d8c1", false),
            ("3b0c6f1e9a7d4c2b8e5f0a1d6c3b9e7f2a4d8c0b6e1f5a3d9c7b2e0f4a6d8c1b", true),
            ("q3V8mZx1Lk9PwR2tY7nB4cJ6hF0sD5aG8eU1iO3pQ9w", true),
        ])
    func rootSecretEntropy(secret: String, accepted: Bool) {
        let result = Result { try ServerSettings(environment: ["WEBHOOK_SECRET_KEY": secret]) }
        #expect(((try? result.get()) != nil) == accepted, "\(secret)")
        if !accepted, case .failure(let error) = result {
            #expect(
                (error as? ConfigurationError)?.message.contains("32 bytes") == true
                    || (error as? ConfigurationError)?.message.contains("16 characters") == true)
        }
    }

    @Test(
        "A missing, short or example WEBHOOK_SECRET_KEY is refused",
        arguments: [
            [:], ["WEBHOOK_SECRET_KEY": ""], ["WEBHOOK_SECRET_KEY": "short"],
            ["WEBHOOK_SECRET_KEY": "your-webhook-secret-key-change-in-production"],
        ])
    func secret(environment: [String: String]) {
        #expect(throws: ConfigurationError.self) { try ServerSettings(environment: environment) }
    }
}

@Suite("Settings declared once")
struct SettingsCatalogueTests {
    static let base = SettingsTests.secret.merging(["GATEWAY_UPSTREAM": "http://crm.internal"]) { $1 }

    static func refusal(_ name: String, _ value: String) -> String? {
        do {
            _ = try ServerSettings(environment: base.merging([name: value]) { $1 })
            return nil
        } catch {
            return (error as? ConfigurationError)?.message ?? "\(error)"
        }
    }

    @Test("Every declared setting with a checkable value is read: one past its range or not of its kind is refused by name")
    func everyDeclarationIsRead() {
        for setting in SettingsCatalogue.all {
            let bad: String
            switch setting.kind {
            case .integer(let range): bad = String(range.upperBound + 1)
            case .number(let range): bad = String(range.upperBound * 2)
            case .boolean: bad = "sometimes"
            case .rateLimit: bad = "often"
            case .choice: bad = "none-of-these"
            case .text: continue
            }
            let message = Self.refusal(setting.name, bad)
            #expect(message?.contains(setting.name) == true, "\(setting.name)=\(bad) was accepted (\(message ?? "no error"))")
        }
    }

    @Test("Integer defaults are the documented ones and lie in their ranges")
    func integerDefaults() throws {
        let settings = try ServerSettings(environment: SettingsTests.secret)
        #expect(settings.port == SettingsCatalogue.port.defaultValue)
        #expect(settings.maxEventBytes == SettingsCatalogue.maxEventBytes.defaultValue)
        for setting in SettingsCatalogue.all {
            guard case .integer(let range) = setting.kind, let number = Int(setting.documentedDefault.trimmingCharacters(in: ["`"])) else {
                continue
            }
            #expect(range.contains(number), "\(setting.name)'s default \(number) lies outside \(range)")
        }
    }

    @Test("docs/configuration.md is the page the declarations write (run `make settings-page` after changing one)")
    func pageIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        #expect(committed == ConfigurationPage.markdown())
        #expect(Set(SettingsCatalogue.all.map(\.name)).count == SettingsCatalogue.all.count, "a setting is declared twice")
    }
}
