import Foundation
import Core
import Hummingbird
import NIOCore

/// The seed's response envelope: `{"success": true, "data": …}` for results and
/// `{"success": false, "error": {"code", "message"}}` for failures, always compact JSON.
struct APIResponse: ResponseGenerator {
    let status: HTTPResponse.Status
    let document: JSONValue
    var extraHeaders: HTTPFields = [:]

    /// A success carrying `data`, with optional extra top-level members (e.g. pagination).
    static func success(_ data: JSONValue, status: HTTPResponse.Status = .ok, extra: [(key: String, value: JSONValue)] = []) -> APIResponse {
        APIResponse(status: status, document: .object([("success", .bool(true)), ("data", data)] + extra))
    }

    /// A page of items with `pagination: {total, limit, offset}` beside `data`.
    static func page<Item>(_ page: Page<Item>, render: (Item) -> JSONValue) -> APIResponse {
        success(.array(page.items.map(render)), extra: [("pagination", .object([
            ("total", .number(Double(page.total))),
            ("limit", .number(Double(page.limit))),
            ("offset", .number(Double(page.offset))),
        ]))])
    }

    /// A failure with a stable code and a message that says what to fix.
    static func failure(status: HTTPResponse.Status, code: String, message: String) -> APIResponse {
        APIResponse(status: status, document: .object([
            ("success", .bool(false)),
            ("error", .object([("code", .string(code)), ("message", .string(message))])),
        ]))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        headers.append(contentsOf: extraHeaders)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: document.compactText)))
    }
}
