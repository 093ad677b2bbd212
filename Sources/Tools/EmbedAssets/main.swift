import Foundation

// Writes the console's files (web/) and the OpenAPI document into one Swift file of string
// literals, so the server binary serves them with no files beside it.
// Run by the EmbedAssets build-tool plugin on every build that changed one of them; nothing
// generated is committed. String literals compile in seconds on two cores where SwiftPM's
// `.embedInCode` takes minutes for the same bytes in a debug build, and `Bundle.module` would
// abort on Linux when its resource folder is not beside the binary.
//
// Usage: EmbedAssets OUTPUT WEB_FOLDER OPENAPI_FILE

let types = [
    "html": "text/html; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "json": "application/json",
    "svg": "image/svg+xml",
    "txt": "text/plain; charset=utf-8",
    "webmanifest": "application/manifest+json",
]

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("EmbedAssets: \(message)\n".utf8))
    exit(1)
}

/// A raw string literal holding `text` exactly.
func literal(_ text: String) -> String {
    var hashes = 1
    while text.contains("\"" + String(repeating: "#", count: hashes)) { hashes += 1 }
    let fence = String(repeating: "#", count: hashes)
    return "\(fence)\"\"\"\n\(text)\n\"\"\"\(fence)"
}

let arguments = CommandLine.arguments
guard arguments.count == 4 else { fail("usage: EmbedAssets OUTPUT WEB_FOLDER OPENAPI_FILE") }
let output = URL(fileURLWithPath: arguments[1])
let web = URL(fileURLWithPath: arguments[2]).standardizedFileURL
var files: [(key: String, url: URL)] = [("openapi.json", URL(fileURLWithPath: arguments[3]))]
guard let walker = FileManager.default.enumerator(at: web, includingPropertiesForKeys: [.isRegularFileKey]) else {
    fail("cannot read \(web.path)")
}
for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
    files.append((String(url.standardizedFileURL.path.dropFirst(web.path.count + 1)), url))
}
var lines = [
    "// Generated at build time by the EmbedAssets plugin from web/ and docs/openapi.json.",
    "",
    "/// The console's files (by their path below web/) and the OpenAPI document (`openapi.json`).",
    "enum EmbeddedFiles {",
    "    static let all: [String: EmbeddedFile] = [",
]
for (key, url) in files.sorted(by: { $0.key < $1.key }) {
    guard let type = types[url.pathExtension] else { fail("\(key): unknown file type '\(url.pathExtension)'; add it to the tool's types") }
    guard let data = FileManager.default.contents(atPath: url.path) else { fail("cannot read \(url.path)") }
    guard let text = String(data: data, encoding: .utf8) else { fail("\(key) is not UTF-8 text; only text files are embedded") }
    guard !text.contains("\r") else { fail("\(key) has CR characters; save it with LF line ends") }
    lines.append("        \"\(key)\": EmbeddedFile(")
    lines.append("            contentType: \"\(type)\",")
    lines.append("            text: \(literal(text))),")
}
lines += ["    ]", "}", ""]
do {
    try lines.joined(separator: "\n").write(to: output, atomically: true, encoding: .utf8)
} catch {
    fail("cannot write \(output.path): \(error)")
}
