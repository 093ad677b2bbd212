/// A wake-up call for one waiting task: `wait(timeout:)` returns when `signal()` is called or
/// the timeout passes, whichever is first. A signal sent while nobody waits is kept for the
/// next wait, so none is lost.
public actor WakeSignal {
    private var pending = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var generation = 0

    /// Creates a signal with nothing pending.
    public init() {}

    /// Wakes the waiter, or the next one to wait.
    public func signal() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            pending = true
        }
    }

    /// Waits for a signal or the timeout.
    public func wait(timeout: Duration) async {
        if pending {
            pending = false
            return
        }
        generation += 1
        let current = generation
        await withCheckedContinuation { continuation in
            waiter = continuation
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.expire(generation: current)
            }
        }
    }

    private func expire(generation expired: Int) {
        guard expired == generation, let waiter else { return }
        self.waiter = nil
        waiter.resume()
    }
}
