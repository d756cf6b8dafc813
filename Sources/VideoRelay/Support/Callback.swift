import Synchronization

/// A callback one thread sets and another calls, without the closure ever passing through a
/// generic `inout` (a closure stored in `Mutex<(() -> Void)?>` and read with `withLock { $0 }`
/// is re-abstracted into a new thunk on every access, so the chain of thunks, and the cost of
/// each call, grows without bound).
final class Callback: Sendable {
    private final class Box: Sendable {
        let call: @Sendable () -> Void
        init(_ call: @escaping @Sendable () -> Void) { self.call = call }
    }

    private let box = Mutex<Box?>(nil)

    init() {}

    /// Replaces the callback.
    func set(_ call: @escaping @Sendable () -> Void) {
        let new = Box(call)
        box.withLock { $0 = new }
    }

    /// Calls the callback, if one is set.
    func callAsFunction() {
        box.withLock { $0 }?.call()
    }
}
