import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Server
import Testing

/// The console's files: served from the binary, cached by content, behind the security headers.
@Suite("Console assets")
struct ConsoleAssetsTests {
    /// The repository, above Tests/.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let webFolder = repository.appendingPathComponent("web")

    @Test("the embedded files are exactly web/ and docs/openapi.json (the EmbedAssets plugin writes them on every build that changed one)")
    func embeddedFilesAreCurrent() throws {
        var onDisk: [String: String] = [
            "openapi.json": try String(contentsOf: Self.repository.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
        ]
        let enumerator = try #require(FileManager.default.enumerator(at: Self.webFolder, includingPropertiesForKeys: [.isRegularFileKey]))
        for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            let relative = String(url.path.dropFirst(Self.webFolder.path.count + 1))
            onDisk[relative] = try String(contentsOf: url, encoding: .utf8)
        }
        #expect(Set(onDisk.keys) == Set(EmbeddedFiles.all.keys))
        for (path, text) in onDisk {
            #expect(EmbeddedFiles.all[path]?.text == text, "\(path) differs from what was embedded")
        }
    }

    @Test(
        "the shell is revalidated, assets are immutable under their build, both answer 304 to their ETag, and every answer carries the security headers"
    )
    func cachingAndHeaders() async throws {
        try await withTestServer { server in
            try await server.test { client in
                let shell = try await client.execute(uri: "/", method: .get)
                #expect(shell.status == .ok)
                #expect(shell.headers[.cacheControl] == "no-cache")
                let html = String(buffer: shell.body)
                #expect(!html.contains("<script>"), "no inline script")
                #expect(!html.contains("{{"), "every placeholder filled")
                let build = ConsoleAssets(directory: nil).build
                #expect(html.contains("/assets/\(build)/app.js"))
                let again = try await client.execute(uri: "/", method: .get, headers: [.ifNoneMatch: try #require(shell.headers[.eTag])])
                #expect(again.status == .notModified)

                let script = try await client.execute(uri: "/assets/\(build)/app.js", method: .get)
                #expect(script.status == .ok)
                #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
                #expect(script.headers[.cacheControl] == "public, max-age=31536000, immutable")
                let cached = try await client.execute(
                    uri: "/assets/\(build)/app.js", method: .get, headers: [.ifNoneMatch: try #require(script.headers[.eTag])])
                #expect(cached.status == .notModified)
                #expect(
                    try await client.execute(uri: "/assets/0123456789abcdef/app.js", method: .get).status == .notFound, "an old build's URL"
                )
                #expect(try await client.execute(uri: "/assets/\(build)/../index.html", method: .get).status == .notFound)

                let answers = [
                    shell, script,
                    try await client.execute(uri: "/api/webhooks", method: .get),
                    try await client.execute(uri: "/health", method: .get),
                    try await client.execute(uri: "/openapi.json", method: .get),
                    try await client.execute(uri: "/no/such/page", method: .get),
                ]
                for answer in answers {
                    #expect(answer.headers[.contentSecurityPolicy]?.contains("require-trusted-types-for 'script'") == true)
                    #expect(answer.headers[.contentSecurityPolicy]?.contains("script-src 'self';") == true)
                    #expect(answer.headers[.xContentTypeOptions] == "nosniff")
                    #expect(answer.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                    #expect(answer.headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] == "same-origin")
                }
            }
        }
    }

    @Test("assets go gzipped to clients that accept it, with their own ETag, and plain to the rest")
    func gzip() async throws {
        try await withTestServer { server in
            try await server.test { client in
                let build = ConsoleAssets(directory: nil).build
                let plain = try await client.execute(uri: "/assets/\(build)/app.js", method: .get)
                #expect(plain.headers[.contentEncoding] == nil)
                #expect(plain.headers[.vary] == "Accept-Encoding")
                let packed = try await client.execute(
                    uri: "/assets/\(build)/app.js", method: .get, headers: [.acceptEncoding: "br, gzip;q=0.8"])
                #expect(packed.headers[.contentEncoding] == "gzip")
                #expect(packed.body.readableBytes < plain.body.readableBytes * 2 / 3)
                #expect(packed.headers[.eTag] != plain.headers[.eTag])
                var body = packed.body
                #expect(try body.decompress(with: .gzip()) == plain.body)
                let refused = try await client.execute(uri: "/assets/\(build)/app.js", method: .get, headers: [.acceptEncoding: "gzip;q=0"])
                #expect(refused.headers[.contentEncoding] == nil)
                let document = try await client.execute(uri: "/openapi.json", method: .get, headers: [.acceptEncoding: "gzip"])
                #expect(document.headers[.contentEncoding] == "gzip")
            }
        }
    }

    @Test("disk paths outside web/ are refused")
    func unsafePaths() {
        for path in ["../Package.swift", "assets/../../x", "/etc/passwd", "assets//app.js", "assets/./app.js", "a b.js"] {
            #expect(!ConsoleAssets.isSafe(path), "\(path)")
        }
        #expect(ConsoleAssets.isSafe("assets/app.js"))
    }
}
