/// What an API key may do. The names are the CRM's permission names; `*` grants everything.
package enum Permission: String, Sendable, CaseIterable, Codable, Comparable {
    case readContacts = "read:contacts"
    case writeContacts = "write:contacts"
    case deleteContacts = "delete:contacts"
    case readTransactions = "read:transactions"
    case writeTransactions = "write:transactions"
    case deleteTransactions = "delete:transactions"
    case readProperties = "read:properties"
    case writeProperties = "write:properties"
    case deleteProperties = "delete:properties"
    case readWebhooks = "read:webhooks"
    case writeWebhooks = "write:webhooks"
    case deleteWebhooks = "delete:webhooks"
    /// Publish events and manage custom event types (Switchboard's addition to the CRM's permissions).
    case writeEvents = "write:events"
    case all = "*"

    /// One line for documentation and the UI.
    package var summary: String {
        switch self {
        case .readContacts: "Read contact data"
        case .writeContacts: "Create and update contacts"
        case .deleteContacts: "Delete contacts"
        case .readTransactions: "Read transaction data"
        case .writeTransactions: "Create and update transactions"
        case .deleteTransactions: "Delete transactions"
        case .readProperties: "Read property data"
        case .writeProperties: "Create and update properties"
        case .deleteProperties: "Delete properties"
        case .readWebhooks: "Read webhook configurations"
        case .writeWebhooks: "Create and update webhooks"
        case .deleteWebhooks: "Delete webhooks"
        case .writeEvents: "Publish events and register or retire custom event types"
        case .all: "Full access to all resources"
        }
    }

    package static func < (lhs: Permission, rhs: Permission) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

extension Collection<Permission> {
    /// Whether a key holding these permissions may do what `required` guards.
    package func grants(_ required: Permission) -> Bool {
        contains(.all) || contains(required)
    }
}
