/// The `DEBUG` variable as the Node `debug` module reads it, which the Node original documents
/// (`DEBUG=webhook:*`): namespaces separated by commas or spaces, `*` matching any run of
/// characters, and a leading `-` excluding a namespace. Switchboard's subsystems are
/// `webhook:delivery`, `webhook:cleanup` and `webhook:server`.
package struct DebugNamespaces: Sendable, Equatable {
    private let included: [String]
    private let excluded: [String]

    /// Parses a `DEBUG` value; an empty one enables nothing.
    package init(_ specification: String) {
        let names = specification.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        included = names.filter { !$0.hasPrefix("-") }
        excluded = names.filter { $0.hasPrefix("-") }.map { String($0.dropFirst()) }
    }

    /// Whether debug output is on for `namespace`.
    package func isEnabled(_ namespace: String) -> Bool {
        !excluded.contains { Self.matches(namespace, pattern: $0) } && included.contains { Self.matches(namespace, pattern: $0) }
    }

    /// The namespace of a logger label: `switchboard.delivery` → `webhook:delivery`,
    /// `switchboard` → `webhook:server`.
    package static func namespace(forLoggerLabel label: String) -> String {
        let prefix = "switchboard."
        return label.hasPrefix(prefix) ? "webhook:" + label.dropFirst(prefix.count) : "webhook:server"
    }

    /// Glob matching with `*` only, over whole strings.
    static func matches(_ text: String, pattern: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return text == pattern }
        guard text.hasPrefix(parts[0]) else { return false }
        var rest = text.dropFirst(parts[0].count)
        for (index, part) in parts.enumerated().dropFirst() {
            if index == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }
}
