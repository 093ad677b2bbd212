import Core
import Foundation
import Testing

/// The route map `/auth/verify` decides CRM requests by: matching, precedence, and the errors
/// a bad file stops the server with.
@Suite("Route map")
struct RouteMapTests {
    @Test("the CRM's permission table: reads, writes and deletions of contacts, transactions and properties")
    func builtInTable() {
        let map = RouteMap()
        #expect(map.decide(method: "GET", uri: "/api/contacts").requirement == .permission(.readContacts))
        #expect(map.decide(method: "get", uri: "/api/contacts/42?fields=name").requirement == .permission(.readContacts))
        #expect(map.decide(method: "HEAD", uri: "/api/properties/7").requirement == .permission(.readProperties))
        for method in ["POST", "PUT", "PATCH"] {
            #expect(map.decide(method: method, uri: "/api/transactions/9").requirement == .permission(.writeTransactions))
        }
        #expect(map.decide(method: "DELETE", uri: "/api/contacts/42").requirement == .permission(.deleteContacts))
        #expect(map.decide(method: "GET", uri: "/api/contacts/42").routeGroup == "crm:contacts")
        // Not in the table: denied unless allowed.
        #expect(map.decide(method: "GET", uri: "/api/invoices").requirement == .deny)
        #expect(map.decide(method: "GET", uri: "/api/contactsx").requirement == .deny)
        #expect(map.decide(method: "OPTIONS", uri: "/api/contacts").requirement == .deny)
        #expect(RouteMap(allowUnmatched: true).decide(method: "GET", uri: "/api/invoices").requirement == .anyKey)
    }

    @Test("dot segments and relative paths match nothing, whatever the rules")
    func traversal() {
        let map = RouteMap(fileRules: try! RouteMap.parse("* /api/public/** any"), allowUnmatched: false)
        #expect(map.decide(method: "GET", uri: "/api/public/x").requirement == .anyKey)
        #expect(map.decide(method: "GET", uri: "/api/public/../contacts").requirement == .deny)
        #expect(map.decide(method: "GET", uri: "/api/public/./x").requirement == .deny)
        #expect(map.decide(method: "GET", uri: "api/public/x").requirement == .deny)
    }

