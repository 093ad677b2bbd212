import Core
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Limits on the server's connections: how many may be open at once, overall and per client,
/// and how long a client may take to send a request.
struct ConnectionLimits: Sendable {
    /// `HTTP_MAX_CONNECTIONS`: open connections at once; more are answered 503 and closed.
    var maxConnections: Int
    /// `HTTP_MAX_CONNECTIONS_PER_CLIENT`: open connections from one client (IPv4 address or
    /// IPv6 /64); trusted proxies are exempt, since every client behind them shares their
    /// address.
    var maxConnectionsPerClient: Int
    /// `HTTP_IDLE_TIMEOUT_SECONDS`: longest a connection may wait for a complete request head,
    /// new or kept alive after an answer. Headers sent slowly do not extend it.
    var headTimeout: Duration
    /// `HTTP_BODY_TIMEOUT_SECONDS`: longest from a request's head to the end of its body.
    var bodyTimeout: Duration
}

/// The open connections, counted overall and per client.
final class ConnectionCounter: Sendable {
    /// Why a connection was turned away.
    enum Refusal {
        case serverFull
        case clientFull
    }

    private struct State {
        var total = 0
        var perClient: [String: Int] = [:]
    }

    let limits: ConnectionLimits
    let trusted: ClientAddressResolver
    private let state = Mutex(State())

    init(limits: ConnectionLimits, trusted: ClientAddressResolver) {
        self.limits = limits
        self.trusted = trusted
    }

    /// Counts a new connection from `peer`, or says why it may not stay. Returns the group to
    /// release later (nil for exempt or unknown peers).
    func admit(peer: IPAddress?) -> Result<String?, RefusalError> {
        let group = peer.flatMap { trusted.isTrusted($0) ? nil : $0.clientGroup }
        return state.withLock { state in
            guard state.total < limits.maxConnections else { return .failure(RefusalError(reason: .serverFull)) }
            if let group {
                let count = state.perClient[group, default: 0]
                guard count < limits.maxConnectionsPerClient else { return .failure(RefusalError(reason: .clientFull)) }
                state.perClient[group] = count + 1
            }
            state.total += 1
            return .success(group)
        }
    }

    /// A counted connection closed.
    func release(group: String?) {
        state.withLock { state in
            state.total -= 1
            guard let group, let count = state.perClient[group] else { return }
            state.perClient[group] = count > 1 ? count - 1 : nil
        }
    }

    /// Open connections now.
    var openConnections: Int { state.withLock { $0.total } }

    struct RefusalError: Error {
        let reason: Refusal
    }
}

/// Sits in every connection's pipeline after HTTP decoding: turns away connections beyond the
/// limits with a 503, and closes a connection whose client takes too long to send a request
/// head (a new or kept-alive connection that sends nothing, or headers a byte at a time) or a
/// request body.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let counter: ConnectionCounter
    private var admitted = false
    /// When the connection is closed unless the client gets on with it; nil while the
    /// server is answering.
    private var deadline: NIODeadline?
    /// The one timer, and when it fires. Requests move `deadline` only; the timer checks it
    /// when it fires and sets itself again if the deadline moved on, so a busy keep-alive
    /// connection does not schedule a timer per request.
    private var timer: Scheduled<Void>?
    private var timerFiresAt: NIODeadline?

    init(counter: ConnectionCounter) {
        self.counter = counter
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if !admitted { admit(context: context) }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        timerFiresAt = nil
    }

    private func admit(context: ChannelHandlerContext) {
        admitted = true
        let peer = context.channel.remoteAddress.flatMap(IPAddress.init(socketAddress:))
        switch counter.admit(peer: peer) {
        case .success(let group):
            let counter = counter
            context.channel.closeFuture.whenComplete { _ in counter.release(group: group) }
            arm(context: context, after: counter.limits.headTimeout)
        case .failure(let refusal):
            refuse(context: context, reason: refusal.reason)
        }
    }

    private func refuse(context: ChannelHandlerContext, reason: ConnectionCounter.Refusal) {
        let message =
            switch reason {
            case .serverFull: "the server has too many open connections; retry shortly"
            case .clientFull: "too many open connections from this address; close some and retry"
            }
        var body = context.channel.allocator.buffer(capacity: 128)
        body.writeString(#"{"success":false,"error":{"code":"too_many_connections","message":"\#(message)"}}"#)
        let head = HTTPResponse(
            status: .serviceUnavailable,
            headerFields: [
                .contentType: "application/json", .contentLength: String(body.readableBytes), .connection: "close", .retryAfter: "1",
            ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// Sets the deadline `timeout` from now; when it passes, the connection is closed.
    private func arm(context: ChannelHandlerContext, after timeout: Duration) {
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout.seconds * 1e9))
        self.deadline = deadline
        if let firesAt = timerFiresAt, firesAt <= deadline { return }
        schedule(context: context, at: deadline)
    }

    private func disarm() {
        deadline = nil
    }

    private func schedule(context: ChannelHandlerContext, at time: NIODeadline) {
        timer?.cancel()
        timerFiresAt = time
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: time) {
            self.timerFired(context: context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        timerFiresAt = nil
        guard let deadline else { return }
        if deadline <= .now() {
            context.close(promise: nil)
        } else {
            schedule(context: context, at: deadline)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: arm(context: context, after: counter.limits.bodyTimeout)
        case .body: break
        case .end: disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            // Answered: the connection now waits for the next request head.
            arm(context: context, after: counter.limits.headTimeout)
        }
        context.write(data, promise: promise)
    }
}
