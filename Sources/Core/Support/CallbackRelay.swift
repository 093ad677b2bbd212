import Synchronization

/// A callback set after construction, for two parts that each need to call the other.
package final class CallbackRelay: Sendable {
    private let callback = Mutex<(@Sendable () -> Void)?>(nil)

    /// Creates a relay that does nothing until `set` is called.
    package init() {}

    /// Sets what `fire` calls.
    package func set(_ action: @escaping @Sendable () -> Void) {
        callback.withLock { $0 = action }
    }

    /// Calls the callback, if one is set.
    package func fire() {
        callback.withLock { $0 }?()
    }
}
