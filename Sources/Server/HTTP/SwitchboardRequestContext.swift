import Core
import Hummingbird
import NIOCore

/// Per-request state: the framework's core storage, the caller's address and, once the
/// auth check has passed, the API key that made the request.
public struct SwitchboardRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The socket peer's address, without port.
    public let clientAddress: String?
    /// The client's address after trusted proxies, set by the route guard.
    public var resolvedClientAddress: String?
    /// The authenticated key, set by the route guard.
    public var apiKey: ApiKey?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
        resolvedClientAddress = nil
        apiKey = nil
    }
}
