import Core
import Crypto
import Foundation

/// One file built into the binary (see `EmbeddedFiles`, written at build time by the
/// EmbedAssets plugin).
struct EmbeddedFile: Sendable {
    /// The `Content-Type` it is served with.
    let contentType: String
    /// Its contents (all embedded files are UTF-8 text).
    let text: String

    /// Hex SHA-256 of its bytes: its ETag, and part of the assets' build digest.
    var sha256: String { Hex.encode(SHA256.hash(data: Data(text.utf8))) }
}
