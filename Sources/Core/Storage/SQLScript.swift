/// Splits a script of SQL statements at the semicolons that end them, for databases whose
/// protocol takes one statement at a time (PostgreSQL's extended protocol).
///
/// Semicolons inside quoted strings, quoted identifiers, dollar-quoted bodies
/// (`$$ … $$`, `$tag$ … $tag$`) and comments do not split. Statements that hold only
/// whitespace and comments are dropped.
package enum SQLScript {
    /// The statements of `script`, in order, without their terminating semicolons.
    package static func statements(_ script: String) -> [String] {
        let characters = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var hasCode = false
        var index = 0

        func finish() {
            if hasCode {
                let text = String(current).trimmingWhitespace()
                if !text.isEmpty { statements.append(text) }
            }
            current = String.UnicodeScalarView()
            hasCode = false
        }
        func copy(to end: Int) {
            current.append(contentsOf: characters[index..<min(end, characters.count)])
            index = min(end, characters.count)
        }
        func position(of terminator: [Unicode.Scalar], from start: Int) -> Int {
            var probe = start
            while probe + terminator.count <= characters.count {
                if Array(characters[probe..<probe + terminator.count]) == terminator { return probe + terminator.count }
                probe += 1
            }
            return characters.count
        }

        while index < characters.count {
            let character = characters[index]
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            switch character {
            case "-" where next == "-":
                copy(to: position(of: ["\n"], from: index))
            case "/" where next == "*":
                copy(to: position(of: ["*", "/"], from: index + 2))
            case "'", "\"", "`":
                hasCode = true
                // A doubled quote inside is an escaped quote: scanning on finds the real end.
                copy(to: position(of: [character], from: index + 1))
            case "$":
                hasCode = true
                if let tagEnd = characters[(index + 1)...].firstIndex(where: {
                    !($0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0))
                }),
                    characters[tagEnd] == "$"
                {
                    let tag = Array(characters[index...tagEnd])
                    copy(to: position(of: tag, from: tagEnd + 1))
                } else {
                    copy(to: index + 1)
                }
            case ";":
                index += 1
                finish()
            default:
                if !character.properties.isWhitespace { hasCode = true }
                copy(to: index + 1)
            }
        }
        finish()
        return statements
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
