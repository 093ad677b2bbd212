import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOHTTP1

/// Sends deliveries over HTTP with async-http-client: pooled keep-alive connections,
/// redirects never followed, connect and total timeouts, and the response body read only up
/// to a cap. Every target is checked against the outbound policy before connecting.
struct HTTPWebhookSender: WebhookSender {
    let client: HTTPClient
    let targetGuard: OutboundTargetGuard
    /// Longest a whole attempt may take, connection included.
    let totalTimeout: Duration
    /// How much of a response body is kept for the log.
    let excerptBytes: Int

    /// Most bytes read from a response before the rest is abandoned.
    static let maxDrainBytes = 1 << 20

    func send(url: String, headers: [(String, String)], body: [UInt8]) async -> SendResult {
        let clock = ContinuousClock()
        let start = clock.now
        func failure(_ message: String) -> SendResult {
            SendResult(requestHeaders: headers, status: nil, bodyExcerpt: nil, retryAfter: nil, error: message, duration: clock.now - start)
        }
        switch await targetGuard.check(url: url) {
        case .allowed: break
        case .refused(let reason): return failure("refused: \(reason)")
        case .unresolvable(let reason): return failure(reason)
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(totalTimeout.seconds * 1e9)))
            var excerpt: [UInt8] = []
            var read = 0
            for try await chunk in response.body {
                if excerpt.count < excerptBytes {
                    excerpt.append(contentsOf: chunk.readableBytesView.prefix(excerptBytes - excerpt.count))
                }
                read += chunk.readableBytes
                if read >= Self.maxDrainBytes { break }
            }
            return SendResult(
                requestHeaders: headers, status: Int(response.status.code),
                bodyExcerpt: excerpt.isEmpty ? nil : String(decoding: excerpt, as: UTF8.self),
                retryAfter: response.headers.first(name: "Retry-After").flatMap { RetryAfter.parse($0) },
                error: nil, duration: clock.now - start)
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
