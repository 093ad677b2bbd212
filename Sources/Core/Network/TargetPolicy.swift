/// Decides which addresses outbound deliveries may reach. Loopback, private, link-local,
/// carrier-grade NAT, cloud metadata and other special-purpose ranges are refused unless
/// `WEBHOOK_ALLOWED_TARGETS` names them, so a webhook URL cannot be used to probe the
/// network Switchboard runs in.
package struct TargetPolicy: Sendable {
    /// Special-purpose ranges (RFC 6890 and friends) that deliveries may not reach by default.
    package static let blockedRanges: [IPRange] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
        // Local-use NAT64 (RFC 8215) and 6to4 (RFC 3056): both can carry an IPv4 address
        // the translator or relay would reach for us.
        "64:ff9b:1::/48", "2002::/16",
    ].map { IPRange($0)! }

    /// Ranges explicitly allowed.
    package let allowedRanges: [IPRange]
    /// Host names explicitly allowed (lower case).
    package let allowedHosts: Set<String>

    /// A policy with the given exceptions.
    package init(allowedRanges: [IPRange] = [], allowedHosts: Set<String> = []) {
        self.allowedRanges = allowedRanges
        self.allowedHosts = Set(allowedHosts.map { $0.lowercased() })
    }

    /// Parses `WEBHOOK_ALLOWED_TARGETS`: a comma-separated list of CIDR ranges, addresses and
    /// host names.
    package init(allowList: String) throws {
        var ranges: [IPRange] = []
        var hosts: Set<String> = []
        for entry in allowList.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            if let range = IPRange(entry) {
                ranges.append(range)
            } else if entry.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) {
                hosts.insert(entry.lowercased())
            } else {
                throw ConfigurationError("WEBHOOK_ALLOWED_TARGETS: '\(entry)' is neither a CIDR range, an address nor a host name")
            }
        }
        self.init(allowedRanges: ranges, allowedHosts: hosts)
    }

    /// Whether the host name itself is on the allow list (then its addresses are not checked).
    package func allowsHost(_ host: String) -> Bool {
        allowedHosts.contains(host.lowercased())
    }

    /// Why `address` may not be reached, or nil when it may. IPv6 addresses that embed an
    /// IPv4 address are judged by that address too.
    package func refusal(for address: IPAddress) -> String? {
        if allowedRanges.contains(where: { $0.contains(address) }) { return nil }
        if let embedded = address.embeddedIPv4, let reason = refusal(for: embedded) { return reason }
        guard let range = Self.blockedRanges.first(where: { $0.contains(address) }) else { return nil }
        return
            "\(address) is in the reserved range \(range) (loopback, private, link-local or metadata); allow it with WEBHOOK_ALLOWED_TARGETS if intended"
    }
}

import Foundation
