/// Text from outside (a receiver's answer, a CRM's row) made storable in every database.
/// PostgreSQL refuses the NUL character in text (SQLSTATE 22021), and C-based readers end a
/// string at it, so each NUL becomes U+FFFD, the replacement character that decoding already
/// puts where bytes are not UTF-8.
package enum StorableText {
    /// `text` with every NUL replaced; the same string when it has none (the usual case).
    package static func clean(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : $0 }))
    }

    /// Bytes as storable text: invalid UTF-8 and NUL become U+FFFD.
    package static func decoding(_ bytes: some Collection<UInt8>) -> String {
        clean(String(decoding: bytes, as: UTF8.self))
    }
}
