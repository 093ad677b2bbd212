import CompressNIO
import Core
import Crypto
import Foundation
import NIOCore

/// The console's files (web/): the HTML shell, its scripts and styles, and the OpenAPI
/// document. Normally the copies built into the binary; with `CONSOLE_ASSETS_DIR` the files
/// on disk, read on every request so edits show on reload.
///
/// Scripts and styles are served below `/assets/<build>/`, where `<build>` is a digest of
/// every asset: a new build changes every asset URL, so browsers may cache them for ever.
struct ConsoleAssets: Sendable {
    /// One file ready to serve.
    struct File: Sendable {
        let contentType: String
        let body: ByteBuffer
        /// A strong ETag (quoted) from the file's SHA-256.
        let etag: String
        /// The body gzipped, when that saves at least a tenth of it.
        var gzipped: ByteBuffer? = nil

        /// The gzipped variant's ETag: a different representation needs its own.
        var gzipETag: String { String(etag.dropLast()) + "-gz\"" }

        /// The file with its gzipped body, compressed once (the embedded files are compressed
        /// at start-up, about a third of their size).
        func compressed() -> File {
            guard body.readableBytes >= 1024 else { return self }
            var input = body
            let compressor = CompressionAlgorithm.gzip(configuration: .init(windowSize: 15, compressionLevel: 9)).compressor
            guard (try? compressor.startStream()) != nil else { return self }
            defer { try? compressor.finishStream() }
            var output = ByteBufferAllocator().buffer(capacity: compressor.maxSize(from: input))
            guard (try? compressor.streamDeflate(from: &input, to: &output, flush: .finish)) != nil,
                output.readableBytes * 10 <= body.readableBytes * 9
            else { return self }
            var copy = self
            copy.gzipped = output
            return copy
        }
    }

    /// Where the shell says assets are; replaced by `/assets/<build>` when served.
    static let assetsPlaceholder = "{{ASSETS}}"

    /// Where the shell says the server's own paths are (`SWITCHBOARD_PATH_PREFIX`).
    static let basePlaceholder = "{{BASE}}"

    private let directory: String?
    /// The digest in asset URLs; `dev` when serving from disk.
    let build: String
    /// `SWITCHBOARD_PATH_PREFIX`, empty for none.
    let prefix: String
    /// The embedded shells and OpenAPI document, made for `prefix`.
    private let embeddedShells: [Bool: File]
    private let embeddedOpenAPI: File?

    /// The embedded files, or those of `directory` when given, for pages at `prefix`.
    init(directory: String?, prefix: String = "") {
        self.directory = directory
        self.prefix = prefix
        build = directory == nil ? Self.embedded.build : "dev"
        embeddedOpenAPI = Self.embedded.files["openapi.json"].map { Self.underPrefix($0, prefix) }
        if prefix.isEmpty || directory != nil {
            embeddedShells = Self.embedded.shells
        } else {
            var shells: [Bool: File] = [:]
            if let page = Self.embedded.files["index.html"] {
                for hasSession in [false, true] {
                    shells[hasSession] = Self.shell(from: page, build: build, prefix: prefix, hasSessionCookie: hasSession).compressed()
                }
            }
            embeddedShells = shells
        }
    }

    /// The embedded files ready to serve, their build digest and the two shells: made once per
    /// process (gzip at level 9 is the costly part), however many routers are built.
    private static let embedded: (files: [String: File], build: String, shells: [Bool: File]) = {
        var files: [String: File] = [:]
        var digest = SHA256()
        for path in EmbeddedFiles.all.keys.sorted() {
            let file = EmbeddedFiles.all[path]!
            let sha256 = file.sha256
            files[path] = File(contentType: file.contentType, body: ByteBuffer(string: file.text), etag: "\"\(sha256.prefix(32))\"")
                .compressed()
            if path.hasPrefix("assets/") { digest.update(data: Data((path + sha256).utf8)) }
        }
        let build = String(Hex.encode(digest.finalize()).prefix(16))
        var shells: [Bool: File] = [:]
        if let page = files["index.html"] {
            for hasSession in [false, true] {
                shells[hasSession] = shell(from: page, build: build, prefix: "", hasSessionCookie: hasSession)
            }
        }
        return (files, build, shells)
    }()

    /// The file at `path` below web/ (e.g. `assets/app.js`), if there is one.
    func file(_ path: String) -> File? {
        guard let directory else { return Self.embedded.files[path] }
        guard Self.isSafe(path), let data = FileManager.default.contents(atPath: directory + "/" + path),
            let type = Self.contentType(of: path)
        else { return nil }
        let digest = Hex.encode(SHA256.hash(data: data))
        return File(contentType: type, body: ByteBuffer(bytes: data), etag: "\"\(digest.prefix(32))\"")
    }

    /// Where the shell says whether the browser sent a session cookie: the page then asks
    /// "who am I" only when there is a session to ask about, instead of logging a 401.
    static let sessionPlaceholder = "{{SESSION}}"

    /// The HTML shell with the asset folder and the session hint filled in.
    func shell(hasSessionCookie: Bool) -> File? {
        guard directory != nil else { return embeddedShells[hasSessionCookie] }
        return file("index.html").map { Self.shell(from: $0, build: build, prefix: prefix, hasSessionCookie: hasSessionCookie) }
    }

    private static func shell(from page: File, build: String, prefix: String, hasSessionCookie: Bool) -> File {
        let text = String(buffer: page.body).replacingOccurrences(of: assetsPlaceholder, with: "\(prefix)/assets/\(build)")
            .replacingOccurrences(of: basePlaceholder, with: prefix)
            .replacingOccurrences(of: sessionPlaceholder, with: hasSessionCookie ? "present" : "absent")
        let digest = Hex.encode(SHA256.hash(data: Data(text.utf8)))
        return File(contentType: page.contentType, body: ByteBuffer(string: text), etag: "\"\(digest.prefix(32))\"")
    }

    /// The OpenAPI document, its server URL under `prefix` (its paths are the API's own).
    /// Always the embedded one: it lives in docs/, not in the console's folder.
    func openAPIDocument() -> File? {
        embeddedOpenAPI
    }

    private static func underPrefix(_ document: File, _ prefix: String) -> File {
        guard !prefix.isEmpty else { return document }
        let text = String(buffer: document.body).replacingOccurrences(
            of: Self.documentedServer, with: Self.documentedServer.dropLast() + prefix + "\"")
        let digest = Hex.encode(SHA256.hash(data: Data(text.utf8)))
        return File(contentType: document.contentType, body: ByteBuffer(string: text), etag: "\"\(digest.prefix(32))\"").compressed()
    }

    /// The server the OpenAPI document names (`make run`'s address).
    static let documentedServer = #""url": "http://127.0.0.1:8080""#

    /// Only plain relative paths: letters, digits, `-`, `_`, `.` and `/`, no `..` segment.
    static func isSafe(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/")
            && path.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E || $0 == 0x2F }
            && !path.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == ".." || $0 == "." || $0.isEmpty }
    }

    /// The same types the generator knows.
    static func contentType(of path: String) -> String? {
        switch path.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        case "txt": "text/plain; charset=utf-8"
        default: nil
        }
    }
}

private extension UInt8 {
    var isASCIIAlphanumeric: Bool { (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
}
