import AsyncHTTPClient
import Core
import Logging
import ServiceLifecycle
import Synchronization

/// HTTP clients that connect a host name to one address: the one the outbound check approved.
/// Each is async-http-client with `dnsOverride` for that name, so TLS still sends the name
/// (SNI) and checks the certificate against it, and `Host` is the URL's — but the connection
/// goes to the checked address, and a receiver's DNS cannot answer the check with a public
/// address and the connection with `127.0.0.1` or `169.254.169.254`.
///
/// One client per (name, address), kept alive for its connection pool; past `capacity` the
/// least recently used one is retired and shut down once no attempt can still be using it.
package final class PinnedClients: Service {
    private struct Entry {
        let client: HTTPClient
        var lastUsed: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var retired: [(client: HTTPClient, at: ContinuousClock.Instant)] = []
        /// After `shutDownAll`: no new clients (one would never be shut down).
        var closed = false
    }

    private let state = Mutex(State())
    private let configuration: HTTPClient.Configuration
    let capacity: Int
    /// How long a retired client lives on: longer than any attempt that may still use it.
    let grace: Duration
    let logger: Logger

    /// Clients made with `configuration` (plus the address); `grace` should exceed one
    /// delivery attempt (`WEBHOOK_TIMEOUT_MS`).
    init(
        configuration: HTTPClient.Configuration, capacity: Int = 256, grace: Duration,
        logger: Logger = Logger(label: "switchboard.delivery")
    ) {
        self.configuration = configuration
        self.capacity = capacity
        self.grace = grace
        self.logger = logger
    }

    /// The client that connects `host` to `address`; nil once shut down.
    func client(host: String, address: IPAddress) -> HTTPClient? {
        let key = host + " " + address.description
        let now = ContinuousClock.now
        return state.withLock { state -> HTTPClient? in
            guard !state.closed else { return nil }
            if var entry = state.entries[key] {
                entry.lastUsed = now
                state.entries[key] = entry
                return entry.client
            }
            var configuration = self.configuration
            configuration.dnsOverride = [host: address.description]
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            if state.entries.count >= capacity, let oldest = state.entries.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                state.entries[oldest.key] = nil
                state.retired.append((oldest.value.client, now))
            }
            state.entries[key] = Entry(client: client, lastUsed: now)
            return client
        }
    }

    /// Clients open now (for tests).
    var count: Int { state.withLock { $0.entries.count } }

    /// Shuts down retired clients once their grace is over; at shutdown, every client (after
    /// the delivery worker, which starts later, has stopped).
    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: .seconds(5)) } catch { return }
                let now = ContinuousClock.now
                let due = self.state.withLock { state in
                    let due = state.retired.filter { now - $0.at >= self.grace }.map(\.client)
                    state.retired.removeAll { now - $0.at >= self.grace }
                    return due
                }
                for client in due { await self.shutDown(client) }
            }
        }
        await shutDownAll()
    }

    /// Shuts down every client, in use or retired (at shutdown, and by tests that never run
    /// the service).
    package func shutDownAll() async {
        let all = state.withLock { state in
            defer { state = State(closed: true) }
            return state.entries.values.map(\.client) + state.retired.map(\.client)
        }
        for client in all { await shutDown(client) }
    }

    private func shutDown(_ client: HTTPClient) async {
        do {
            try await client.shutdown()
        } catch {
            logger.warning("closing a pinned HTTP client failed", metadata: ["error": "\(error)"])
        }
    }
}
