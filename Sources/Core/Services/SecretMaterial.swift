import Crypto
import Foundation

/// Random secrets and the keyed hash that API keys are stored under.
public struct SecretMaterial: Sendable {
    /// The visible start of every API key, so leaked keys are easy to recognise and scan for.
    public static let apiKeyPrefix = "sbk_"
    /// How many characters of a key are kept for display (prefix included).
    public static let displayPrefixLength = 12

    private let pepper: SymmetricKey

    /// Derives the hashing pepper from the server secret (`WEBHOOK_SECRET_KEY`), so a stolen
    /// database alone cannot be used to test guessed keys.
    public init(serverSecret: String) {
        pepper = Self.deriveKey(from: serverSecret, purpose: "api-key-hash-v1")
    }

    /// A 256-bit key for one purpose, derived from the server secret with HKDF-SHA256, so
    /// every use of `WEBHOOK_SECRET_KEY` gets an independent key.
    static func deriveKey(from serverSecret: String, purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(serverSecret.utf8)),
            salt: Data("switchboard".utf8),
            info: Data(purpose.utf8),
            outputByteCount: 32)
    }

    /// The keyed hash an API key is stored and looked up under (hex HMAC-SHA256).
    public func hash(apiKey: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(apiKey.utf8), using: pepper))
    }

    /// A new API key: the prefix and 32 random bytes in URL-safe base64.
    public static func newApiKey() -> String {
        apiKeyPrefix + randomBase64URL(byteCount: 32)
    }

    /// A new webhook signing secret in the Standard Webhooks form `whsec_<base64 of 24 bytes>`.
    public static func newWebhookSecret() -> String {
        "whsec_" + Data(randomBytes(24)).base64EncodedString()
    }

    /// Whether text has the shape of one of our API keys; lets obviously wrong tokens be
    /// refused without a database look-up.
    public static func looksLikeApiKey(_ text: String) -> Bool {
        text.hasPrefix(apiKeyPrefix) && text.utf8.count == apiKeyPrefix.utf8.count + 43
            && text.utf8.dropFirst(apiKeyPrefix.utf8.count).allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x5F
            }
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    static func randomBase64URL(byteCount: Int) -> String {
        Data(randomBytes(byteCount)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
