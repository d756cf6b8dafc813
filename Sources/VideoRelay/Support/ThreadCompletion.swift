import Synchronization

/// Lets async code wait for a dedicated thread (the relay loop, the program thread) to finish,
/// without blocking a Swift concurrency thread.
final class ThreadCompletion: Sendable {
    private let state = Mutex<(finished: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Called once, at the end of the thread (or instead of starting it).
    func finish() {
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether the thread has finished.
    var isFinished: Bool { state.withLock { $0.finished } }

    /// Returns once `finish()` has been called.
    func wait() async {
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
