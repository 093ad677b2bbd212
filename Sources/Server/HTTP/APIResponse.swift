import Core
import Foundation
import Hummingbird
import NIOCore

/// The seed's response envelope: `{"success": true, "data": …}` for results and
/// `{"success": false, "error": {"code", "message"}}` for failures, always compact JSON.
/// `data` is a typed response (see Responses.swift), encoded in its declared field order.
struct APIResponse: ResponseGenerator {
    let status: HTTPResponse.Status
    /// What goes under `data`, or nil for a failure.
    let data: (any Encodable & Sendable)?
    /// Top-level members after `data` (pagination), or the failure's `error`.
    let members: [(key: String, value: JSONValue)]
    var extraHeaders: HTTPFields = [:]

    /// A success carrying `data`, with optional extra top-level members (e.g. pagination).
    static func success(_ data: some Encodable & Sendable, status: HTTPResponse.Status = .ok, extra: [(key: String, value: JSONValue)] = []) -> APIResponse {
        APIResponse(status: status, data: data, members: extra)
    }

    /// A page of items with `pagination: {total, limit, offset}` beside `data`.
    static func page<Item, Rendered: Encodable & Sendable>(_ page: Page<Item>, render: (Item) -> Rendered) -> APIResponse {
        success(page.items.map(render), extra: [("pagination", .object([
            ("total", .number(Double(page.total))),
            ("limit", .number(Double(page.limit))),
            ("offset", .number(Double(page.offset))),
        ]))])
    }

    /// A failure with a stable code and a message that says what to fix.
    static func failure(status: HTTPResponse.Status, code: String, message: String) -> APIResponse {
        APIResponse(status: status, data: nil, members: [
            ("error", .object([("code", .string(code)), ("message", .string(message))])),
        ])
    }

    /// The whole answer as JSON.
    func document() throws -> JSONValue {
        guard let data else { return .object([("success", .bool(false))] + members) }
        return .object([("success", .bool(true)), ("data", try JSONValueEncoder.encode(data))] + members)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        headers.append(contentsOf: extraHeaders)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: try document().compactText)))
    }
}
