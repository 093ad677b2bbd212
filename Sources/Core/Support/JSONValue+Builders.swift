import Foundation

extension JSONValue {
    /// A string, or null.
    public static func optional(_ text: String?) -> JSONValue {
        text.map(JSONValue.string) ?? .null
    }

    /// A timestamp in Switchboard's text form, or null.
    public static func timestamp(_ date: Date?) -> JSONValue {
        date.map { .string(Timestamp.format($0)) } ?? .null
    }

    /// A whole number, or null.
    public static func integer(_ value: Int?) -> JSONValue {
        value.map { .number(Double($0)) } ?? .null
    }
}
