/// A kind of event webhooks subscribe to, named `resource.action`.
package struct EventType: Sendable, Equatable, Codable {
    /// The name, e.g. `contact.created`.
    package let name: String
    /// When it is published.
    package let description: String

    /// Creates an event type.
    package init(name: String, description: String) {
        self.name = name
        self.description = description
    }

    /// Subscribing to this name receives every event type.
    package static let wildcard = "*"

    /// The resource whose events only Switchboard itself publishes (health changes, test
    /// sends): a key with `write:events` may neither publish nor register `webhook.*`, so a
    /// subscriber can trust that such an event, signed like any other, came from the server.
    package static let reservedResource = "webhook"

    /// Whether `name` belongs to Switchboard's own events.
    package static func isReserved(_ name: String) -> Bool {
        name.hasPrefix(reservedResource + ".")
    }

    /// The ten built-in event types (contacts, transactions, properties), then the operational events the health monitor
    /// publishes.
    package static let builtIn: [EventType] = [
        EventType(name: "contact.created", description: "Triggered when a new contact is created"),
        EventType(name: "contact.updated", description: "Triggered when a contact is updated"),
        EventType(name: "contact.deleted", description: "Triggered when a contact is deleted"),
        EventType(name: "transaction.created", description: "Triggered when a new transaction is created"),
        EventType(name: "transaction.updated", description: "Triggered when a transaction is updated"),
        EventType(name: "transaction.deleted", description: "Triggered when a transaction is deleted"),
        EventType(name: "property.created", description: "Triggered when a new property is created"),
        EventType(name: "property.updated", description: "Triggered when a property is updated"),
        EventType(name: "property.deleted", description: "Triggered when a property is deleted"),
        EventType(name: "webhook.test", description: "Test event for webhook verification"),
        EventType(name: "webhook.disabled", description: "A webhook was disabled (by hand, 410 Gone, or too many failures in a row)"),
        EventType(name: "webhook.unhealthy", description: "A webhook's health state became unhealthy"),
        EventType(name: "webhook.recovered", description: "A webhook left the unhealthy or disabled state"),
    ]
}
