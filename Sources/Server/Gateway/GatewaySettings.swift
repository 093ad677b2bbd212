import Core
import Foundation

/// Gateway mode: `GATEWAY_UPSTREAM` set makes the server forward every request outside its
/// own paths to the CRM, after the same key checks as `/auth/verify`.
package struct GatewaySettings: Sendable, Equatable {
    /// `GATEWAY_UPSTREAM`: the CRM's base URL, `http(s)://host[:port][/prefix]`. Trusted
    /// configuration: the outbound address guard of deliveries does not apply to it.
    package var upstream: String
    /// `GATEWAY_FORWARD_AUTHORIZATION`: pass the client's `Authorization` (and
    /// `AUTH_API_KEY_HEADER`) on to the CRM, default false — the CRM gets the key's identity
    /// headers instead of the key.
    package var forwardAuthorization = false
    /// `GATEWAY_TIMEOUT_MS`: longest the CRM may take to start its answer, and to send each
    /// further piece of it, default 30 s.
    package var timeoutMilliseconds = 30_000
    /// `GATEWAY_CONNECT_TIMEOUT_MS`: longest connecting to the CRM may take, default 5 s.
    package var connectTimeoutMilliseconds = 5_000
    /// `GATEWAY_MAX_CONNECTIONS`: kept-alive connections to the CRM, default 128.
    package var maxConnections = 128
    /// `GATEWAY_BUFFER_BYTES`: the most bytes of CRM answers held at once, over all requests,
    /// to publish them as events' data before the client gets them, default 64 MiB; an answer
    /// that does not fit is streamed, its event publishing `{path, status}`.
    package var bufferBytes = 64 << 20

    /// Settings for an upstream URL, which is checked: absolute http(s), a host, no query,
    /// fragment or credentials.
    package init(upstream: String) throws {
        guard let url = URL(string: upstream), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil, url.user == nil, url.password == nil
        else {
            throw ConfigurationError("GATEWAY_UPSTREAM must be the CRM's base URL such as http://crm.internal:3000 (http or https, a host, optionally a path prefix; no query, fragment or credentials), not '\(upstream)'")
        }
        self.upstream = upstream.hasSuffix("/") ? String(upstream.dropLast()) : upstream
    }

    /// The upstream URL of a request target (path and query as the client sent them).
    func url(for target: String) -> String {
        upstream + (target.hasPrefix("/") ? target : "/" + target)
    }

    /// Reads the `GATEWAY_*` variables; nil when `GATEWAY_UPSTREAM` is unset.
    static func read(_ environment: [String: String], reader: EnvironmentReader) throws -> GatewaySettings? {
        guard let upstream = environment["GATEWAY_UPSTREAM"], !upstream.isEmpty else { return nil }
        var settings = try GatewaySettings(upstream: upstream)
        switch environment["GATEWAY_FORWARD_AUTHORIZATION"]?.lowercased() {
        case nil, "", "false", "0", "no": settings.forwardAuthorization = false
        case "true", "1", "yes": settings.forwardAuthorization = true
        case let other?: throw ConfigurationError("GATEWAY_FORWARD_AUTHORIZATION must be true or false, not '\(other)'")
        }
        settings.timeoutMilliseconds = try reader.integer("GATEWAY_TIMEOUT_MS", default: settings.timeoutMilliseconds, range: 100...600_000)
        settings.connectTimeoutMilliseconds = try reader.integer("GATEWAY_CONNECT_TIMEOUT_MS", default: settings.connectTimeoutMilliseconds, range: 100...60_000)
        settings.maxConnections = try reader.integer("GATEWAY_MAX_CONNECTIONS", default: settings.maxConnections, range: 1...10_000)
        settings.bufferBytes = try reader.integer("GATEWAY_BUFFER_BYTES", default: settings.bufferBytes, range: 0...(16 << 30))
        return settings
    }
}
