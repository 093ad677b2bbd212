import Foundation

/// Which permission a request to the CRM needs, and which event a successful write publishes
/// in gateway mode: an ordered list of rules, each a set of methods and a path pattern, used
/// by the forward-authentication endpoint and the gateway.
///
/// The first rule that matches decides. Rules from `AUTH_ROUTE_MAP_FILE` come before the
/// built-in ones (the CRM's permission table for contacts, transactions and properties), so a file can
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
        /// This text, compared without regard to case (many web frameworks route that way).
        case literal(String)
        /// Any one segment (`:name` or `*`).
        case any
        /// The rest of the path, zero segments or more (`**`, last only).
        case rest
    }

    /// One rule: methods (empty = any), a path pattern, the requirement, the event a 2xx answer
    /// publishes in gateway mode, and the route group usage is counted under.
    package struct Rule: Sendable, Equatable {
        package let methods: Set<String>
        package let pattern: [Segment]
        package let requirement: Requirement
        /// The event type the gateway publishes when the CRM answers this request with 2xx.
        package let event: String?
        /// `crm:<first segment after /api>` or the first literal segment, e.g. `crm:contacts`.
        package let routeGroup: String
        /// Where the rule came from, for messages: `AUTH_ROUTE_MAP_FILE line 3` or `built-in`.
        package let origin: String
        /// `methods` as bits of `RouteMap.methodBits` (0: any method), and the pattern's literals
        /// as bytes: matching runs on every CRM request, so it compares bytes, not Strings.
        let methodMask: UInt8
        let literalBytes: [[UInt8]?]

        package init(methods: Set<String>, pattern: [Segment], requirement: Requirement, event: String? = nil, origin: String) {
            self.methods = methods
            self.pattern = pattern
            self.requirement = requirement
            self.event = event
            self.origin = origin
            let literals = pattern.compactMap { if case .literal(let text) = $0 { text } else { nil } }
            let resource = literals.first == "api" ? literals.dropFirst().first : literals.first
            routeGroup = "crm:" + (resource ?? "root")
            methodMask = methods.reduce(0) { $0 | RouteMap.methodBit($1) }
            literalBytes = pattern.map { if case .literal(let text) = $0 { Array(text.utf8) } else { nil } }
        }

        /// Whether a request with this method bit and these (lower-case, decoded) segments
        /// matches; `loosely`, a literal also matches the forms `segment(_:names:)` allows.
        func matches(methodBit: UInt8, segments: [ArraySlice<UInt8>], loosely: Bool) -> Bool {
            guard methodMask == 0 || methodMask & methodBit != 0 else { return false }
            var index = 0
            for (position, segment) in pattern.enumerated() {
                switch segment {
                case .rest:
                    return true
                case .any:
                    guard index < segments.count else { return false }
                case .literal:
                    guard index < segments.count, let bytes = literalBytes[position],
                        loosely ? RouteMap.segment(segments[index], names: bytes) : segments[index].elementsEqual(bytes)
                    else { return false }
                }
                index += 1
            }
            return index == segments.count
        }
    }

    /// The methods a rule may name, each a bit; any other method has no bit and matches only
    /// rules for any method.
    static let methodBits = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    static func methodBit(_ method: String) -> UInt8 {
        guard let index = methodBits.firstIndex(of: method) else { return 0 }
        return 1 << UInt8(index)
    }

    /// What the map says about one request.
    package struct Decision: Sendable, Equatable {
        package let requirement: Requirement
        package let routeGroup: String
        /// The event a 2xx answer publishes in gateway mode.
        package let event: String?
        /// The rule that matched, or nil when none did.
        package let origin: String?
        /// The matching rule's pattern (empty when none matched), for `resourceID(in:)`.
        package var pattern: [Segment] = []

        /// The record a request is about: the request's segment where the rule's pattern has its
        /// last `:name` or `*` (`7` of `PUT /api/contacts/7` under `/api/contacts/:id`),
        /// percent-decoded; nil when the pattern has none.
        package func resourceID(in uri: String) -> String? {
            guard let position = pattern.lastIndex(of: .any) else { return nil }
            let segments = RouteMap.path(of: uri).split(separator: "/", omittingEmptySubsequences: true)
            guard position < segments.count else { return nil }
            let segment = String(segments[position])
            return segment.removingPercentEncoding ?? segment
        }

        /// Throws the answer for a key this decision does not let through: 403
        /// `route_not_allowed` for a denied or unmatched route, 403 `insufficient_permissions`
        /// when the key lacks the permission.
        package func authorize(_ key: APIKey, method: String, path: String) throws {
            switch requirement {
            case .deny:
                throw SwitchboardError(
                    .forbidden, code: "route_not_allowed",
                    message: origin.map { "\(method) \(path) is denied by \($0)" }
                        ?? "no route-map rule matches \(method) \(path); add one to AUTH_ROUTE_MAP_FILE")
            case .permission(let permission) where !key.permissions.grants(permission):
                throw SwitchboardError(
                    .forbidden, code: "insufficient_permissions",
                    message: "this API key lacks the '\(permission.rawValue)' permission for \(method) \(path)")
            case .permission, .anyKey:
                break
            }
        }
    }

    package let rules: [Rule]
    /// Whether a request no rule matches is allowed to any valid key.
    package let allowUnmatched: Bool

    /// The built-in rules followed by nothing else.
    package init(fileRules: [Rule] = [], allowUnmatched: Bool = false) {
        rules = fileRules + Self.builtInRules
        self.allowUnmatched = allowUnmatched
    }

    /// The decision for a method and a path (a query string is ignored). Segments are compared
    /// percent-decoded and without regard to case, as a CRM may read them (`/API/%63ontacts` is
    /// `/api/contacts`), and a literal also matches the segment with trailing dots or white
    /// space or an extension (`segment(_:names:)`). A path that is not absolute, has segments
    /// of dots only (also encoded), an encoded `/`, a `;` (path parameters, which some
    /// frameworks strip), a `#` or a control character (`%00`, `%09`) is denied whatever
    /// `AUTH_UNMATCHED` says: a proxy passes the raw URI, the CRM may normalise it, and
    /// `/api/public/../contacts` must not pass as a public route.
    package func decide(method: String, uri: String) -> Decision {
        // Bytes, lower-cased in place: this runs for every CRM request.
        var path = Array(uri.utf8.prefix { $0 != UInt8(ascii: "?") })
        let refused = Decision(requirement: .deny, routeGroup: "crm:unmatched", event: nil, origin: nil)
        guard path.first == UInt8(ascii: "/") else { return refused }
        for index in path.indices where (0x41...0x5A).contains(path[index]) { path[index] += 0x20 }
        var segments = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
        if path.contains(UInt8(ascii: "%")) {
            var decoded: [ArraySlice<UInt8>] = []
            for segment in segments {
                guard let text = String(decoding: segment, as: UTF8.self).removingPercentEncoding, !text.contains("/") else {
                    return refused
                }
                decoded.append(ArraySlice(text.lowercased().utf8))
            }
            segments = decoded
        }
        for segment in segments {
            // Only dots (`..`, and `...`, which some servers shorten), path parameters, a
            // fragment, or a control character (a NUL ends the path for C-based servers).
            if segment.allSatisfy({ $0 == UInt8(ascii: ".") })
                || segment.contains(where: { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "#") || $0 < 0x20 || $0 == 0x7F })
            {
                return refused
            }
        }
        let methodBit = Self.methodBit(method.utf8.contains(where: { (0x61...0x7A).contains($0) }) ? method.uppercased() : method)
        let exact = rules.firstIndex { $0.matches(methodBit: methodBit, segments: segments, loosely: false) }
        // A segment with a dot, a space or other text at its end may be read by the CRM as the
        // plain segment or as itself: both readings are decided, and the stricter one holds.
        guard segments.contains(where: { $0.contains(UInt8(ascii: ".")) || ($0.last ?? 0) == UInt8(ascii: " ") || ($0.last ?? 0) >= 0x80 })
        else {
            return decision(exact)
        }
        let loose = rules.firstIndex { $0.matches(methodBit: methodBit, segments: segments, loosely: true) }
        return loose == exact ? decision(exact) : Self.stricter(decision(exact), decision(loose))
    }

    /// The decision of the rule at `index`, or of no rule.
    private func decision(_ index: Int?) -> Decision {
        guard let index else {
            return Decision(requirement: allowUnmatched ? .anyKey : .deny, routeGroup: "crm:unmatched", event: nil, origin: nil)
        }
        let rule = rules[index]
        return Decision(
            requirement: rule.requirement, routeGroup: rule.routeGroup, event: rule.event, origin: rule.origin, pattern: rule.pattern)
    }

    /// Of two readings of one request, the one that asks more: a denial over a permission over
    /// any key; two different permissions cannot both be asked, so the request is denied.
    static func stricter(_ first: Decision, _ second: Decision) -> Decision {
        switch (first.requirement, second.requirement) {
        case (.deny, _), (_, .anyKey): return first
        case (_, .deny), (.anyKey, _): return second
        case (.permission(let one), .permission(let other)):
            if one == other { return first }
            let origins = [first.origin, second.origin].map { $0 ?? "no rule" }.joined(separator: " and ")
            return Decision(
                requirement: .deny, routeGroup: first.routeGroup, event: nil,
                origin: "\(origins), which ask different permissions of the same path read two ways")
        }
    }

    /// Whether a request segment (decoded, lower case) names the literal `name` as a CRM's
    /// router may read it: exactly, with trailing dots or white space (`export.`, `export%20`),
    /// or with an extension (`export.json`, which Rails and others route to `export`). So a
    /// rule about `export` also covers those forms, for deny rules and others alike.
    static func segment(_ segment: ArraySlice<UInt8>, names name: [UInt8]) -> Bool {
        if segment.elementsEqual(name) { return true }
        let stem = trimmedEnd(segment)
        if stem.elementsEqual(name) { return true }
        return stem.count > name.count && stem.starts(with: name) && stem[stem.startIndex + name.count] == UInt8(ascii: ".")
    }

    /// A segment without the dots and white space at its end (Unicode white space included,
    /// such as a no-break space, for routers that trim it).
    static func trimmedEnd(_ segment: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var end = segment.endIndex
        while end > segment.startIndex, segment[end - 1] == UInt8(ascii: ".") || segment[end - 1] == UInt8(ascii: " ") { end -= 1 }
        guard end > segment.startIndex, segment[end - 1] >= 0x80 else { return segment[segment.startIndex..<end] }
        let text = String(decoding: segment[segment.startIndex..<end], as: UTF8.self)
        let trimmed = text.unicodeScalars.reversed().drop { $0.properties.isWhitespace || $0 == "." }.reversed()
        let bytes = String(String.UnicodeScalarView(trimmed)).utf8
        return segment.starts(with: bytes) ? segment.prefix(bytes.count) : segment[segment.startIndex..<end]
    }

    /// The path of a request target: everything before the first `?`.
    package static func path(of target: String) -> Substring {
        target[..<(target.firstIndex(of: "?") ?? target.endIndex)]
    }

    /// The CRM's permission table: reads, writes and deletions of contacts, transactions and
    /// properties under `/api/<resource>`; creating one (`POST /api/contacts`), changing one
    /// (`PUT|PATCH /api/contacts/:id`) and deleting one (`DELETE /api/contacts/:id`) are marked
    /// with the built-in events (`contact.created`, `contact.updated`, `contact.deleted`).
    package static let builtInRules: [Rule] = [
        ("contacts", "contact", Permission.readContacts, Permission.writeContacts, Permission.deleteContacts),
        ("transactions", "transaction", .readTransactions, .writeTransactions, .deleteTransactions),
        ("properties", "property", .readProperties, .writeProperties, .deleteProperties),
    ].flatMap { resource, singular, read, write, delete in
        let pattern: [Segment] = [.literal("api"), .literal(resource), .rest]
        let collection: [Segment] = [.literal("api"), .literal(resource)]
        let member: [Segment] = [.literal("api"), .literal(resource), .any]
        return [
            Rule(methods: ["POST"], pattern: collection, requirement: .permission(write), event: "\(singular).created", origin: "built-in"),
            Rule(
                methods: ["PUT", "PATCH"], pattern: member, requirement: .permission(write), event: "\(singular).updated",
                origin: "built-in"),
            Rule(methods: ["DELETE"], pattern: member, requirement: .permission(delete), event: "\(singular).deleted", origin: "built-in"),
            Rule(methods: ["GET", "HEAD"], pattern: pattern, requirement: .permission(read), origin: "built-in"),
            Rule(methods: ["POST", "PUT", "PATCH"], pattern: pattern, requirement: .permission(write), origin: "built-in"),
            Rule(methods: ["DELETE"], pattern: pattern, requirement: .permission(delete), origin: "built-in"),
        ]
    }

    /// The methods a rule may name.
    static let knownMethods = Set(methodBits)

    /// Rules from the text of a route-map file: one rule per line, `METHODS PATH REQUIREMENT
    /// [EVENT]`, where METHODS is `*` or a comma-separated list, PATH a pattern (`:name` or `*`
    /// for one segment, `**` at the end for any rest), REQUIREMENT a permission, `any` or
    /// `deny`, and EVENT the event type the gateway publishes when the CRM answers 2xx
    /// (`resource.action`); `#` starts a comment. Errors name the line and what to fix.
    package static func parse(_ text: String, source: String = "AUTH_ROUTE_MAP_FILE") throws -> [Rule] {
        var rules: [Rule] = []
        for (offset, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard !fields.isEmpty else { continue }
            let place = "\(source) line \(offset + 1)"
            guard fields.count == 3 || fields.count == 4 else {
                throw ConfigurationError(
                    "\(place): expected METHODS PATH REQUIREMENT [EVENT] (e.g. `GET,HEAD /api/reports/** read:transactions` or `POST /api/notes write:contacts note.created`), found \(fields.count) field(s)"
                )
            }
            var methods: Set<String> = []
            if fields[0] != "*" {
                for name in fields[0].split(separator: ",") {
                    let method = name.uppercased()
                    guard knownMethods.contains(method) else {
                        throw ConfigurationError(
                            "\(place): unknown method '\(name)'; use \(knownMethods.sorted().joined(separator: ", ")) or *")
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
                    guard index == pieces.count - 1 else {
                        throw ConfigurationError("\(place): ** may only end a path, as in /api/reports/**")
                    }
                    pattern.append(.rest)
                } else if piece == "*" || piece.hasPrefix(":") {
                    pattern.append(.any)
                } else if piece.contains("*") || piece == "." || piece == ".." {
                    throw ConfigurationError(
                        "\(place): '\(piece)' is not a path segment; use a literal, :name or * for one segment, ** for the rest")
                } else {
                    pattern.append(.literal(piece.lowercased()))
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
            var event: String?
            if fields.count == 4 {
                guard EventTypeCatalog.isValidName(String(fields[3])), !EventType.isReserved(String(fields[3])) else {
                    throw ConfigurationError(
                        "\(place): '\(fields[3])' is not an event type to publish; use resource.action in lower case, e.g. note.created (webhook.* is reserved)"
                    )
                }
                event = String(fields[3])
            }
            rules.append(Rule(methods: methods, pattern: pattern, requirement: requirement, event: event, origin: place))
        }
        return rules
    }
}
