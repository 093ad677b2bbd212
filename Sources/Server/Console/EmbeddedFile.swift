/// A file of web/ built into the binary by scripts/embed-assets.py.
struct EmbeddedFile: Sendable {
    /// The `Content-Type` it is served with.
    let contentType: String
    /// Hex SHA-256 of its bytes, as the generator saw them; its ETag.
    let sha256: String
    /// Its contents (all embedded files are UTF-8 text).
    let text: String
}
