import Core
import Foundation
import HTTPTypes

/// Ways a client can make a CRM framework run another method or path than the request line
/// says: method-override headers (Rails, Laravel and Express middleware), URL-rewrite headers
/// (IIS, Symfony) and `_method` in the query string. The route map judges the request line, so
/// `/auth/verify` and the gateway refuse requests carrying any of them rather than let the
/// CRM act on something else than what was checked.
enum OverrideRefusal {
    /// Header names, lower case, `-` for `_` (CGI-style servers read `X_HTTP_Method` as
    /// `X-HTTP-Method`).
    static let headers: Set<String> = ["x-http-method-override", "x-http-method", "x-method-override", "x-original-url", "x-rewrite-url"]
    /// The query parameter frameworks read as the method.
    static let queryParameter = "_method"

    /// Throws 400 `override_not_allowed` when `headers` or the query of `target` carry an
    /// override.
    static func check(headers fields: HTTPFields, target: String) throws {
        for field in fields {
            let name = field.name.canonicalName
            let canonical = name.utf8.contains(UInt8(ascii: "_")) ? String(name.map { $0 == "_" ? "-" : $0 }) : name
            if headers.contains(canonical) {
                throw SwitchboardError(
                    .badRequest, code: "override_not_allowed",
                    message:
                        "the header \(field.name.rawName) is not accepted: the CRM could act on another method or path than the one checked. Send the method and path you mean, without it"
                )
            }
        }
        guard let question = target.firstIndex(of: "?") else { return }
        let query = target[target.index(after: question)...]
        for pair in query.split(whereSeparator: { $0 == "&" || $0 == ";" }) {
            let raw = pair.prefix { $0 != "=" }.replacingOccurrences(of: "+", with: " ")
            if Self.names(raw.removingPercentEncoding ?? raw).contains(queryParameter) {
                throw SwitchboardError(
                    .badRequest, code: "override_not_allowed",
                    message:
                        "the query parameter \(queryParameter) is not accepted: the CRM could act on another method than the one checked. Send the method you mean, without it"
                )
            }
        }
    }

    /// The names a framework may read a query parameter name as, lower case: as it is, and as
    /// PHP reads it (leading spaces dropped; `.`, space and an unclosed `[` become `_`; a
    /// closed `[…]` makes an array of the name before it), so `.method` and `[method` are
    /// `_method` to Laravel and Symfony.
    static func names(_ name: String) -> Set<String> {
        let lowered = name.lowercased()
        var php = Substring(lowered.drop { $0 == " " })
        if let open = php.firstIndex(of: "["), php[open...].contains("]") { php = php[..<open] }
        let mangled = String(php.map { $0 == "." || $0 == " " || $0 == "[" ? "_" : $0 })
        return [lowered, mangled]
    }
}
