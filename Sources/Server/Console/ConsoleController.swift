import Core
import Hummingbird
import HTTPTypes
import NIOCore

/// Serves the console: the HTML shell at `/` (always revalidated, so a new build is picked up
/// at once) and its assets below `/assets/<build>/` (cached for ever: their URL changes with
/// their contents). Both answer `304 Not Modified` to a matching `If-None-Match`.
struct ConsoleController: Sendable {
    let assets: ConsoleAssets

    func register(on router: Router<SwitchboardRequestContext>) {
        let assets = assets
        router.get("/") { request, _ -> Response in
            let hasSession = request.cookies[SessionService.cookieName].map { !$0.value.isEmpty } ?? false
            guard let shell = assets.shell(hasSessionCookie: hasSession) else { throw HTTPError(.notFound) }
            return Self.serve(shell, request: request, cacheControl: "no-cache")
        }
        // Browsers ask for it on their own, e.g. when showing /openapi.json or an API error.
        router.get("/favicon.ico") { request, _ -> Response in
            guard let icon = assets.file("assets/icon.svg") else { throw HTTPError(.notFound) }
            return Self.serve(icon, request: request, cacheControl: "public, max-age=86400")
        }
        router.get("/assets/:build/**") { request, context -> Response in
            let path = context.parameters.getCatchAll().joined(separator: "/")
            guard context.parameters.get("build") == assets.build, let file = assets.file("assets/" + path) else {
                throw SwitchboardError(.notFound, code: "not_found", message: "no console asset at \(request.uri.path); reload the console to get the current build")
            }
            // From disk (development) every asset is revalidated instead.
            let caching = assets.build == "dev" ? "no-cache" : "public, max-age=31536000, immutable"
            return Self.serve(file, request: request, cacheControl: caching)
        }
    }

    static func serve(_ file: ConsoleAssets.File, request: Request, cacheControl: String) -> Response {
        var headers: HTTPFields = [.contentType: file.contentType, .cacheControl: cacheControl, .eTag: file.etag]
        if let candidates = request.headers[.ifNoneMatch], candidates.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == file.etag }) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(file.body.readableBytes)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: file.body))
    }
}
