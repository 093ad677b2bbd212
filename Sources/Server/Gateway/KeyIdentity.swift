import Core
import Foundation
import HTTPTypes

/// Who a CRM request is made by, as headers the CRM can read: `X-Switchboard-Key-Id`,
/// `X-Switchboard-Key-Name` and `X-Switchboard-Permissions`. Sent by `/auth/verify` for the
/// proxy to pass upstream, and added by the gateway itself; never the key.
struct KeyIdentity {
    /// The key's id, lower case.
    let id: String
    /// The key's name as a header value (printable ASCII as it is, anything else percent-encoded).
    let name: String
    /// The permissions, as their names.
    let permissions: [String]

    init(_ key: APIKey) {
        id = key.id.uuidString.lowercased()
        name = Self.headerSafe(key.name)
        permissions = key.permissions.map(\.rawValue)
    }

    /// Adds the three headers.
    func add(to headers: inout HTTPFields) {
        headers[Names.keyID] = id
        headers[Names.keyName] = name
        headers[Names.permissions] = permissions.joined(separator: ",")
    }

    /// The header names, made once (this is on the path of every CRM request).
    enum Names {
        static let keyID = HTTPField.Name("X-Switchboard-Key-Id")!
        static let keyName = HTTPField.Name("X-Switchboard-Key-Name")!
        static let permissions = HTTPField.Name("X-Switchboard-Permissions")!
    }

    /// Header names starting with this are Switchboard's: a client's are never passed on.
    static let reservedPrefix = "x-switchboard-"

    static func headerSafe(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) && $0 != "%" }) { return text }
        return text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "key"
    }
}
