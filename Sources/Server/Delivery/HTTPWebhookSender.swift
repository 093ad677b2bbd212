import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOHTTP1

/// Sends deliveries over HTTP with async-http-client: pooled keep-alive connections,
/// redirects never followed, and one deadline for the whole attempt — connecting, the
/// response head and the body — so a receiver that answers slowly, or sends its body a byte
/// at a time, holds a delivery slot no longer than `WEBHOOK_TIMEOUT_MS`. Every target is
/// checked against the outbound policy before connecting, and a host name is connected to
/// the address the check approved (`PinnedClients`), not to a second answer of its DNS.
struct HTTPWebhookSender: WebhookSender {
    let client: HTTPClient
    /// Clients bound to one checked address per host name.
    let pinned: PinnedClients
    let targetGuard: OutboundTargetGuard
    /// Longest a whole attempt may take, connection and response body included.
    let totalTimeout: Duration
    /// How much of a response body is kept for the log.
    let excerptBytes: Int

    /// Most bytes of a response read in all: past the excerpt, a small remainder is still read
    /// so the connection can be reused; a longer body is abandoned (its connection closed).
    static let maxReadBytes = 64 << 10

    func send(url: String, headers: [(String, String)], body: [UInt8]) async -> SendResult {
        let clock = ContinuousClock()
        let start = clock.now
        func failure(_ message: String) -> SendResult {
            SendResult(requestHeaders: headers, status: nil, bodyExcerpt: nil, retryAfter: nil, error: message, duration: clock.now - start)
        }
        var chosen = client
        switch await targetGuard.check(url: url) {
        case .allowed(let address):
            if let address, let host = OutboundTargetGuard.host(of: url) {
                guard let bound = pinned.client(host: host, address: address) else { return failure("the server is shutting down") }
                chosen = bound
            }
        case .refused(let reason): return failure("refused: \(reason)")
        case .unresolvable(let reason): return failure(reason)
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let client = chosen
        let excerptBytes = excerptBytes
        let prepared = request
        // What remains of the attempt's time after the target check.
        let remaining = totalTimeout - (clock.now - start)
        do {
            let (status, excerpt, retryAfter) = try await withDeadline(remaining) {
                // async-http-client's own deadline stops at the response head; the body is read
                // under the same overall deadline by `withDeadline`.
                let response = try await client.execute(prepared, timeout: .nanoseconds(Int64(max(0, remaining.seconds) * 1e9)))
                var excerpt: [UInt8] = []
                var read = 0
                for try await chunk in response.body {
                    if excerpt.count < excerptBytes {
                        excerpt.append(contentsOf: chunk.readableBytesView.prefix(excerptBytes - excerpt.count))
                    }
                    read += chunk.readableBytes
                    if read >= Self.maxReadBytes { break }
                }
                return (Int(response.status.code), excerpt, response.headers.first(name: "Retry-After").flatMap { RetryAfter.parse($0) })
            }
            return SendResult(
                requestHeaders: headers, status: status, bodyExcerpt: excerpt.isEmpty ? nil : StorableText.decoding(excerpt),
                retryAfter: retryAfter, error: nil, duration: clock.now - start)
        } catch is DeadlineExceeded {
            return failure(
                "timed out waiting for the receiver (WEBHOOK_TIMEOUT_MS is \(Int(totalTimeout.seconds * 1000)) ms for the whole attempt)")
        } catch {
            return failure(Self.describe(error))
        }
    }

    /// A short, stable description of a transport error for the log.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "timed out waiting for the receiver"
            case .connectTimeout: return "timed out connecting to the receiver"
            case .remoteConnectionClosed: return "the receiver closed the connection"
            default: return "HTTP client error: \(error)"
            }
        }
        return "connection failed: \(error)"
    }
}

/// Owns the outbound HTTP client and shuts it down after the delivery worker has stopped.
final class HTTPClientService: Service {
    let client: HTTPClient

    init(client: HTTPClient) {
        self.client = client
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}

import ServiceLifecycle
