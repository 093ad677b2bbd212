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
        router.getAndHead("/") { request, _ -> Response in
            let hasSession = request.cookies[SessionService.cookieName].map { !$0.value.isEmpty } ?? false
            guard let shell = assets.shell(hasSessionCookie: hasSession) else { throw HTTPError(.notFound) }
            return Self.serve(shell, request: request, cacheControl: "no-cache")
        }
        // Browsers ask for it on their own, e.g. when showing /openapi.json or an API error.
        router.getAndHead("/favicon.ico") { request, _ -> Response in
            guard let icon = assets.file("assets/icon.svg") else { throw HTTPError(.notFound) }
            return Self.serve(icon, request: request, cacheControl: "public, max-age=86400")
        }
        router.getAndHead("/assets/:build/**") { request, context -> Response in
            let path = context.parameters.getCatchAll().joined(separator: "/")
            guard context.parameters.get("build") == assets.build, let file = assets.file("assets/" + path) else {
                throw SwitchboardError(
                    .notFound, code: "not_found",
                    message: "no console asset at \(request.uri.path); reload the console to get the current build")
            }
            // From disk (development) every asset is revalidated instead.
            let caching = assets.build == "dev" ? "no-cache" : "public, max-age=31536000, immutable"
            return Self.serve(file, request: request, cacheControl: caching)
        }
    }

    /// The file (gzipped when the client accepts it and it pays), or 304 when the client's
    /// copy is current.
    static func serve(_ file: ConsoleAssets.File, request: Request, cacheControl: String) -> Response {
        let gzip = file.gzipped != nil && acceptsGzip(request.headers[.acceptEncoding])
        let etag = gzip ? file.gzipETag : file.etag
        var headers: HTTPFields = [.contentType: file.contentType, .cacheControl: cacheControl, .eTag: etag]
        if file.gzipped != nil { headers[.vary] = "Accept-Encoding" }
        if let candidates = request.headers[.ifNoneMatch],
            candidates.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag })
        {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        let body = gzip ? file.gzipped! : file.body
        if gzip { headers[.contentEncoding] = "gzip" }
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// Whether an `Accept-Encoding` value admits gzip (and does not refuse it with `q=0`).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { part in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = pieces.first, coding == "gzip" || coding == "*" else { return false }
            return !pieces.dropFirst().contains {
                $0.replacingOccurrences(of: " ", with: "") == "q=0" || $0 == "q=0.0" || $0 == "q=0.00" || $0 == "q=0.000"
            }
        }
    }
}
