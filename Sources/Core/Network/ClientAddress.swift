/// Works out which address a request came from: the socket peer, unless the peer is a
/// trusted proxy, in which case the right-most `X-Forwarded-For` entry that is not itself a
/// trusted proxy. Entries a client wrote to the left of that are ignored, so a client cannot
/// pick its own address by sending the header.
package struct ClientAddressResolver: Sendable {
    package let trustedProxies: [IPRange]

    /// Creates a resolver trusting the given ranges.
    package init(trustedProxies: [IPRange] = []) {
        self.trustedProxies = trustedProxies
    }

    /// Parses `TRUSTED_PROXIES`, a comma-separated list of addresses and CIDR ranges.
    package init(trustedProxies text: String) throws {
        var ranges: [IPRange] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            guard let range = IPRange(entry) else {
                throw ConfigurationError("TRUSTED_PROXIES: '\(entry)' is not an address or CIDR range")
            }
            ranges.append(range)
        }
        self.init(trustedProxies: ranges)
    }

    /// Whether `address` (in its unmapped form) is one of the trusted proxies.
    package func isTrusted(_ address: IPAddress) -> Bool {
        let address = address.unmapped
        return trustedProxies.contains { $0.contains(address) }
    }

    /// The client's address, or nil when the peer is unknown. Addresses come back unmapped
    /// (`::ffff:10.0.0.5` as `10.0.0.5`); `X-Forwarded-For` entries may carry a port.
    package func clientAddress(peer: String?, forwardedFor: String?) -> IPAddress? {
        clientAddress(peer: peer.flatMap { IPAddress($0) }, forwardedFor: forwardedFor)
    }

    /// The client's address from an already parsed peer address.
    package func clientAddress(peer: IPAddress?, forwardedFor: String?) -> IPAddress? {
        guard let peerAddress = peer?.unmapped else { return nil }
        guard isTrusted(peerAddress), let forwardedFor else { return peerAddress }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var client = peerAddress
        for hop in hops.reversed() {
            guard let address = IPAddress(forwarded: hop)?.unmapped else { break }
            client = address
            if !isTrusted(address) { break }
        }
        return client
    }
}

import Foundation