    @Test("file rules come first, in file order: they add routes and override the defaults")
    func precedence() throws {
        let rules = try RouteMap.parse(
            """
            # reports are read with the transactions permission
            GET,HEAD   /api/reports/**          read:transactions
            POST       /api/contacts/:id/notes  write:contacts   # a note is a write
            *          /api/contacts/export     deny
            DELETE     /api/contacts/*          write:contacts
            *          /api/health              any
            """)
        #expect(rules.count == 5)
        let map = RouteMap(fileRules: rules)
        #expect(map.decide(method: "GET", uri: "/api/reports/2026/q1").requirement == .permission(.readTransactions))
        #expect(map.decide(method: "GET", uri: "/api/reports").requirement == .permission(.readTransactions))
        #expect(map.decide(method: "POST", uri: "/api/reports").requirement == .deny)
        #expect(map.decide(method: "POST", uri: "/api/contacts/42/notes").requirement == .permission(.writeContacts))
        #expect(map.decide(method: "GET", uri: "/api/contacts/export").requirement == .deny, "the file's deny beats the built-in read")
        #expect(map.decide(method: "DELETE", uri: "/api/contacts/42").requirement == .permission(.writeContacts), "overridden")
        #expect(
            map.decide(method: "DELETE", uri: "/api/contacts/42/notes/1").requirement == .permission(.deleteContacts), "* is one segment")
        #expect(map.decide(method: "PATCH", uri: "/api/health").requirement == .anyKey)
        #expect(map.decide(method: "GET", uri: "/api/reports/x").origin == "AUTH_ROUTE_MAP_FILE line 2")
    }

    /// The forms of one segment a CRM's router may read as the plain segment: an extension,
    /// trailing dots or white space, encoded or not.
    static let suffixForms = [
        "export.json", "export.", "export..", "export%2e", "export%20", "export.%20", "export%2E%20", "export%C2%A0", "Export.CSV",
        "export.tar.gz",
    ]

    @Test("a deny literal also denies the segment with an extension, trailing dots or white space", arguments: suffixForms)
    func denySuffixes(form: String) throws {
        let map = RouteMap(fileRules: try RouteMap.parse("* /api/contacts/export deny"), allowUnmatched: true)
        #expect(map.decide(method: "GET", uri: "/api/contacts/\(form)").requirement == .deny, "\(form)")
        #expect(map.decide(method: "GET", uri: "/api/contacts/\(form)?x=1").requirement == .deny, "\(form) with a query")
        #expect(
            map.decide(
                method: "GET", uri: "/api/\(form.replacingOccurrences(of: "export", with: "contacts", options: .caseInsensitive))/export"
            ).requirement == .deny)
    }

    @Test(
        "an allow literal covers the same forms, so they need its permission instead of falling through to unmatched",
        arguments: suffixForms)
    func allowSuffixes(form: String) throws {
        let map = RouteMap(fileRules: try RouteMap.parse("GET /api/reports/export read:transactions"), allowUnmatched: true)
        #expect(map.decide(method: "GET", uri: "/api/reports/\(form)").requirement == .permission(.readTransactions), "\(form)")
        // The table's own literals too: /api/contacts.json is a contacts route, not an unmatched one.
        #expect(
            map.decide(
                method: "DELETE", uri: "/api/\(form.replacingOccurrences(of: "export", with: "contacts", options: .caseInsensitive))/1"
            ).requirement == .permission(.deleteContacts))
    }

    @Test(
        "control characters, and segments of dots only, are refused whatever the rules",
        arguments: ["export%00", "export%09", "export%0a", "export%7f", "export%00.json", "%00", "...", "%2e%2e%2e"])
    func controlCharacters(form: String) throws {
        let open = RouteMap(fileRules: try RouteMap.parse("* /api/contacts/:id any"), allowUnmatched: true)
        #expect(open.decide(method: "GET", uri: "/api/contacts/\(form)").requirement == .deny, "\(form)")
    }

    @Test("a segment read two ways (plain, or with its extension) gets the stricter of the two decisions")
    func stricterReading() throws {
        let map = RouteMap(
            fileRules: try RouteMap.parse(
                """
                GET /api/files/report     any
                GET /api/files/*          read:contacts
                GET /api/papers/summary   read:transactions
                GET /api/papers/*         read:contacts
                """))
        #expect(map.decide(method: "GET", uri: "/api/files/report").requirement == .anyKey)
        #expect(
            map.decide(method: "GET", uri: "/api/files/report.pdf").requirement == .permission(.readContacts),
            "not the weaker rule for the plain segment")
        #expect(map.decide(method: "GET", uri: "/api/papers/summary.pdf").requirement == .deny, "two permissions for one path: denied")
        #expect(map.decide(method: "GET", uri: "/api/papers/other.pdf").requirement == .permission(.readContacts))
    }

    @Test("other segments that only start like a literal are not it")
    func notSuffixes() throws {
        let map = RouteMap(fileRules: try RouteMap.parse("* /api/contacts/export deny"), allowUnmatched: true)
        for uri in ["/api/contacts/exports", "/api/contacts/export-x", "/api/contacts/exportjson", "/api/contacts/x.export"] {
            #expect(map.decide(method: "GET", uri: uri).requirement == .permission(.readContacts), "\(uri)")
        }
        #expect(map.decide(method: "GET", uri: "/api/contactsx").requirement == .anyKey)
    }

    @Test("a file written with Windows line ends reads line by line")
    func crlf() throws {
        let rules = try RouteMap.parse("GET /api/reports/** read:transactions\r\n* /api/contacts/export deny\r\n")
        #expect(rules.count == 2)
        #expect(RouteMap(fileRules: rules).decide(method: "GET", uri: "/api/contacts/export").requirement == .deny)
    }

    @Test("a bad file is refused with the line and what to fix")
    func errors() {
        let cases: [(String, String)] = [
            ("GET /api/x", "line 1: expected METHODS PATH REQUIREMENT"),
            ("\nFETCH /api/x read:contacts", "line 2: unknown method 'FETCH'"),
            ("GET api/x read:contacts", "must start with /"),
            ("GET /api/**/x read:contacts", "** may only end a path"),
            ("GET /api/x* read:contacts", "is not a path segment"),
            ("GET /api/x read:everything", "unknown requirement 'read:everything'"),
        ]
        for (text, expected) in cases {
            #expect(throws: ConfigurationError.self) { try RouteMap.parse(text) }
            do {
                _ = try RouteMap.parse(text)
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }
}

/// What the gateway publishes: the built-in events on creating, changing and deleting one
/// resource, and events named in the file.
@Suite("Route map events")
struct RouteMapEventTests {
    @Test("the built-in events mark POST on the collection and PUT, PATCH, DELETE on one member, nothing else")
    func builtInEvents() {
        let map = RouteMap()
        #expect(map.decide(method: "POST", uri: "/api/contacts").event == "contact.created")
        #expect(map.decide(method: "PUT", uri: "/api/transactions/9").event == "transaction.updated")
        #expect(map.decide(method: "PATCH", uri: "/api/properties/3?x=1").event == "property.updated")
        #expect(map.decide(method: "DELETE", uri: "/api/contacts/42").event == "contact.deleted")
        #expect(map.decide(method: "DELETE", uri: "/api/contacts/42").requirement == .permission(.deleteContacts))
        #expect(map.decide(method: "POST", uri: "/api/contacts/42/notes").event == nil)
        #expect(map.decide(method: "POST", uri: "/api/contacts/42/notes").requirement == .permission(.writeContacts))
        #expect(map.decide(method: "GET", uri: "/api/contacts").event == nil)
    }

    @Test("a file rule names an event as a fourth field, and a rule without one switches a built-in event off")
    func fileEvents() throws {
        let map = RouteMap(
            fileRules: try RouteMap.parse(
                """
                POST /api/contacts/:id/notes write:contacts note.created
                POST /api/contacts           write:contacts
                """))
        #expect(map.decide(method: "POST", uri: "/api/contacts/1/notes").event == "note.created")
        #expect(map.decide(method: "POST", uri: "/api/contacts").event == nil)
        for bad in [
            "POST /api/x write:contacts Note.Created", "POST /api/x write:contacts webhook.test", "POST /api/x write:contacts created",
        ] {
            #expect(throws: ConfigurationError.self) { try RouteMap.parse(bad) }
        }
    }

    @Test(
        "percent-encoded paths are decided as the CRM reads them; encoded dots and slashes, and paths with dot segments, are denied even when unmatched routes are allowed"
    )
    func encoded() {
        let open = RouteMap(allowUnmatched: true)
        #expect(open.decide(method: "DELETE", uri: "/api/%63ontacts/1").requirement == .permission(.deleteContacts))
        #expect(open.decide(method: "GET", uri: "/api/public/../contacts").requirement == .deny)
        #expect(open.decide(method: "GET", uri: "/api/public/%2e%2e/contacts").requirement == .deny)
        #expect(open.decide(method: "GET", uri: "/api/contacts%2f1").requirement == .deny)
        #expect(open.decide(method: "GET", uri: "/api/invoices").requirement == .anyKey)
        #expect(open.decide(method: "DELETE", uri: "/API/Contacts/1").requirement == .permission(.deleteContacts), "case does not matter")
        #expect(open.decide(method: "DELETE", uri: "/api/contacts;jsessionid=1/5").requirement == .deny, "path parameters are refused")
        #expect(open.decide(method: "GET", uri: "/api/contacts/#/x").requirement == .deny)
        let filed = RouteMap(fileRules: try! RouteMap.parse("GET /api/Reports/** read:transactions"))
        #expect(filed.decide(method: "GET", uri: "/api/reports/1").requirement == .permission(.readTransactions))
    }
}
