/// Which permission a request to the CRM needs: an ordered list of rules, each a set of
/// methods and a path pattern, checked by the forward-authentication endpoint.
///
/// The first rule that matches decides. Rules from `AUTH_ROUTE_MAP_FILE` come before the
/// built-in ones (the seed's table for contacts, transactions and properties), so a file can
/// add routes and override the defaults. A request no rule matches is denied, or allowed to
/// any valid key when `AUTH_UNMATCHED=allow`.
package struct RouteMap: Sendable, Equatable {
    /// What a matching rule asks of the key.
    package enum Requirement: Sendable, Equatable {
        /// The key must hold this permission (or `*`).
        case permission(Permission)
        /// Any valid key.
        case anyKey
        /// Nobody.
        case deny
    }

    /// One piece of a path pattern.
    package enum Segment: Sendable, Equatable {
        /// This exact text.
        case literal(String)
        /// Any one segment (`:name` or `*`).
        case any
        /// The rest of the path, zero segments or more (`**`, last only).
        case rest
    }

    /// One rule: methods (empty = any), a path pattern, the requirement, and the route group
    /// usage is counted under.
    package struct Rule: Sendable, Equatable {
        package let methods: Set<String>
        package let pattern: [Segment]
        package let requirement: Requirement
        /// `crm:<first segment after /api>` or the first literal segment, e.g. `crm:contacts`.
        package let routeGroup: String
        /// Where the rule came from, for messages: `AUTH_ROUTE_MAP_FILE line 3` or `built-in`.
        package let origin: String

        package init(methods: Set<String>, pattern: [Segment], requirement: Requirement, origin: String) {
            self.methods = methods
            self.pattern = pattern
            self.requirement = requirement
            self.origin = origin
            let literals = pattern.compactMap { if case .literal(let text) = $0 { text } else { nil } }
            let resource = literals.first == "api" ? literals.dropFirst().first : literals.first
            routeGroup = "crm:" + (resource ?? "root")
        }

        func matches(method: String, segments: [Substring]) -> Bool {
            guard methods.isEmpty || methods.contains(method) else { return false }
            var index = 0
            for segment in pattern {
                switch segment {
                case .rest:
                    return true
                case .any:
                    guard index < segments.count else { return false }
                case .literal(let text):
                    guard index < segments.count, segments[index] == text else { return false }
                }
                index += 1
            }
            return index == segments.count
        }
    }

    /// What the map says about one request.
    package struct Decision: Sendable, Equatable {
        package let requirement: Requirement
        package let routeGroup: String
        /// The rule that matched, or nil when none did.
        package let origin: String?
    }

    package let rules: [Rule]
    /// Whether a request no rule matches is allowed to any valid key.
    package let allowUnmatched: Bool

    /// The built-in rules followed by nothing else.
    package init(fileRules: [Rule] = [], allowUnmatched: Bool = false) {
        rules = fileRules + Self.seedRules
        self.allowUnmatched = allowUnmatched
    }

    /// The decision for a method and a path (a query string is ignored). Paths with `.` or
    /// `..` segments, or that are not absolute, match nothing: a proxy may pass the raw URI,
    /// and `/api/public/../admin` must not pass as a public route.
    package func decide(method: String, uri: String) -> Decision {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let unmatched = Decision(requirement: allowUnmatched ? .anyKey : .deny, routeGroup: "crm:unmatched", origin: nil)
        guard path.hasPrefix("/"), !segments.contains(where: { $0 == "." || $0 == ".." }) else { return unmatched }
        let method = method.uppercased()
        guard let rule = rules.first(where: { $0.matches(method: method, segments: segments) }) else { return unmatched }
        return Decision(requirement: rule.requirement, routeGroup: rule.routeGroup, origin: rule.origin)
    }

    /// The seed's permission table: reads, writes and deletions of contacts, transactions and
    /// properties under `/api/<resource>`.
    package static let seedRules: [Rule] = [
        ("contacts", Permission.readContacts, Permission.writeContacts, Permission.deleteContacts),
        ("transactions", .readTransactions, .writeTransactions, .deleteTransactions),
        ("properties", .readProperties, .writeProperties, .deleteProperties),
    ].flatMap { resource, read, write, delete in
        let pattern: [Segment] = [.literal("api"), .literal(resource), .rest]
        return [
            Rule(methods: ["GET", "HEAD"], pattern: pattern, requirement: .permission(read), origin: "built-in"),
            Rule(methods: ["POST", "PUT", "PATCH"], pattern: pattern, requirement: .permission(write), origin: "built-in"),
            Rule(methods: ["DELETE"], pattern: pattern, requirement: .permission(delete), origin: "built-in"),
        ]
    }

    /// The methods a rule may name.
    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// Rules from the text of a route-map file: one rule per line, `METHODS PATH REQUIREMENT`,
    /// where METHODS is `*` or a comma-separated list, PATH a pattern (`:name` or `*` for one
    /// segment, `**` at the end for any rest), REQUIREMENT a permission, `any` or `deny`; `#`
    /// starts a comment. Errors name the line and what to fix.
    package static func parse(_ text: String, source: String = "AUTH_ROUTE_MAP_FILE") throws -> [Rule] {
        var rules: [Rule] = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard !fields.isEmpty else { continue }
            let place = "\(source) line \(offset + 1)"
            guard fields.count == 3 else {
                throw ConfigurationError("\(place): expected METHODS PATH REQUIREMENT (e.g. `GET,HEAD /api/reports/** read:transactions`), found \(fields.count) field(s)")
            }
            var methods: Set<String> = []
            if fields[0] != "*" {
                for name in fields[0].split(separator: ",") {
                    let method = name.uppercased()
                    guard knownMethods.contains(method) else {
                        throw ConfigurationError("\(place): unknown method '\(name)'; use \(knownMethods.sorted().joined(separator: ", ")) or *")
                    }
                    methods.insert(method)
                }
            }
            let path = fields[1]
            guard path.hasPrefix("/") else { throw ConfigurationError("\(place): the path '\(path)' must start with /") }
            let pieces = path.split(separator: "/", omittingEmptySubsequences: true)
            var pattern: [Segment] = []
            for (index, piece) in pieces.enumerated() {
                if piece == "**" {
                    guard index == pieces.count - 1 else { throw ConfigurationError("\(place): ** may only end a path, as in /api/reports/**") }
                    pattern.append(.rest)
                } else if piece == "*" || piece.hasPrefix(":") {
                    pattern.append(.any)
                } else if piece.contains("*") || piece == "." || piece == ".." {
                    throw ConfigurationError("\(place): '\(piece)' is not a path segment; use a literal, :name or * for one segment, ** for the rest")
                } else {
                    pattern.append(.literal(String(piece)))
                }
            }
            let requirement: Requirement
            switch fields[2] {
            case "any": requirement = .anyKey
            case "deny": requirement = .deny
            default:
                guard let permission = Permission(rawValue: String(fields[2])) else {
                    let names = Permission.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ConfigurationError("\(place): unknown requirement '\(fields[2])'; use a permission (\(names)), any or deny")
                }
                requirement = .permission(permission)
            }
            rules.append(Rule(methods: methods, pattern: pattern, requirement: requirement, origin: place))
        }
        return rules
    }
}
