import AsyncHTTPClient
import Core
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import Synchronization

/// Forwards one authorised request to the CRM and brings its answer back: bodies streamed
/// both ways, hop-by-hop headers dropped, `X-Forwarded-*` and the key's identity headers set,
/// the key itself not passed on (unless `GATEWAY_FORWARD_AUTHORIZATION`). When the route map
/// marks the request with an event and the CRM answers 2xx, the answer is held (up to
/// `MAX_EVENT_BYTES`, within `GATEWAY_BUFFER_BYTES` over all requests) and the event published
/// with it as `data` before the client gets the answer; a larger one is streamed after an
/// event with `{path, status}`.
struct GatewayForwarder: Sendable {
    let client: HTTPClient
    let settings: GatewaySettings
    let dispatcher: EventDispatcher
    let proxies: ClientAddressResolver
    /// `AUTH_API_KEY_HEADER`, lower case: a key header the CRM does not get either.
    let keyHeader: String?
    let maxEventBytes: Int
    /// `GATEWAY_BUFFER_BYTES`, shared by every request.
    let buffer: ByteBudget
    /// `HTTP_BODY_TIMEOUT_SECONDS`: how long a client may take to send its body, added to
    /// `GATEWAY_TIMEOUT_MS` for requests with one (the client library's deadline runs until
    /// the answer's head, upload included).
    let uploadAllowance: TimeAmount

    /// The request target as the client sent it, when it is one the gateway forwards: an
    /// absolute path with an optional query, in the characters RFC 3986 allows there. Anything
    /// else (a `#`, spaces, backslashes, an absolute URI) is refused before the route map
    /// decides, so the map and the CRM see the same path.
    static func target(of request: Request) throws -> String {
        guard let target = request.head.path, target.hasPrefix("/"), target.utf8.allSatisfy({ allowedTargetBytes.contains($0) }) else {
            throw SwitchboardError(
                .badRequest, code: "invalid_request_target",
                message:
                    "the request target must be a path with an optional query, in URL characters (letters, digits, -._~%!$&'()*+,;=:@/?); encode anything else"
            )
        }
        return target
    }

