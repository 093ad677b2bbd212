import Crypto
import Foundation

/// Random secrets and the keyed hash that API keys are stored under.
package struct SecretMaterial: Sendable {
    /// The visible start of every API key, so leaked keys are easy to recognise and scan for.
    package static let apiKeyPrefix = "sbk_"
    /// How many characters of a key are kept for display (prefix included).
    package static let displayPrefixLength = 12

    /// HMAC-SHA256 keyed with the pepper and nothing hashed yet: copied for every key hashed,
    /// which spares the key set-up (two of the four SHA-256 blocks of a key's hash) on the
    /// path of every authenticated request.
    private let keyedHash: HMAC<SHA256>

    /// Derives the hashing pepper from the server secret (`WEBHOOK_SECRET_KEY`), so a stolen
    /// database alone cannot be used to test guessed keys.
    package init(serverSecret: String) {
        keyedHash = HMAC<SHA256>(key: Self.deriveKey(from: serverSecret, purpose: "api-key-hash-v1"))
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
    package func hash(apiKey: String) -> String {
        var mac = keyedHash
        mac.update(data: Array(apiKey.utf8))
        return Hex.encode(mac.finalize())
    }

    /// A new API key: the prefix and 32 random bytes in URL-safe base64.
    package static func newAPIKey() -> String {
        apiKeyPrefix + randomBase64URL(byteCount: 32)
    }

    /// A new webhook signing secret in the Standard Webhooks form `whsec_<base64 of 24 bytes>`.
    package static func newWebhookSecret() -> String {
        "whsec_" + Data(randomBytes(24)).base64EncodedString()
    }

    /// Whether text has the shape of one of our API keys; lets obviously wrong tokens be
    /// refused without a database look-up.
    package static func looksLikeAPIKey(_ text: String) -> Bool {
        looksLikeToken(text, prefix: apiKeyPrefix)
    }

    /// Whether text is `prefix` followed by 32 random bytes in URL-safe base64 (43 characters),
    /// the shape of every token Switchboard makes (API keys, console sessions, sign-in links).
    package static func looksLikeToken(_ text: String, prefix: String) -> Bool {
        text.hasPrefix(prefix) && text.utf8.count == prefix.utf8.count + 43
            && text.utf8.dropFirst(prefix.utf8.count).allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x5F
            }
    }

    /// A cautious estimate of the randomness in a secret, in bits: its length times what one
    /// character of the smallest usual alphabet holding all its characters can carry (4 bits
    /// for hex digits, 6 for base64, 6.5 for other printable text). A value with few distinct
    /// characters is no random string whatever its length, and counts 64 bits at most.
    package static func estimatedEntropyBits(_ secret: String) -> Double {
        let characters = Array(secret.unicodeScalars)
        let hex = characters.allSatisfy { $0.properties.isASCIIHexDigit }
        let base64 = characters.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil)) || "+/=_-".unicodeScalars.contains($0)
        }
        let perCharacter = hex ? 4.0 : base64 ? 6.0 : 6.5
        let bits = Double(characters.filter { $0 != "=" }.count) * perCharacter
        return Set(characters).count < 8 ? min(bits, 64) : bits
    }

    /// The randomness `WEBHOOK_SECRET_KEY` must carry outside development: 32 bytes, as
    /// `openssl rand -hex 32` (64 hex digits) or 43 base64 characters give. Every key and
    /// stored secret is derived from it, and a stored `enc:v1:` secret lets anyone holding the
    /// database test guesses offline, so a memorable value is not enough.
    package static let minimumRootSecretBits = 256.0

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
