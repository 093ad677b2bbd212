import Core
import HTTPTypes
import Hummingbird

/// Works out who is calling, once per request: the socket peer, or behind trusted proxies
/// the address `X-Forwarded-For` names (see `ClientAddressResolver`).
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    let resolver: ClientAddressResolver

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.clientAddress = resolver.clientAddress(peer: context.peerAddress, forwardedFor: request.headers[.xForwardedFor])
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
