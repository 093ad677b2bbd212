import Core
import Hummingbird
import NIOCore

/// Per-request state of every route: the framework's core storage, who is calling (client
/// address, after trusted proxies) and, once an authenticator recognised credentials, the
/// API key behind them.
package struct SwitchboardRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The socket peer's address.
    package let peerAddress: IPAddress?
    /// The client's address after trusted proxies; set by `ClientAddressMiddleware`.
    package var clientAddress: IPAddress?
    /// The key an authenticator recognised, if any.
    package var identity: ApiKey?

    package init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        peerAddress = source.channel.remoteAddress.flatMap(IPAddress.init(socketAddress:))
        clientAddress = nil
        identity = nil
    }
}

/// The context of an API route after authentication: the key is known. Created from the
/// parent context by the router; when no authenticator recognised credentials the request
/// ends here with 401.
package struct AuthenticatedRequestContext: ChildRequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The client's address after trusted proxies.
    package let clientAddress: IPAddress?
    /// The key the request is made with.
    package let key: ApiKey

    package init(context: SwitchboardRequestContext) throws {
        guard let key = context.identity else {
            throw SwitchboardError(.unauthenticated, code: "missing_api_key", message: "send an API key as 'Authorization: Bearer <key>'")
        }
        coreContext = context.coreContext
        clientAddress = context.clientAddress
        self.key = key
    }
}
