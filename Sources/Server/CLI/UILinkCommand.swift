import ArgumentParser
import Core
import Foundation

/// `switchboard ui-link`: prints a single-use console sign-in link for a key, so an operator
/// can open the console without pasting the key into a browser.
struct UILinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui-link",
        abstract: "Print a single-use sign-in link to the console for an API key.",
        discussion: """
            The link signs the browser in with the key's permissions and then stops working; it \
            also expires after --ttl. Its token is in the URL's fragment, which browsers do not \
            send to servers or proxies.
            """)

    @Option(name: .customLong("key-id"), help: "The id of the API key the session acts with (see GET /api/api-keys).")
    var keyID: String

    @Option(help: "How long the link stays usable: a number with s, m or h (at most 24h).")
    var ttl: String = "10m"

    @Option(name: .customLong("base-url"), help: "The console's address as the browser reaches it (default http://HOST:PORT).")
    var baseURL: String?

    func run() async throws {
        guard let id = UUID(uuidString: keyID) else { throw ValidationError("--key-id must be an API key's id (a UUID)") }
        guard let lifetime = Self.duration(ttl) else { throw ValidationError("--ttl must be a number followed by s, m or h, e.g. 10m") }
        let settings = try loadSettings()
        let link = try await withCurrentDatabase(settings) { driver in
            let apiKeys = APIKeyService(
                driver: driver, secrets: SecretMaterial(serverSecret: settings.secretKey), defaultExpiryDays: settings.apiKeyExpiryDays)
            let sessions = SessionService(
                driver: driver, apiKeys: apiKeys, serverSecret: settings.secretKey, policy: settings.sessionPolicy)
            return try await sessions.makeLink(keyID: id, lifetime: lifetime)
        }
        let base =
            (baseURL ?? "http://\(settings.host == "0.0.0.0" || settings.host == "::" ? "127.0.0.1" : settings.host):\(settings.port)")
        print("\(base.hasSuffix("/") ? String(base.dropLast()) : base)\(settings.pathPrefix)/#/sign-in?link=\(link.token)")
        FileHandle.standardError.write(Data("single use; expires \(Timestamp.format(link.expiresAt))\n".utf8))
    }

    /// Seconds in `10s`, `10m` or `2h`.
    static func duration(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let value = Double(text.dropLast()), value > 0 else { return nil }
        switch unit {
        case "s": return value
        case "m": return value * 60
        case "h": return value * 3600
        default: return nil
        }
    }
}
