import Core
import Foundation
import Hummingbird

/// Path and query values, checked with errors a client can act on.
extension Request {
    /// The `limit` and `offset` query parameters as a page request.
    func pageRequest() throws -> PageRequest {
        try PageRequest(
            limit: try queryInteger("limit", in: 1...PageRequest.maxLimit) ?? PageRequest.defaultLimit,
            offset: try queryInteger("offset", in: 0...PageRequest.maxOffset) ?? 0)
    }

    /// A UUID query parameter, or nil when absent; `what` names it in the error.
    func queryUUID(_ name: String, what: String) throws -> UUID? {
        guard let text = uri.queryParameters[name[...]] else { return nil }
        guard let id = UUID(uuidString: String(text)) else {
            throw SwitchboardError.badRequest("\(name) must be \(what) (UUID), not '\(text)'", code: "invalid_query")
        }
        return id
    }

    /// An ISO-8601 time query parameter, or nil when absent; it must lie in
    /// `Timestamp.acceptedRange`.
    func queryDate(_ name: String) throws -> Date? {
        guard let text = uri.queryParameters[name[...]] else { return nil }
        guard let date = Timestamp.parse(String(text)) else {
            throw SwitchboardError.badRequest(
                "\(name) must be an ISO-8601 time such as 2026-01-01T00:00:00Z, not '\(text)'", code: "invalid_query")
        }
        guard Timestamp.acceptedRange.contains(date) else {
            throw SwitchboardError.badRequest("\(name) must be \(Timestamp.acceptedRangeDescription), not '\(text)'", code: "invalid_query")
        }
        return date
    }

    /// A string query parameter, or nil when absent; one holding NUL (`%00`) is refused, as the
    /// databases cannot compare text with it.
    func queryString(_ name: String) throws -> String? {
        guard let text = uri.queryParameters[name[...]] else { return nil }
        guard !text.utf8.contains(0) else {
            throw SwitchboardError.badRequest("query parameter \(name) must not contain the NUL character (%00)", code: "invalid_query")
        }
        return String(text)
    }

    /// A `true`/`false` query parameter, or nil when absent.
    func queryBool(_ name: String) throws -> Bool? {
        guard let text = uri.queryParameters[name[...]] else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw SwitchboardError.badRequest("query parameter \(name) must be true or false, not '\(text)'", code: "invalid_query")
        }
    }

    /// A whole-number query parameter within `range`, or nil when absent.
    func queryInteger(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = uri.queryParameters[name[...]] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw SwitchboardError.badRequest(
                "query parameter \(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'",
                code: "invalid_query")
        }
        return value
    }
}

extension RequestContext {
    /// The `:id` path parameter as a UUID.
    func pathID(_ name: String = "id") throws -> UUID {
        let text = parameters.get(name) ?? ""
        guard let id = UUID(uuidString: text) else {
            throw SwitchboardError.badRequest(
                "'\(text)' is not a valid id; ids are UUIDs such as 3f2b8c1e-5d4a-4f6b-9c8d-7e6f5a4b3c2d", code: "invalid_id")
        }
        return id
    }
}
