import Foundation

/// Records who changed what, with secrets taken out, and answers questions about it.
package struct AuditTrail: Sendable {
    let driver: any StorageDriver
    let environment: CoreEnvironment

    /// Field names whose values never reach the audit trail.
    package static let redactedFields: Set<String> = ["secret", "key", "password", "token", "authorization", "previousSecret"]
    /// Accepted page sizes of the audit log.
    package static let limits = 1...500
    /// Longest change summary kept.
    package static let maxSummaryBytes = 4096

    /// Creates the trail.
    package init(driver: any StorageDriver, environment: CoreEnvironment = .live) {
        self.driver = driver
        self.environment = environment
    }

    /// Records one operation. `changes` is the request's JSON object; secret fields are
    /// replaced by `"[redacted]"` at any depth before it is stored.
    package func record(actor: UUID?, action: String, targetType: String, targetID: String?, clientAddress: String?, changes: JSONValue?)
        async throws
    {
        var summary = changes.map { Self.redact($0).compactText }
        if let text = summary, text.utf8.count > Self.maxSummaryBytes {
            // Too large to keep whole: keep which fields were sent, still valid JSON.
            if case .object(let members)? = changes {
                summary = JSONValue.object(members.map { ($0.key, .string("[omitted: too large]")) }).compactText
            } else {
                summary = JSONValue.string("[omitted: \(text.utf8.count) bytes]").compactText
            }
        }
        try await AuditStore(executor: driver).insert(
            AuditEntry(
                id: environment.newID(), actorKeyID: actor, action: action, targetType: targetType,
                targetID: targetID.map(StorableText.clean),
                clientAddress: clientAddress, changes: summary, createdAt: environment.currentTime()))
    }

    /// Entries newest first (at most 500).
    package func list(_ filter: AuditFilter, cursor: String? = nil, limit: Int) async throws -> (entries: [AuditEntry], nextCursor: String?)
    {
        guard Self.limits.contains(limit) else {
            throw SwitchboardError.badRequest("limit must be between 1 and 500", code: "invalid_query")
        }
        let entries = try await AuditStore(executor: driver).list(filter, after: try cursor.map(PageCursor.decode), limit: limit)
        let next = entries.count == limit ? entries.last.map { PageCursor.encode(createdAt: $0.createdAt, id: $0.id) } : nil
        return (entries, next)
    }

    static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(
                members.map { member in
                    (member.key, redactedFields.contains(member.key) ? .string("[redacted]") : redact(member.value))
                })
        case .array(let items):
            return .array(items.map(redact))
        default:
            return value
        }
    }
}
