import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

/// One request a test receiver got.
struct ReceivedRequest: Sendable {
    /// The method, e.g. `POST`.
    var method: String = "POST"
    /// Path and query, e.g. `/hook?slow=1`.
    let uri: String
    /// The `Host` the client named.
    var authority: String? = nil
    let headers: HTTPFields
    let body: [UInt8]
    let receivedAt: Date

    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// What a test receiver answers.
struct ScriptedResponse: Sendable {
    var status: HTTPResponse.Status = .ok
    var headers: HTTPFields = [:]
    var body: String = "ok"
    /// Raw bytes instead of `body` (bytes that are not UTF-8, a NUL).
    var bytes: [UInt8]?
    var delay: Duration = .zero
    /// When set, the head is sent at once and then the body one byte per this interval, for
    /// as long as the client keeps reading (a receiver that stalls its answer).
    var dribble: Duration?
}

/// A real HTTP server on 127.0.0.1 (a free port) that records every request and answers as
/// the test scripts it: webhook deliveries at `/hook`, and any method on any path (a CRM
/// stand-in behind the gateway).
final class TestReceiver: Sendable {
    let port: Int
    private let group: ServiceGroup
    private let runner: Task<Void, Never>
    private let received: RequestLog

    /// Requests in arrival order, shared with the route handler.
    final class RequestLog: Sendable {
        let entries = Mutex<[ReceivedRequest]>([])
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }
    var requests: [ReceivedRequest] { received.entries.withLock { $0 } }

    private init(port: Int, group: ServiceGroup, runner: Task<Void, Never>, received: RequestLog) {
        self.port = port
        self.group = group
        self.runner = runner
        self.received = received
    }

    /// Starts a receiver (on `port`, or any free port when 0); `respond` gets each request
    /// and its 0-based index.
    static func start(
        port fixedPort: Int = 0, _ respond: @escaping @Sendable (ReceivedRequest, Int) -> ScriptedResponse = { _, _ in ScriptedResponse() }
    ) async throws -> TestReceiver {
        let log = RequestLog()
        let counter = Mutex(0)
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 22)
            let received = ReceivedRequest(
                method: request.method.rawValue, uri: request.uri.description, authority: request.head.authority, headers: request.headers,
                body: Array(body.readableBytesView), receivedAt: Date())
            let index = counter.withLock { value in
                defer { value += 1 }
                return value
            }
            log.entries.withLock { $0.append(received) }
            let answer = respond(received, index)
            if answer.delay > .zero { try await Task.sleep(for: answer.delay) }
            if let interval = answer.dribble {
                return Response(
                    status: answer.status, headers: answer.headers,
                    body: ResponseBody { writer in
                        while true {
                            try await writer.write(ByteBuffer(string: "x"))
                            try await Task.sleep(for: interval)
                        }
                    })
            }
            return Response(
                status: answer.status, headers: answer.headers,
                body: ResponseBody(byteBuffer: answer.bytes.map { ByteBuffer(bytes: $0) } ?? ByteBuffer(string: answer.body)))
        }
        router.post("/hook", use: handler)
        for method in [HTTPRequest.Method.get, .head, .post, .put, .patch, .delete, .options] {
            router.on("**", method: method, use: handler)
        }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "test-receiver")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: fixedPort)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let runner = Task { _ = try? await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        return TestReceiver(port: port, group: group, runner: runner, received: log)
    }

    /// Stops the server and waits for it.
    func stop() async {
        await group.triggerGracefulShutdown()
        await runner.value
    }
}

/// Runs `body` with a receiver, stopping it afterwards.
func withReceiver<T>(
    _ respond: @escaping @Sendable (ReceivedRequest, Int) -> ScriptedResponse = { _, _ in ScriptedResponse() },
    _ body: (TestReceiver) async throws -> T
) async throws -> T {
    let receiver = try await TestReceiver.start(port: 0, respond)
    do {
        let result = try await body(receiver)
        await receiver.stop()
        return result
    } catch {
        await receiver.stop()
        throw error
    }
}

/// Runs the server's delivery worker while `body` runs, then shuts it down gracefully.
func withRunningWorker<T>(_ server: TestServer, _ body: () async throws -> T) async throws -> T {
    let worker = try #require(server.components.worker)
    var logger = Logger(label: "test-worker")
    logger.logLevel = .warning
    let group = ServiceGroup(configuration: .init(services: [worker], gracefulShutdownSignals: [], logger: logger))
    let runner = Task { try await group.run() }
    do {
        let result = try await body()
        await group.triggerGracefulShutdown()
        try await runner.value
        return result
    } catch {
        await group.triggerGracefulShutdown()
        try? await runner.value
        throw error
    }
}

/// Waits until `condition` holds, checking every 20 ms, for at most `timeout` (generous: the
/// suites run at once on two cores, where what takes 0.5 s alone took 10 s); past that it
/// records the timeout where it was asked for and throws, so the test ends there instead of
/// going on with what it waited for missing (an index out of range crashes the whole run).
func eventually(
    timeout: Duration = .seconds(20), _ message: @autoclosure () -> String = "condition", sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    let description = "timed out waiting for \(message())"
    Issue.record(Comment(rawValue: description), sourceLocation: sourceLocation)
    throw EventuallyTimedOut(description: description)
}

/// What `eventually` throws when its condition did not hold in time (already recorded).
struct EventuallyTimedOut: Error, CustomStringConvertible {
    let description: String
}
