import ServiceLifecycle
import Synchronization

/// A value that changes, and any number of tasks waiting for it to: the event streams wait here
/// for the relay, the program or FieldOps to change instead of polling them.
///
/// Each subscriber sees the latest value, never a queue of the ones in between, so nothing is
/// buffered however slow a subscriber is. `publish` may be called from any thread (the relay
/// and program threads call it) and never blocks beyond a short lock.
final class Broadcast<Value: Sendable & Equatable>: Sendable {
    private struct State {
        var value: Value
        /// Raised by every change; a subscriber remembers the one it last saw.
        var version: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
    }

    /// One `next` call in progress: woken by a change, its timeout, cancellation or shutdown,
    /// whichever comes first, possibly before it has suspended.
    private enum Waiter {
        case starting
        case woken
        case suspended(CheckedContinuation<Void, Never>)
    }

    private let state: Mutex<State>

    init(_ value: Value) {
        state = Mutex(State(value: value))
    }

    /// The latest value.
    var value: Value { state.withLock { $0.value } }

    /// Replaces the value; waiting subscribers wake only if it changed.
    func publish(_ value: Value) {
        update { $0 = value }
    }

    /// Changes the value in place (e.g. keeps the larger of two revisions from concurrent
    /// writers); waiting subscribers wake only if it changed.
    func update(_ change: (inout Value) -> Void) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var value = state.value
            change(&value)
            guard value != state.value else { return [] }
            state.value = value
            state.version &+= 1
            var woken: [CheckedContinuation<Void, Never>] = []
            for (id, waiter) in state.waiters {
                if case .suspended(let continuation) = waiter { woken.append(continuation) }
                state.waiters[id] = .woken
            }
            return woken
        }
        for continuation in woken { continuation.resume() }
    }

    /// A subscriber that has seen the current value.
    func subscribe() -> Subscription {
        Subscription(broadcast: self, seen: state.withLock { $0.version })
    }

    /// What a subscriber's wait ended with.
    enum Event: Equatable {
        /// The value changed since the subscriber last looked: this is the latest.
        case changed(Value)
        /// Nothing changed within the timeout.
        case timedOut
        /// The task was cancelled or the service group is shutting down: stop waiting.
        case ended
    }

    /// One subscriber's place in the sequence of changes.
    struct Subscription: Sendable {
        let broadcast: Broadcast
        var seen: UInt64

        /// Waits for a value newer than the last one this subscriber saw (returned at once if
        /// there is one), for at most `timeout`. Ends on cancellation and on graceful shutdown,
        /// even with changes pending, so an open stream never holds relayd's shutdown up.
        mutating func next(timeout: Duration? = nil) async -> Event {
            let (event, version) = await broadcast.wait(after: seen, timeout: timeout)
            seen = version
            return event
        }
    }

    private func wait(after seen: UInt64, timeout: Duration?) async -> (Event, UInt64) {
        let id = state.withLock { state in
            defer { state.nextWaiter &+= 1 }
            state.waiters[state.nextWaiter] = .starting
            return state.nextWaiter
        }
        let timer = timeout.map { timeout in
            Task { [self] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                wake(id)
            }
        }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let ready = state.withLock { state -> Bool in
                        guard state.version == seen, case .starting = state.waiters[id] else { return true }
                        state.waiters[id] = .suspended(continuation)
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: { [self] in wake(id) }
        } onGracefulShutdown: { [self] in wake(id) }
        timer?.cancel()
        // Ending wins over a change: the sources keep changing while relayd shuts down.
        let ended = Task.isCancelled || Task.isShuttingDownGracefully
        return state.withLock { state in
            state.waiters[id] = nil
            if ended { return (.ended, seen) }
            if state.version != seen { return (.changed(state.value), state.version) }
            return (.timedOut, seen)
        }
    }

    private func wake(_ id: UInt64) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            switch state.waiters[id] {
            case .starting:
                state.waiters[id] = .woken
                return nil
            case .suspended(let continuation):
                state.waiters[id] = .woken
                return continuation
            case .woken, nil:
                return nil
            }
        }
        continuation?.resume()
    }
}

/// A signal that something changed, for sources that have no single value to publish (the
/// control room's view is built from several).
typealias ChangeSignal = Broadcast<UInt64>

extension Broadcast where Value == UInt64 {
    /// Tells every subscriber that something changed.
    func signal() {
        update { $0 &+= 1 }
    }
}
