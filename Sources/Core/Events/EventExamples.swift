/// A plausible `data` object for each event type, shown beside the type in the console and
/// the API and sent by test deliveries, so receivers can be written against a real shape.
package enum EventExamples {
    /// The example `data` of an event type: for the CRM's resources a record as the CRM sends
    /// it (a deletion carries the id only), for anything else an object with an id.
    package static func data(for type: String) -> JSONValue {
        let parts = type.split(separator: ".", maxSplits: 1).map(String.init)
        let resource = parts.first ?? type
        let action = parts.count > 1 ? parts[1] : ""
        let record: [(key: String, value: JSONValue)]
        switch resource {
        case "contact":
            record = [
                ("id", .string("contact_123")), ("firstName", .string("Ada")), ("lastName", .string("Lovelace")),
                ("email", .string("ada@example.com")), ("phone", .string("+44 20 7946 0000")),
            ]
        case "transaction":
            record = [
                ("id", .string("txn_456")), ("contactId", .string("contact_123")), ("propertyId", .string("prop_789")),
                ("amount", .integer(450_000)), ("currency", .string("USD")), ("status", .string("pending")),
            ]
        case "property":
            record = [
                ("id", .string("prop_789")), ("address", .string("1 Main Street, Springfield")), ("price", .integer(450_000)),
                ("status", .string("active")),
            ]
        default:
            record = [("id", .string("\(resource)_1"))]
        }
        return .object(action == "deleted" ? Array(record.prefix(1)) : record)
    }
}
