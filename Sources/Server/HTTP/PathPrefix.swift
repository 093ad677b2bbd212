import Core
import HTTPTypes
import Hummingbird

/// Switchboard's HTTP entry: its router, mounted at `SWITCHBOARD_PATH_PREFIX` when one is set
/// (for CRMs whose own paths, such as `/api/webhooks`, would collide). Then a request under the
/// prefix reaches the router with the prefix taken off, and every other request goes to the
/// gateway (in gateway mode) or is answered 404.
package struct SwitchboardRouter: HTTPResponderBuilder {
    let router: Router<SwitchboardRequestContext>
    /// Empty for none, else `/name[/name…]`.
    let prefix: String
    /// Gateway mode's responder, for requests outside the prefix.
    let gateway: RouterResponder<SwitchboardRequestContext>?

    package func buildResponder() -> PrefixedResponder {
        PrefixedResponder(prefix: prefix, own: router.buildResponder(), gateway: gateway)
    }
}

package struct PrefixedResponder: HTTPResponder {
    package typealias Context = SwitchboardRequestContext
    let prefix: String
    let own: RouterResponder<Context>
    let gateway: RouterResponder<Context>?

    package func respond(to request: Request, context: Context) async throws -> Response {
        guard !prefix.isEmpty else { return try await own.respond(to: request, context: context) }
        let path = request.uri.path
        if path == prefix || path.hasPrefix(prefix + "/") {
            var head = request.head
            let rest = (head.path ?? "").dropFirst(prefix.count)
            head.path = rest.hasPrefix("/") ? String(rest) : "/" + rest
            return try await own.respond(to: Request(head: head, body: request.body), context: context)
        }
        if let gateway { return try await gateway.respond(to: request, context: context) }
        return try SwitchboardError(
            .notFound, code: "not_found",
            message: "no route for \(request.method.rawValue) \(path); Switchboard's paths are under \(prefix) (SWITCHBOARD_PATH_PREFIX)"
        ).response(from: request, context: context)
    }

    /// Checks a `SWITCHBOARD_PATH_PREFIX` value: `/` and lower-case segments of letters,
    /// digits, `-`, `_` and `.`, no trailing `/`; empty for none.
    static func validated(_ value: String) throws -> String {
        guard !value.isEmpty else { return "" }
        let segments = value.split(separator: "/", omittingEmptySubsequences: false)
        guard value.hasPrefix("/"), value.count <= 100,
            segments.dropFirst().allSatisfy({
                !$0.isEmpty && $0 != "." && $0 != ".."
                    && $0.utf8.allSatisfy {
                        ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E
                    }
            })
        else {
            throw ConfigurationError(
                "SWITCHBOARD_PATH_PREFIX must be a path such as /switchboard (lower-case letters, digits, -, _ and ., no trailing /), not '\(value)'"
            )
        }
        return value
    }
}
