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
    package var identity: APIKey?
    /// The console session the key came from, when it came from the session cookie.
    package var session: SessionCredentials?
    /// The largest body `request.decode(as:context:)` reads: `MAX_BODY_BYTES`, or the
    /// route's own limit once `BodyLimitMiddleware` set it.
    package var maxUploadSize: Int
    package var requestDecoder: StrictJSONRequestDecoder { StrictJSONRequestDecoder() }
    package var responseEncoder: EnvelopeResponseEncoder { EnvelopeResponseEncoder() }

    package init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        maxUploadSize = 1 << 20  // MAX_BODY_BYTES's default, until BodyLimitMiddleware sets the configured one
        peerAddress = source.channel.remoteAddress.flatMap(IPAddress.init(socketAddress:))
        clientAddress = nil
        identity = nil
        session = nil
    }
}

/// The context of an API route after authentication: the key is known. Created from the
/// parent context by the router; when no authenticator recognised credentials the request
/// ends here with 401.
package struct AuthenticatedRequestContext: ChildRequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The socket peer's address.
    package let peerAddress: IPAddress?
    /// The client's address after trusted proxies.
    package let clientAddress: IPAddress?
    /// The key the request is made with.
    package let key: APIKey
    /// The console session, when the key came from the session cookie rather than a header.
    package let session: SessionCredentials?
    /// The route's body limit (`APIRoute.BodyLimit`), set by `BodyLimitMiddleware`.
    package var maxUploadSize: Int
    package var requestDecoder: StrictJSONRequestDecoder { StrictJSONRequestDecoder() }
    package var responseEncoder: EnvelopeResponseEncoder { EnvelopeResponseEncoder() }

    package init(context: SwitchboardRequestContext) throws {
        guard let key = context.identity else {
            throw SwitchboardError(
                .unauthenticated, code: "missing_api_key",
                message: "send an API key as 'Authorization: Bearer <key>', or sign in to the console")
        }
        coreContext = context.coreContext
        peerAddress = context.peerAddress
        clientAddress = context.clientAddress
        session = context.session
        maxUploadSize = context.maxUploadSize
        self.key = key
    }
}

/// A console session as a request sees it: the stored session and the cookie's token (to
/// derive the CSRF token and to sign out).
package struct SessionCredentials: Sendable {
    package let token: String
    package let session: ConsoleSession
}
