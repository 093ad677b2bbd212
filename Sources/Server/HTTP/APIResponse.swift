import Core
import Foundation
import Hummingbird
import NIOCore

/// Every answer's envelope: `{"success": true, "data": …}` for results and
/// `{"success": false, "error": {"code", "message"}}` for failures. It is written by the
/// context's `responseEncoder` (`EnvelopeResponseEncoder`); `data` is a typed response (see
/// Responses.swift), encoded in its declared field order.
struct APIResponse: ResponseEncodable {
    let status: HTTPResponse.Status
    /// What goes under `data`, or nil for a failure.
    let data: (any Encodable & Sendable)?
    /// Top-level members after `data` (pagination), or the failure's `error`.
    let members: [(key: String, value: JSONValue)]
    var extraHeaders: HTTPFields = [:]

    /// A success carrying `data`, with optional extra top-level members (e.g. pagination).
    static func success(_ data: some Encodable & Sendable, status: HTTPResponse.Status = .ok, extra: [(key: String, value: JSONValue)] = [])
        -> APIResponse
    {
        APIResponse(status: status, data: data, members: extra)
    }

    /// A page of items with `pagination: {total, limit, offset}` beside `data`.
    static func page<Item, Rendered: Encodable & Sendable>(_ page: Page<Item>, render: (Item) -> Rendered) -> APIResponse {
        success(
            page.items.map(render),
            extra: [
                (
                    "pagination",
                    .object([
                        ("total", .number(Double(page.total))),
                        ("limit", .number(Double(page.limit))),
                        ("offset", .number(Double(page.offset))),
                    ])
                )
            ])
    }

    /// A failure with a stable code and a message that says what to fix.
    static func failure(status: HTTPResponse.Status, code: String, message: String) -> APIResponse {
        APIResponse(
            status: status, data: nil,
            members: [
                ("error", .object([("code", .string(code)), ("message", .string(message))]))
            ])
    }

    /// The id of what the answer created, for the audit trail.
    var createdID: String? { (data as? any CreatedResource)?.createdID }

    func encode(to encoder: any Encoder) throws {
        var object = encoder.container(keyedBy: MemberName.self)
        try object.encode(data != nil, forKey: MemberName("success"))
        if let data { try object.encode(data, forKey: MemberName("data")) }
        for (key, value) in members { try object.encode(value, forKey: MemberName(key)) }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(self, from: request, context: context)
        response.status = status
        response.headers.append(contentsOf: extraHeaders)
        return response
    }

    private struct MemberName: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// An answer that names what its route created (a webhook, a key), so the audit trail of a
/// route without an id in its path can record the target without reading the answer back.
protocol CreatedResource {
    var createdID: String { get }
}

/// The response encoder of every Switchboard context: compact JSON through
/// `JSONValueEncoder`, so fields keep their declared order and the conventions of the API
/// (nulls written, lower-case UUIDs, `Timestamp` times).
package struct EnvelopeResponseEncoder: ResponseEncoder {
    package func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        let text = try JSONValueEncoder.encode(value).compactText
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
