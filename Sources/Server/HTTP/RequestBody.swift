import Core
import Foundation
import Hummingbird

extension Request {
    /// The JSON body decoded as `T` (see `JSONValueDecoder` for the rules): at most `limit`
    /// bytes, `application/json`; an empty body counts as `{}` when `emptyIsObject`.
    func decode<T: Decodable>(_ type: T.Type, limit: Int, emptyIsObject: Bool = false) async throws -> T {
        if let contentType = headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw SwitchboardError(.unsupportedMediaType, code: "unsupported_media_type", message: "send the body as application/json, not \(contentType)")
        }
        var request = self
        let buffer = try await request.collectBody(upTo: limit)
        let bytes = buffer.readableBytesView
        let value: JSONValue
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard emptyIsObject else { throw SwitchboardError.badRequest("request body is empty; send a JSON object", code: "invalid_json") }
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
