import Crypto
import Foundation

/// Signs delivery bodies the two ways receivers check them.
///
/// - `X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, body)>`, the Node original's
///   header, keyed with the secret text as it is, so its Node receiver snippet verifies it.
/// - Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`
///   where a `whsec_` secret's key is the base64-decoded rest and any other secret is its
///   UTF-8 bytes. During a secret rotation both signatures are sent, space-separated.
package enum Signer {
    /// The `X-Webhook-Signature` value.
    package static func webhookSignature(body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + Hex.encode(mac)
    }

    /// One Standard Webhooks signature, `v1,<base64>`.
    package static func standardSignature(id: String, timestamp: Int, body: [UInt8], secret: String) -> String {
        var message = Array("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: standardKey(secret)))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The HMAC key a Standard Webhooks receiver derives from a secret.
    package static func standardKey(_ secret: String) -> Data {
        if secret.hasPrefix("whsec_"), let decoded = Data(base64Encoded: String(secret.dropFirst(6))) {
            return decoded
        }
        return Data(secret.utf8)
    }

    /// Every header that carries a signature, for the current secret and, during a rotation,
    /// the previous one.
    package static func headers(eventID: String, timestamp: Int, body: [UInt8], secret: String, previousSecret: String?) -> [(
        String, String
    )] {
        var standard = standardSignature(id: eventID, timestamp: timestamp, body: body, secret: secret)
        if let previousSecret {
            standard += " " + standardSignature(id: eventID, timestamp: timestamp, body: body, secret: previousSecret)
        }
        return [
            ("X-Webhook-Signature", webhookSignature(body: body, secret: secret)),
            ("webhook-id", eventID),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", standard),
        ]
    }
}
