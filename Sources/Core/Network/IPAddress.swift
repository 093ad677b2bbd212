/// An IPv4 or IPv6 address as raw bytes, parsed from its usual text forms.
package struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    package let bytes: [UInt8]

    /// Wraps 4 or 16 bytes.
    package init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with `::` and an embedded IPv4 tail;
    /// brackets and a `%zone` suffix are accepted and dropped).
    package init?(_ text: some StringProtocol) {
        var text = String(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
        if let v4 = IPAddress.parseIPv4(text) {
            bytes = v4
        } else if let v6 = IPAddress.parseIPv6(text) {
            bytes = v6
        } else {
            return nil
        }
    }

    /// Parses an address as proxies write it in `X-Forwarded-For`: bare, or with a port
    /// (`203.0.113.7:51234`, `[2001:db8::1]:443`).
    package init?(forwarded text: some StringProtocol) {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isNumber)) else { return nil }
            self.init(text[text.index(after: text.startIndex)..<close])
        } else if let colon = text.firstIndex(of: ":"), text.filter({ $0 == ":" }).count == 1 {
            // One colon: IPv4 with a port (an IPv6 address has at least two).
            guard text[text.index(after: colon)...].allSatisfy(\.isNumber) else { return nil }
            self.init(text[..<colon])
        } else {
            self.init(text)
        }
    }

    /// Whether this is an IPv4 address.
    package var isIPv4: Bool { bytes.count == 4 }

    /// Whether this is a loopback address (127.0.0.0/8 or ::1, IPv4-mapped or not).
    package var isLoopback: Bool {
        let address = unmapped
        return address.isIPv4 ? address.bytes[0] == 127 : address.bytes == Array(repeating: 0, count: 15) + [1]
    }

    /// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, as a dual-stack socket on `HOST=::`
    /// reports an IPv4 peer) as the IPv4 address it stands for; any other address unchanged.
    /// Client addresses are compared with ranges in this form, so `TRUSTED_PROXIES=10.0.0.0/8`
    /// and allowlists match whichever way the socket was opened.
    package var unmapped: IPAddress {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return self }
        return IPAddress(bytes: Array(bytes[12..<16]))!
    }

    /// The group a client's requests are counted under: the address itself for IPv4, its
    /// /64 network for IPv6 (one subscriber usually holds a whole /64, so counting single
    /// IPv6 addresses would give one client 2^64 budgets).
    package var clientGroup: String {
        let address = unmapped
        guard !address.isIPv4 else { return address.description }
        return IPAddress(bytes: Array(address.bytes[0..<8]) + Array(repeating: 0, count: 8))!.description + "/64"
    }

    /// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`)
    /// or NAT64 (`64:ff9b::a.b.c.d`) IPv6 address; nil otherwise.
    package var embeddedIPv4: IPAddress? {
        guard bytes.count == 16 else { return nil }
        let head = Array(bytes[0..<12])
        let mapped = Array(repeating: UInt8(0), count: 10) + [0xFF, 0xFF]
        let compatible = Array(repeating: UInt8(0), count: 12)
        let nat64: [UInt8] = [0x00, 0x64, 0xFF, 0x9B] + Array(repeating: 0, count: 8)
        guard
            head == mapped || head == nat64
                || (head == compatible && bytes[12...].contains { $0 != 0 } && !(bytes[12...15].elementsEqual([0, 0, 0, 1])))
        else {
            return nil
        }
        return IPAddress(bytes: Array(bytes[12..<16]))
    }

    package var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        for index in stride(from: 0, to: 16, by: 2) {
            groups.append(String(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]), radix: 16))
        }
        return groups.joined(separator: ":")
    }

    static func parseIPv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                let value = UInt8(part), part == "0" || !part.hasPrefix("0")
            else { return nil }
            result.append(value)
        }
        return result
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        guard text.contains(":") else { return nil }
        var text = Substring(text)
        var tail: [UInt8] = []
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = parseIPv4(String(text[text.index(after: lastColon)...])) else { return nil }
            tail = v4
            text = text[...lastColon]
            if text.hasSuffix(":"), !text.hasSuffix("::") { text = text.dropLast() }
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var values: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), let value = UInt16(group, radix: 16) else { return nil }
                values.append(value)
            }
            return values
        }
        guard let head = groups(halves[0]) else { return nil }
        let rest = halves.count == 2 ? groups(halves[1]) : []
        guard let rest else { return nil }
        let available = 8 - tail.count / 2
        var values: [UInt16]
        if halves.count == 2 {
            guard head.count + rest.count < available else { return nil }
            values = head + Array(repeating: 0, count: available - head.count - rest.count) + rest
        } else {
            guard head.count == available else { return nil }
            values = head
        }
        return values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } + tail
    }
}

/// A range of addresses written `address/prefix`; a bare address is a range of one.
package struct IPRange: Sendable, Hashable, CustomStringConvertible {
    package let network: IPAddress
    package let prefixLength: Int

    /// Parses `10.0.0.0/8`, `fd00::/8`, or a single address.
    package init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let address = IPAddress(first) else { return nil }
        let maxLength = address.bytes.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...maxLength).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = maxLength
        }
        network = address
    }

    /// Whether `address` is inside the range (IPv4 ranges do not match IPv6 addresses).
    package func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address.bytes, network.bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if a & mask != b & mask { return false }
            remaining -= bits
        }
        return true
    }

    package var description: String { "\(network)/\(prefixLength)" }
}
