import Dispatch
import Synchronization
import VideoRelay

/// The bounded hand-off from the relay thread to the recorder's writer thread. The relay only
/// appends (a short lock); when `limitBytes` are waiting, events are refused and counted per
/// resource, and the next event taken for that resource says that data was dropped before it.
final class RecordingQueue: RecordingFeed {
    let limitBytes: Int
    private let resources: Set<String>
    private let state = Mutex(State())
    /// Signalled when the queue turns non-empty or is closed; the writer waits on it.
    private let ready = DispatchSemaphore(value: 0)

    struct Queued: Sendable {
        var event: RecordingEvent
        /// Events of this resource refused just before this one.
        var droppedBefore: Int
    }

    /// What the queue dropped for one resource since relayd started.
    struct Drops: Sendable, Equatable {
        var events = 0
        var bytes = 0
    }

    private struct State {
        var items: [Queued] = []
        var bytes = 0
        var closed = false
        var drops: [String: Drops] = [:]
        var pendingDrops: [String: Int] = [:]
    }

    init(resources: Set<String>, limitBytes: Int) {
        self.resources = resources
        self.limitBytes = limitBytes
    }

    func records(_ resource: String) -> Bool { resources.contains(resource) }

    func offer(_ event: RecordingEvent) -> Bool {
        let size = event.byteCount
        let (accepted, wake) = state.withLock { state -> (Bool, Bool) in
            guard !state.closed else { return (false, false) }
            let resource = event.resource
            guard state.bytes + size <= limitBytes else {
                state.drops[resource, default: Drops()].events += 1
                state.drops[resource, default: Drops()].bytes += size
                state.pendingDrops[resource, default: 0] += 1
                return (false, false)
            }
            let wasEmpty = state.items.isEmpty
            state.items.append(Queued(event: event, droppedBefore: state.pendingDrops.removeValue(forKey: resource) ?? 0))
            state.bytes += size
            return (true, wasEmpty)
        }
        if wake { ready.signal() }
        return accepted
    }

    /// Waits until something is queued, the queue is closed, or `deadline`; returns everything
    /// queued, and whether the queue is closed (nothing more will come).
    func take(until deadline: DispatchTime) -> (items: [Queued], closed: Bool) {
        while true {
            let taken = state.withLock { state -> ([Queued], Bool)? in
                guard !state.items.isEmpty || state.closed else { return nil }
                defer {
                    state.items.removeAll(keepingCapacity: true)
                    state.bytes = 0
                }
                return (state.items, state.closed)
            }
            if let taken { return taken }
            if ready.wait(timeout: deadline) == .timedOut { return ([], false) }
        }
    }

    /// Refuses everything from now on (without counting it) and wakes the writer to finish.
    func close() {
        state.withLock { $0.closed = true }
        ready.signal()
    }

    /// Per resource, what was refused because the queue was full.
    var drops: [String: Drops] { state.withLock { $0.drops } }

    /// Bytes waiting for the writer now.
    var queuedBytes: Int { state.withLock { $0.bytes } }
}
