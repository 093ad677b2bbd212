import Core
import Foundation
import HTTPTypes
import Testing

/// Every number and time a client can send, at and beyond the ends of what fits: each is
/// answered 4xx with the error envelope, never 5xx and never a crash. A value that overflowed
/// before it was checked used to stop the whole process (a trap), on every database; dates
/// outside MySQL's DATETIME range used to come back as 500 from MariaDB.
@Suite("Boundary values of numbers and times")
struct BoundaryValueTests {
    /// One request and the status it must get.
    struct Case: Sendable, CustomStringConvertible {
        let method: HTTPRequest.Method
        let uri: String
        let json: String?
        let status: HTTPResponse.Status

        init(_ method: HTTPRequest.Method, _ uri: String, _ json: String?, _ status: HTTPResponse.Status) {
            self.method = method
            self.uri = uri
            self.json = json
            self.status = status
        }

        var description: String { "\(method) \(uri) \(json ?? "")" }
    }

    static let hugeInteger = "9223372036854775807"
    static let overflowingInteger = "9223372036854775808"
    static let hugeNumbers = ["1e16", "-1e16", "1e300", "-1e300", hugeInteger, "-9223372036854775808", "2.5", "-1"]
    static let badTimes = ["0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "9999-12-31T23:59:59Z", "10000-01-01T00:00:00Z"]
    static let id = "3f2b8c1e-5d4a-4f6b-9c8d-7e6f5a4b3c2d"

    /// The cases, with `{webhook}` and `{key}` standing for ids that exist.
    static var cases: [Case] {
        var cases: [Case] = []
        // Delivery-log cursors: far future, far past, year 9999, negative; and one that is fine.
        for millis in [hugeInteger, "-9223372036854775808", "253402300799999", "-1", "99999999999999999999"] {
            cases.append(Case(.get, "/api/webhooks/logs?cursor=\(millis)_\(id)", nil, .badRequest))
        }
        cases.append(Case(.get, "/api/webhooks/logs?cursor=0_\(id)", nil, .ok))
        // Page sizes and offsets.
        for path in ["/api/webhooks/logs", "/api/webhooks", "/api/api-keys", "/api/audit-logs"] {
            for limit in ["0", "-1", "501", hugeInteger, overflowingInteger, "1e3"] {
                cases.append(Case(.get, "\(path)?limit=\(limit)", nil, .badRequest))
            }
        }
        for path in ["/api/webhooks", "/api/api-keys"] {
            for offset in ["-1", "1000000001", hugeInteger, overflowingInteger] {
                cases.append(Case(.get, "\(path)?offset=\(offset)", nil, .badRequest))
            }
        }
        // Times in queries.
        for time in badTimes {
            for uri in [
                "/api/webhooks/logs?since=\(time)", "/api/audit-logs?since=\(time)", "/api/webhooks/analytics?since=\(time)",
                "/api/webhooks/analytics?since=2026-01-01T00:00:00Z&until=\(time)", "/api/webhooks/{webhook}/stats?since=\(time)",
                "/api/api-keys/{key}/usage?since=\(time)", "/api/api-keys/{key}/usage?until=\(time)",
            ] {
                cases.append(Case(.get, uri, nil, .badRequest))
            }
        }
        cases.append(Case(.get, "/api/webhooks/logs?since=1970-01-01T00:00:00Z", nil, .ok))
        cases.append(Case(.get, "/api/api-keys/{key}/usage?since=1970-01-01T00:00:00Z&until=9998-12-31T23:59:59Z", nil, .ok))
        cases.append(Case(.get, "/api/webhooks/analytics?since=1970-01-01T00:00:00Z&until=9998-12-31T00:00:00Z", nil, .badRequest))
        cases.append(Case(.get, "/api/webhooks/analytics?since=9998-12-30T00:00:00Z&until=9998-12-31T00:00:00Z", nil, .ok))
        for days in ["0", "367", hugeInteger, overflowingInteger] {
            cases.append(Case(.get, "/api/api-keys/analytics?days=\(days)", nil, .badRequest))
        }
        for top in ["0", "101", hugeInteger] {
            cases.append(Case(.get, "/api/api-keys/analytics?top=\(top)", nil, .badRequest))
        }
        // Numbers in bodies.
        for number in hugeNumbers + ["21"] {
            cases.append(
                Case(
                    .post, "/api/webhooks", #"{"name":"n","url":"https://example.com/h","events":["*"],"maxRetries":\#(number)}"#,
                    .unprocessableContent))
            cases.append(Case(.patch, "/api/webhooks/{webhook}", #"{"maxRetries":\#(number)}"#, .unprocessableContent))
        }
        for number in hugeNumbers + ["99", "86400001"] {
            cases.append(
                Case(
                    .post, "/api/webhooks", #"{"name":"n","url":"https://example.com/h","events":["*"],"retryDelaysMs":[\#(number)]}"#,
                    .unprocessableContent))
            cases.append(Case(.patch, "/api/webhooks/{webhook}", #"{"retryDelaysMs":[1000,\#(number)]}"#, .unprocessableContent))
        }
        for number in hugeNumbers + ["721"] {
            cases.append(Case(.post, "/api/webhooks/{webhook}/rotate-secret", #"{"overlapHours":\#(number)}"#, .unprocessableContent))
        }
        for number in hugeNumbers + ["2592001"] {
            cases.append(Case(.post, "/api/api-keys/{key}/regenerate", #"{"gracePeriodSeconds":\#(number)}"#, .unprocessableContent))
        }
        for number in hugeNumbers + ["0", "1000001"] {
            cases.append(
                Case(
                    .post, "/api/api-keys",
                    #"{"name":"k","permissions":["read:webhooks"],"rateLimit":{"requests":\#(number),"windowSeconds":60}}"#,
                    .unprocessableContent))
            cases.append(
                Case(.patch, "/api/api-keys/{key}", #"{"rateLimit":{"requests":10,"windowSeconds":\#(number)}}"#, .unprocessableContent))
        }
        // Times in bodies.
        for time in badTimes {
            cases.append(
                Case(.post, "/api/api-keys", #"{"name":"k","permissions":["read:webhooks"],"expiresAt":"\#(time)"}"#, .unprocessableContent)
            )
            cases.append(Case(.post, "/api/webhooks/{webhook}/recover", #"{"since":"\#(time)"}"#, .unprocessableContent))
        }
        cases.append(Case(.post, "/api/webhooks/{webhook}/recover", #"{"since":"1970-01-01T00:00:00Z"}"#, .accepted))
        return cases
    }

    @Test("every boundary value is answered 4xx (or accepted where valid), never 5xx", arguments: TestDriverKind.all)
    func boundaries(kind: TestDriverKind) async throws {
        try await withTestServer(kind) { server in
            try await server.test { client in
                let created = try await client.send(
                    .post, "/api/webhooks", key: server.adminKey,
                    json: #"{"name":"target","url":"https://example.com/hook","events":["*"]}"#)
                let webhook = try #require(created.body["data"]?["id"]?.stringValue)
                let keyAnswer = try await client.send(
                    .post, "/api/api-keys", key: server.adminKey,
                    json: #"{"name":"subject","permissions":["read:webhooks"]}"#)
                let key = try #require(keyAnswer.body["data"]?["id"]?.stringValue)
                for testCase in Self.cases {
                    let uri = testCase.uri.replacingOccurrences(of: "{webhook}", with: webhook).replacingOccurrences(of: "{key}", with: key)
                    let answer = try await client.send(testCase.method, uri, key: server.adminKey, json: testCase.json)
                    #expect(answer.status == testCase.status, "\(testCase): \(answer.body.compactText)")
                    if answer.status.code >= 400 {
                        #expect(answer.body["success"] == .bool(false), "\(testCase)")
                        #expect(answer.body["error"]?["message"]?.stringValue?.isEmpty == false, "\(testCase)")
                    }
                }
            }
        }
    }

    @Test("timestamps format without trapping, however far off the date")
    func formatting() {
        for seconds in [-1e300, -1e20, -62_167_219_201, 253_402_300_800, 1e20, 1e300, .infinity, -.infinity, .nan] {
            let text = Timestamp.format(Date(timeIntervalSince1970: seconds))
            #expect(text.count == 24, "\(seconds) → \(text)")
        }
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1e300)) == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -1e300)) == "0000-01-01T00:00:00.000Z")
        #expect(Timestamp.parse("+275760-09-13T00:00:00Z") == nil)
    }

    @Test("a receiver's Retry-After is held to a year, however large")
    func retryAfter() {
        #expect(RetryAfter.parse("99999999999999") == .seconds(366 * 86_400))
        #expect(RetryAfter.parse("120") == .seconds(120))
        #expect(RetryAfter.parse("99999999999999999999999") == nil)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(RetryAfter.parse("Fri, 31 Dec 9999 23:59:59 GMT", now: now) == .seconds(RetryAfter.ceiling))
        #expect(RetryAfter.parse("Thu, 01 Jan 1970 00:00:00 GMT", now: now) == .seconds(0))
    }
}