    static let allowedTargetBytes: Set<UInt8> = Set(
        Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+,;=:@/?".utf8))

    func forward(_ request: Request, target: String, context: AuthenticatedRequestContext, decision: RouteMap.Decision) async throws
        -> Response
    {
        let idempotencyKey = request.headers[.idempotencyKey]
        if decision.event != nil, let idempotencyKey,
            idempotencyKey.isEmpty || idempotencyKey.count > EventDispatcher.maxIdempotencyKeyLength
        {
            // Refused before the CRM sees it: afterwards the write would be done and its event not.
            throw SwitchboardError(
                .badRequest, code: "invalid_idempotency_key",
                message: "Idempotency-Key must be 1 to \(EventDispatcher.maxIdempotencyKeyLength) characters")
        }
        var outbound = HTTPClientRequest(url: settings.url(for: target))
        outbound.method = HTTPMethod(rawValue: request.method.rawValue)
        outbound.headers = upstreamHeaders(request, context: context)
        if decision.event != nil {
            // The answer becomes the event's data: it must come back readable, not compressed.
            outbound.headers.remove(name: "Accept-Encoding")
        }
        var deadline = TimeAmount.milliseconds(Int64(settings.timeoutMilliseconds))
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }) {
            if length > 0 {
                outbound.body = .stream(request.body, length: .known(length))
                deadline = deadline + uploadAllowance
            }
        } else if request.headers[.transferEncoding] != nil {
            outbound.body = .stream(request.body, length: .unknown)
            deadline = deadline + uploadAllowance
        }
        let answer: HTTPClientResponse
        do {
            answer = try await client.execute(outbound, timeout: deadline)
        } catch {
            throw translate(error)
        }
        let status = HTTPResponse.Status(code: Int(answer.status.code), reasonPhrase: answer.status.reasonPhrase)
        var headers = Self.downstreamHeaders(answer.headers)
        guard let event = decision.event, status.kind == .successful else {
            return Response(status: status, headers: headers, body: ResponseBody(asyncSequence: answer.body))
        }
        // The answer is held until its event is published, up to MAX_EVENT_BYTES (more could
        // not be the event's data) and while GATEWAY_BUFFER_BYTES has room over all requests.
        var held = ByteBuffer()
        var reserved = 0
        var rest = AnswerRest(answer.body.makeAsyncIterator())
        do {
            while let chunk = try await rest.iterator.next() {
                guard held.readableBytes + chunk.readableBytes <= maxEventBytes, buffer.reserve(chunk.readableBytes) else {
                    rest.pending = chunk
                    break
                }
                reserved += chunk.readableBytes
                held.writeImmutableBuffer(chunk)
            }
        } catch {
            buffer.release(reserved)
            _ = await publish(
                event, data: Self.eventData(nil, target: target, status: status), idempotencyKey: idempotencyKey, target: target,
                source: Self.source(request, target: target, decision: decision, status: status, key: context.key.id), context: context)
            throw SwitchboardError(
                .badGateway, code: "upstream_answer_incomplete", message: "the CRM's answer broke off; the write may have been made",
                detail: "\(error)")
        }
        let reservation = ByteBudget.Reservation(budget: buffer, bytes: reserved)
        let whole = rest.pending == nil
        let data = Self.eventData(whole ? held : nil, target: target, status: status)
        let source = Self.source(request, target: target, decision: decision, status: status, key: context.key.id)
        switch await publish(event, data: data, idempotencyKey: idempotencyKey, target: target, source: source, context: context) {
        case .success(let id): headers[Names.eventID] = id
        case .failure(let failure): headers[Names.eventError] = failure.code
        }
        if whole {
            headers[.contentLength] = nil
            return Response(
                status: status, headers: headers,
                body: ResponseBody(contentLength: held.readableBytes) { [held] writer in
                    defer { withExtendedLifetime(reservation) {} }
                    try await writer.write(held)
                    try await writer.finish(nil)
                })
        }
        // Too large to hold: what was read, then the rest as it comes (the CRM's length stands).
        // What was held is let go once written, not when the whole answer has gone out.
        let remaining = UncheckedSendable(rest)
        let prefix = HeldPrefix(held, reservation)
        return Response(
            status: status, headers: headers,
            body: ResponseBody { writer in
                var rest = remaining.value
                if let held = prefix.take() { try await writer.write(held) }
                if let pending = rest.pending { try await writer.write(pending) }
                while let chunk = try await rest.iterator.next() { try await writer.write(chunk) }
                try await writer.finish(nil)
            })
    }

    /// The part of an answer read before it was found too large to hold, with its reservation;
    /// both are given up when taken.
    final class HeldPrefix: Sendable {
        private let held: Mutex<(ByteBuffer, ByteBudget.Reservation)?>

        init(_ buffer: ByteBuffer, _ reservation: ByteBudget.Reservation) {
            held = Mutex((buffer, reservation))
        }

        /// The bytes; the reservation is released as they are handed over.
        func take() -> ByteBuffer? {
            held.withLock { held in
                defer { held = nil }
                return held?.0
            }
        }
    }

    /// The unread part of a CRM answer: the chunk that did not fit, and the rest.
    struct AnswerRest {
        var iterator: HTTPClientResponse.Body.AsyncIterator
        var pending: ByteBuffer?

        init(_ iterator: HTTPClientResponse.Body.AsyncIterator) {
            self.iterator = iterator
        }
    }

    /// Publishes the event of a write; a failure is logged and counted, not thrown: the CRM
    /// has made the write, and the client must get its answer.
    private func publish(
        _ event: String, data: JSONValue, idempotencyKey: String?, target: String, source: JSONValue, context: AuthenticatedRequestContext
    ) async -> Result<String, SwitchboardError> {
        do {
            let scope = idempotencyKey.map { _ in Self.idempotencyScope(key: context.key.id, event: event, target: target) }
            let published = try await dispatcher.publish(
                type: event, data: data, idempotencyKey: idempotencyKey, scope: scope, source: source)
            Counter(label: "switchboard_gateway_events_total", dimensions: [("outcome", "published")]).increment()
            return .success(published.event.id.uuidString.lowercased())
        } catch {
            let failure = SwitchboardError(translating: error)
            Counter(label: "switchboard_gateway_events_total", dimensions: [("outcome", "failed")]).increment()
            context.logger.error(
                "gateway: the CRM made the write but its event was not published",
                metadata: [
                    "event": "\(event)", "code": "\(failure.code)", "error": "\(failure.detail ?? failure.message)",
                ])
            return .failure(failure)
        }
    }

    /// The scope of a write's `Idempotency-Key`: the key, the event and the path, so the same
    /// value on another write (or on `POST /api/events`) never stands for this one.
    static func idempotencyScope(key: UUID, event: String, target: String) -> UUID {
        let path = RouteMap.path(of: target)
        let digest = Array(SHA256.hash(data: Array("gateway\n\(key.uuidString.lowercased())\n\(event)\n\(path)".utf8)))
        return UUID(
            uuid: (
                digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
                digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]
            ))
    }

    /// The event's `source`: which CRM request it comes from, whatever the CRM answered — the
    /// gateway, the method, the path, the record's id from the path (nil for a creation, whose
    /// id only the CRM's answer can tell), the CRM's status and the key that made it.
    static func source(_ request: Request, target: String, decision: RouteMap.Decision, status: HTTPResponse.Status, key: UUID) -> JSONValue
    {
        .object([
            ("via", .string("gateway")), ("method", .string(request.method.rawValue)), ("path", .string(String(RouteMap.path(of: target)))),
            ("resourceId", decision.resourceID(in: target).map(JSONValue.string) ?? .null), ("status", .number(Double(status.code))),
            ("keyId", .string(key.uuidString.lowercased())),
        ])
    }

    /// The event's `data`: the CRM's answer when it is a JSON object, else the path and status
    /// (a 204, an answer that is not an object, or one over `MAX_EVENT_BYTES`).
    static func eventData(_ body: ByteBuffer?, target: String, status: HTTPResponse.Status) -> JSONValue {
        if let body, let value = try? JSONValue.parse(body.readableBytesView), case .object = value { return value }
        return .object([("path", .string(String(RouteMap.path(of: target)))), ("status", .number(Double(status.code)))])
    }

    /// The headers the CRM gets.
    func upstreamHeaders(_ request: Request, context: AuthenticatedRequestContext) -> HTTPHeaders {
        var dropped = Self.requestHopByHop
        for token in Self.connectionTokens(request.headers[values: .connection]) { dropped.insert(token) }
        if !settings.forwardAuthorization {
            // The header the key came in: `AUTH_API_KEY_HEADER`, else `Authorization` (which,
            // with a key header set, is the CRM's own and passes).
            dropped.insert(Self.dashed(keyHeader ?? "authorization"))
        }
        // The operator's fixed headers for the CRM replace the client's of the same names.
        for field in settings.upstreamHeaders { dropped.insert(Self.dashed(field.name.canonicalName)) }
        var headers = HTTPHeaders()
        for field in request.headers {
            // Compared with `_` as `-`: CGI-style servers read X_Forwarded_For as X-Forwarded-For.
            let name = Self.dashed(field.name.canonicalName)
            if dropped.contains(name) || Self.isReserved(name) { continue }
            if name == "cookie" {
                if let kept = Self.withoutSessionCookie(field.value) { headers.add(name: field.name.rawName, value: kept) }
                continue
            }
            headers.add(name: field.name.rawName, value: field.value)
        }
        // A client's own X-Forwarded-* are believed only from a trusted proxy.
        let trusted = context.peerAddress.map(proxies.isTrusted) ?? false
        if let peer = context.peerAddress?.description {
            let chain = trusted ? request.headers[.xForwardedFor] : nil
            headers.add(name: "X-Forwarded-For", value: chain.map { "\($0), \(peer)" } ?? peer)
        }
        headers.add(name: "X-Forwarded-Proto", value: (trusted ? request.headers[Names.forwardedProto] : nil) ?? "http")
        if let host = (trusted ? request.headers[Names.forwardedHost] : nil) ?? request.head.authority {
            headers.add(name: "X-Forwarded-Host", value: host)
        }
        var identity = HTTPFields()
        KeyIdentity(context.key).add(to: &identity)
        for field in identity { headers.add(name: field.name.rawName, value: field.value) }
        for field in settings.upstreamHeaders { headers.add(name: field.name.rawName, value: field.value) }
        return headers
    }

    /// A lower-case header name with `_` as `-`: CGI-style servers read `X_API_Key` as
    /// `X-API-Key`, so names are compared that way.
    static func dashed(_ name: String) -> String {
        name.utf8.contains(UInt8(ascii: "_")) ? String(name.map { $0 == "_" ? "-" : $0 }) : name
    }

    /// The headers the client gets from the CRM's answer.
    static func downstreamHeaders(_ headers: HTTPHeaders) -> HTTPFields {
        let named = connectionTokens(headers["connection"])
        var fields = HTTPFields()
        for (name, value) in headers {
            guard let field = HTTPField.Name(name), !responseHopByHop.contains(field.canonicalName), !named.contains(field.canonicalName)
            else { continue }
            fields.append(HTTPField(name: field, value: value))
        }
        return fields
    }

    /// Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the ones
    /// the client library sets itself (`Host`, `Content-Length`) and `Expect`.
    static let responseHopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade",
    ]
    static let requestHopByHop = responseHopByHop.union(["host", "content-length", "expect"])

    /// Headers only Switchboard may send the CRM: its identity headers, and every header that
    /// says where a request came from or went through (`Forwarded`, `X-Forwarded-*`, the
    /// client-address headers of other proxies and CDNs, `Proxy-*`, and `Proxy`, the httpoxy
    /// header), which the gateway sets itself or not at all.
    static func isReserved(_ name: String) -> Bool {
        name.hasPrefix(KeyIdentity.reservedPrefix) || name.hasPrefix("x-forwarded-") || name.hasPrefix("proxy-")
            || name == "forwarded" || name == "proxy" || clientAddressHeaders.contains(name)
    }

    /// Headers through which frameworks (Rails' `trusted_proxies`, Express' `trust proxy`,
    /// CDNs' conventions) learn a client address: the client must not choose its own.
    static let clientAddressHeaders: Set<String> = [
        "x-real-ip", "x-client-ip", "true-client-ip", "cf-connecting-ip", "fastly-client-ip", "x-cluster-client-ip",
        "x-original-forwarded-for",
    ]

    /// The header names a `Connection` header lists: hop-by-hop as well.
    static func connectionTokens(_ values: some Sequence<String>) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { token in
            String(token.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
                .lowercased()
        }
    }

    /// A `Cookie` header without the console's session cookie (Switchboard's credential, not
    /// the CRM's); nil when nothing is left.
    static func withoutSessionCookie(_ value: String) -> String? {
        let kept = value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix(SessionService.cookieName + "=") }
        return kept.isEmpty ? nil : kept.joined(separator: "; ")
    }

    /// A transport failure as the client's answer: 504 for timeouts, 502 otherwise.
    func translate(_ error: any Error) -> SwitchboardError {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout:
                return SwitchboardError(
                    .gatewayTimeout, code: "upstream_timeout",
                    message: "the CRM did not answer within GATEWAY_TIMEOUT_MS (\(settings.timeoutMilliseconds) ms)", detail: "\(error)")
            case .getConnectionFromPoolTimeout:
                return SwitchboardError(
                    .unavailable, code: "upstream_busy",
                    message: "all GATEWAY_MAX_CONNECTIONS connections to the CRM stayed busy; try again shortly", detail: "\(error)")
            default:
                break
            }
        }
        return SwitchboardError(
            .badGateway, code: "upstream_unavailable", message: "the CRM could not be reached; try again shortly", detail: "\(error)")
    }

    enum Names {
        static let eventID = HTTPField.Name("X-Switchboard-Event-Id")!
        static let eventError = HTTPField.Name("X-Switchboard-Event-Error")!
        static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
        static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!
    }
}

/// A value handed from the handler's task to the task that writes the answer, which alone
/// uses it afterwards: the answer's body iterator, which is not `Sendable`.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
