import Synchronization

/// A callback set after construction, for two parts that each need to call the other.
public final class CallbackRelay: Sendable {
    private let callback = Mutex<(@Sendable () -> Void)?>(nil)

    /// Creates a relay that does nothing until `set` is called.
    public init() {}

    /// Sets what `fire` calls.
    public func set(_ action: @escaping @Sendable () -> Void) {
        callback.withLock { $0 = action }
    }

    /// Calls the callback, if one is set.
    public func fire() {
        callback.withLock { $0 }?()
    }
}
