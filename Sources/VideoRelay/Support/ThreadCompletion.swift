import Synchronization

/// Lets async code wait for a dedicated thread (the relay loop, the program thread) to finish,
/// without blocking a Swift concurrency thread.
public final class ThreadCompletion: Sendable {
    private let state = Mutex<(finished: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// A thread that has not finished yet.
    public init() {}

    /// Called once, at the end of the thread (or instead of starting it).
    public func finish() {
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether the thread has finished.
    public var isFinished: Bool { state.withLock { $0.finished } }

    /// Returns once `finish()` has been called.
    public func wait() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.finished { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
