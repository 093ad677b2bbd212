import Core
import Foundation
import HTTPTypes

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
    package var timeoutMilliseconds = SettingsCatalogue.gatewayTimeoutMs.defaultValue
    /// `GATEWAY_CONNECT_TIMEOUT_MS`: longest connecting to the CRM may take, default 5 s.
    package var connectTimeoutMilliseconds = SettingsCatalogue.gatewayConnectTimeoutMs.defaultValue
    /// `GATEWAY_MAX_CONNECTIONS`: kept-alive connections to the CRM, default 128.
    package var maxConnections = SettingsCatalogue.gatewayMaxConnections.defaultValue
    /// `GATEWAY_UPSTREAM_HEADERS_FILE`: headers added to every request forwarded to the CRM
    /// (its service token, say), replacing the client's of the same names. Secret: never
    /// logged, shown or compared in messages.
    package var upstreamHeaders = UpstreamHeaders()
    /// `GATEWAY_BUFFER_BYTES`: the most bytes of CRM answers held at once, over all requests,
    /// to publish them as events' data before the client gets them, default 64 MiB; an answer
    /// that does not fit is streamed, its event publishing `{path, status}`.
    package var bufferBytes = SettingsCatalogue.gatewayBufferBytes.defaultValue

    /// Settings for an upstream URL, which is checked: absolute http(s), a host, no query,
    /// fragment or credentials.
    package init(upstream: String) throws {
        guard let url = URL(string: upstream), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil, url.user == nil, url.password == nil
        else {
            throw ConfigurationError(
                "GATEWAY_UPSTREAM must be the CRM's base URL such as http://crm.internal:3000 (http or https, a host, optionally a path prefix; no query, fragment or credentials), not '\(upstream)'"
            )
        }
        self.upstream = upstream.hasSuffix("/") ? String(upstream.dropLast()) : upstream
    }

    /// The upstream URL of a request target (path and query as the client sent them).
    func url(for target: String) -> String {
        upstream + (target.hasPrefix("/") ? target : "/" + target)
    }

    /// Reads the `GATEWAY_*` variables; nil when `GATEWAY_UPSTREAM` is unset.
    static func read(_ reader: EnvironmentReader) throws -> GatewaySettings? {
        guard let upstream = reader.text(SettingsCatalogue.gatewayUpstream) else { return nil }
        var settings = try GatewaySettings(upstream: upstream)
        settings.forwardAuthorization = try reader.boolean(SettingsCatalogue.gatewayForwardAuthorization, default: false)
        settings.timeoutMilliseconds = try reader.integer(SettingsCatalogue.gatewayTimeoutMs)
        settings.connectTimeoutMilliseconds = try reader.integer(SettingsCatalogue.gatewayConnectTimeoutMs)
        settings.maxConnections = try reader.integer(SettingsCatalogue.gatewayMaxConnections)
        settings.bufferBytes = try reader.integer(SettingsCatalogue.gatewayBufferBytes)
        if let file = reader.text(SettingsCatalogue.gatewayUpstreamHeadersFile) {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw ConfigurationError("GATEWAY_UPSTREAM_HEADERS_FILE=\(file) cannot be read as UTF-8 text")
            }
            settings.upstreamHeaders = try UpstreamHeaders(parsing: text)
        }
        return settings
    }
}

/// Headers the gateway adds to every request to the CRM, from `GATEWAY_UPSTREAM_HEADERS_FILE`:
/// one `Name: value` per line, `#` comments and blank lines ignored. Their values are secrets:
/// the description shows only the names.
package struct UpstreamHeaders: Sendable, Equatable, Sequence, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private var fields: [HTTPField] = []

    package init() {}

    /// Reads the file's text; a mistake names the line, never a value.
    package init(parsing text: String) throws {
        for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces.union(["\r"]))
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let place = "GATEWAY_UPSTREAM_HEADERS_FILE line \(offset + 1)"
            guard let colon = trimmed.firstIndex(of: ":"),
                let name = HTTPField.Name(String(trimmed[..<colon]).trimmingCharacters(in: .whitespaces))
            else {
                throw ConfigurationError("\(place): expected `Name: value`, e.g. `Authorization: Bearer <the CRM's service token>`")
            }
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty, HTTPField.isValidValue(value) else {
                throw ConfigurationError("\(place): the value of \(name.rawName) is empty or holds characters a header cannot")
            }
            let dashed = GatewayForwarder.dashed(name.canonicalName)
            guard !GatewayForwarder.requestHopByHop.contains(dashed), !GatewayForwarder.isReserved(dashed) else {
                throw ConfigurationError("\(place): \(name.rawName) is set by the gateway itself and cannot be fixed here")
            }
            fields.append(HTTPField(name: name, value: value))
        }
    }

    package func makeIterator() -> IndexingIterator<[HTTPField]> { fields.makeIterator() }

    package var description: String { "[" + fields.map { "\($0.name.rawName): <hidden>" }.joined(separator: ", ") + "]" }
    package var debugDescription: String { description }
    /// What `dump` and debuggers show: the names only.
    package var customMirror: Mirror { Mirror(self, children: ["names": fields.map(\.name.rawName)]) }
}
