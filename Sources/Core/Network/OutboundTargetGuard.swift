import Foundation

/// Looks up the addresses of a host name.
package protocol HostResolver: Sendable {
    /// Every address the name resolves to; throws when it does not resolve.
    func resolve(host: String) async throws -> [IPAddress]
}

/// Checks a webhook URL's target against the `TargetPolicy`, resolving names first, so that
/// a name pointing at a private address is caught as well as a literal one.
package struct OutboundTargetGuard: Sendable {
    /// What the check found.
    package enum Verdict: Sendable, Equatable {
        /// Every address the host has may be reached. `connectTo` is the checked address a
        /// connection must use for a name (so DNS cannot answer the check with one address and
        /// the connection with another); nil for an address literal, or a name allowed as such
        /// by `WEBHOOK_ALLOWED_TARGETS`.
        case allowed(connectTo: IPAddress?)
        /// The host or one of its addresses is refused; the text says why.
        case refused(String)
        /// The name did not resolve (now); the text says why.
        case unresolvable(String)
    }

    package let policy: TargetPolicy
    let resolver: any HostResolver

    /// Creates a guard.
    package init(policy: TargetPolicy, resolver: any HostResolver) {
        self.policy = policy
        self.resolver = resolver
    }

    /// The host part of an http(s) URL, without IPv6 brackets — read as `URL` reads it, which
    /// is how the HTTP client reads it: the name checked must be the name connected to
    /// (`URLComponents` turns punycode into Unicode, for one).
    package static func host(of url: String) -> String? {
        guard var host = URL(string: url)?.host, !host.isEmpty else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host
    }

    /// Checks where `url` leads.
    package func check(url: String) async -> Verdict {
        guard var host = Self.host(of: url)?.lowercased() else { return .refused("url has no host") }
        // `%` is only ever an IPv6 zone or an encoding: read as an address without it, the
        // client would resolve the whole text as a name, unchecked.
        guard !host.contains("%") else { return .refused("url: the host must not contain %") }
        // `localhost.` is the same name as `localhost`; and RFC 6761 reserves every
        // `*.localhost` name for loopback, whatever a resolver says.
        while host.hasSuffix(".") { host.removeLast() }
        if policy.allowsHost(host) { return .allowed(connectTo: nil) }
        let addresses: [IPAddress]
        if let literal = IPAddress(host) {
            addresses = [literal]
        } else if host == "localhost" || host.hasSuffix(".localhost") {
            addresses = [IPAddress("127.0.0.1")!, IPAddress("::1")!]
        } else {
            do {
                addresses = try await resolver.resolve(host: host)
            } catch {
                return .unresolvable("host \(host) does not resolve: \(error)")
            }
            guard !addresses.isEmpty else { return .unresolvable("host \(host) has no addresses") }
        }
        for address in addresses {
            if let reason = policy.refusal(for: address) {
                // For a name, which address it resolved to is not told: answers and delivery
                // logs would otherwise map the internal network for whoever asks.
                return .refused(
                    IPAddress(host) != nil
                        ? reason
                        : "\(host) resolves to a reserved address (loopback, private, link-local or metadata); allow it with WEBHOOK_ALLOWED_TARGETS if intended"
                )
            }
        }
        // IPv4 first: a host with no IPv6 route must not fail because DNS listed AAAA first.
        return .allowed(connectTo: IPAddress(host) == nil ? (addresses.first(where: \.isIPv4) ?? addresses.first) : nil)
    }
}
