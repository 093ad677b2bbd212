import Core
import Foundation
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Resolves names with the system resolver (`getaddrinfo`, which also reads numeric forms
/// such as `2130706433` or `0x7f.1` the way connections will), on NIO's thread pool so the
/// blocking call never holds a cooperative-pool thread.
struct SystemHostResolver: HostResolver {
    struct ResolutionError: Error, CustomStringConvertible {
        let code: Int32
        var description: String { String(cString: gai_strerror(code)) }
    }

    func resolve(host: String) async throws -> [IPAddress] {
        try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, nil, &hints, &list)
            guard status == 0 else { throw ResolutionError(code: status) }
            defer { freeaddrinfo(list) }
            var addresses: [IPAddress] = []
            var cursor = list
            while let entry = cursor {
                if let sockaddr = entry.pointee.ai_addr {
                    switch Int32(sockaddr.pointee.sa_family) {
                    case AF_INET:
                        sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                            var address = pointer.pointee.sin_addr
                            let bytes = withUnsafeBytes(of: &address) { Array($0) }
                            if let ip = IPAddress(bytes: bytes), !addresses.contains(ip) { addresses.append(ip) }
                        }
                    case AF_INET6:
                        sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                            var address = pointer.pointee.sin6_addr
                            let bytes = withUnsafeBytes(of: &address) { Array($0) }
                            if let ip = IPAddress(bytes: bytes), !addresses.contains(ip) { addresses.append(ip) }
                        }
                    default:
                        break
                    }
                }
                cursor = entry.pointee.ai_next
            }
            return addresses
        }
    }
}
