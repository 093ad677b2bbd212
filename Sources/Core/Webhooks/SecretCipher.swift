import Crypto
import Foundation

/// Encrypts webhook signing secrets before they are stored: AES-256-GCM under a key derived
/// from `WEBHOOK_SECRET_KEY`, stored as `enc:v1:<base64 of nonce, ciphertext and tag>`.
/// A stolen database (or backup) alone does not reveal the secrets.
package struct SecretCipher: Sendable {
    static let prefix = "enc:v1:"
    private let key: SymmetricKey
    /// A digest of the server secret, to recognise it when someone offers it as a webhook's
    /// secret; comparing digests takes the same time whatever the candidate shares with it.
    private let serverSecretDigest: [UInt8]

    /// Derives the encryption key from the server secret.
    package init(serverSecret: String) {
        key = SecretMaterial.deriveKey(from: serverSecret, purpose: "webhook-secret-encryption-v1")
        serverSecretDigest = Array(SHA256.hash(data: Array(serverSecret.utf8)))
    }

    /// Whether `candidate` is the server's own secret (`WEBHOOK_SECRET_KEY`).
    package func isServerSecret(_ candidate: String) -> Bool {
        Array(SHA256.hash(data: Array(candidate.utf8))) == serverSecretDigest
    }

    /// Whether stored text is already encrypted.
    package static func isEncrypted(_ stored: String) -> Bool {
        stored.hasPrefix(prefix)
    }

    /// The stored form of a secret.
    package func seal(_ secret: String) throws -> String {
        let box = try AES.GCM.seal(Data(secret.utf8), using: key)
        guard let combined = box.combined else { throw StorageError.driver(detail: "AES-GCM produced no combined box") }
        return Self.prefix + combined.base64EncodedString()
    }

    /// The secret behind a stored value. Values stored before encryption was introduced are
    /// returned as they are (the server encrypts them at start-up).
    package func open(_ stored: String) throws -> String {
        guard Self.isEncrypted(stored) else { return stored }
        guard let data = Data(base64Encoded: String(stored.dropFirst(Self.prefix.count))),
            let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: key),
            let secret = String(data: plain, encoding: .utf8)
        else {
            throw StorageError.driver(detail: "a stored webhook secret cannot be decrypted: was WEBHOOK_SECRET_KEY changed?")
        }
        return secret
    }

    /// Encrypts every webhook secret still stored in plaintext; returns how many were changed.
    /// Safe to run at every start.
    @discardableResult
    package func encryptPlaintextSecrets(driver: any StorageDriver) async throws -> Int {
        let store = WebhookStore(executor: driver, cipher: self)
        var changed = 0
        for (id, secret, previous) in try await store.storedSecrets() {
            guard secret.map({ !Self.isEncrypted($0) }) == true || previous.map({ !Self.isEncrypted($0) }) == true else { continue }
            try await store.replaceStoredSecrets(
                id: id, secret: try secret.map { Self.isEncrypted($0) ? $0 : try seal($0) },
                previous: try previous.map { Self.isEncrypted($0) ? $0 : try seal($0) })
            changed += 1
        }
        return changed
    }
}
