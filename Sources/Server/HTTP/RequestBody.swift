import Core
import Foundation
import Hummingbird
import NIOCore

/// The request decoder of every Switchboard context: the body must be `application/json`, at
/// most the context's `maxUploadSize` (set per route from its declared limit), and one JSON
/// object, decoded strictly by `JSONValueDecoder`. Routes read bodies with Hummingbird's
/// `request.decode(as:context:)`.
package struct StrictJSONRequestDecoder: RequestDecoder {
    package func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw SwitchboardError(
                .unsupportedMediaType, code: "unsupported_media_type", message: "send the body as application/json, not \(contentType)")
        }
        var request = request
        let buffer = try await request.collectBody(limit: context.maxUploadSize)
        let bytes = buffer.readableBytesView
        let value: JSONValue
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard T.self is any OptionalBody.Type else {
                throw SwitchboardError.badRequest("request body is empty; send a JSON object", code: "invalid_json")
            }
            value = .object([])
        } else {
            do {
                value = try JSONValue.parse(bytes)
            } catch let error as JSONValue.ParseError {
                throw SwitchboardError.badRequest("request body is not valid JSON: \(error)", code: "invalid_json")
            }
        }
        guard case .object = value else {
            throw SwitchboardError.badRequest("request body must be a JSON object, not \(value.typeName)", code: "invalid_json")
        }
        return try JSONValueDecoder.decode(T.self, from: value)
    }
}

/// A request body whose every field is optional, so an empty body means `{}`.
protocol OptionalBody: Decodable {}

extension Request {
    /// The body, at most `limit` bytes; past it a 413 that names the limit.
    mutating func collectBody(limit: Int) async throws -> ByteBuffer {
        do {
            return try await collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw SwitchboardError(
                .payloadTooLarge, code: "payload_too_large", message: "request body exceeds this route's limit of \(limit) bytes")
        }
    }
}

extension Int {
    /// The number, checked to lie in `range` before anything is computed from it.
    func checked(_ field: String, in range: ClosedRange<Int>) throws -> Int {
        guard range.contains(self) else {
            throw SwitchboardError.invalid("\(field) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return self
    }
}

extension Optional where Wrapped == Int {
    /// The number if present, checked to lie in `range`.
    func checked(_ field: String, in range: ClosedRange<Int>) throws -> Int? {
        try map { try $0.checked(field, in: range) }
    }
}
