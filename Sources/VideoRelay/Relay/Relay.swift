import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The SRT relay: one listener for every field feed, fan-out to every reader and headquarters
/// sink. Runs its socket loop on a dedicated thread; this type is the handle the rest of the
/// program holds (start, stop, snapshots).
public final class Relay: Service, Sendable {
    public let configuration: RelayConfiguration
    private let logger: Logger
    private let latest = Mutex(RelaySnapshot())
    private let stopRequested = Atomic<Bool>(false)
    /// The bound port once started; nil before.
    private let boundPort = Mutex<UInt16?>(nil)
    private let completion = ThreadCompletion()
    /// Pending operator commands; nil once the relay thread has ended (nothing would apply them).
    private let commands = Mutex<[RelayCommand]?>([])
    /// Wakes the relay thread for a command or to stop; set by `start()`.
    private let wake = Mutex<WakeSignal?>(nil)
    private let changeObserver = Callback()

    private let programFeed: ProgramFeed?
    private let tap: PayloadTap?
    private let failoverRules: [String: FailoverRule]
    private let recording: (any RecordingFeed)?

    /// - Parameters:
    ///   - programFeed: produces the `program` resource from the sources' payloads. Without
    ///     one, `program` passes a live source through (`PassthroughSelection`).
    ///   - tap: also sees every source's and the program's payloads (the one demuxer per resource, `DemuxHub`).
    ///   - failoverRules: without a program feed, each source's backup and silence threshold
    ///     for the passthrough (`program.failover`); without a rule a source leaves the program
    ///     after `fanout.sourceStallMilliseconds`.
    ///   - recording: gets what readers get of each resource it records (`RecordingFeed`).
    public init(
        configuration: RelayConfiguration, programFeed: ProgramFeed? = nil, tap: PayloadTap? = nil,
        failoverRules: [String: FailoverRule] = [:], recording: (any RecordingFeed)? = nil, logger: Logger
    ) {
        self.configuration = configuration
        self.programFeed = programFeed
        self.tap = tap
        self.failoverRules = failoverRules
        self.recording = recording
        self.logger = logger
    }

    /// Binds the SRT listener and starts the relay thread. Throws when the port cannot be bound.
    /// Returns the bound port.
    @discardableResult
    public func start() throws -> UInt16 {
        let signal = try WakeSignal()
        let loop = try RelayLoop(
            configuration: configuration, programFeed: programFeed, tap: tap, failoverRules: failoverRules, recording: recording, wake: signal,
            logger: logger,
            takeCommands: { [self] in self.commands.withLock { pending in defer { pending = pending.map { _ in [] } }; return pending ?? [] } }
        ) { [self] snapshot in
            self.latest.withLock { $0 = snapshot }
            self.changeObserver()
        }
        let port = loop.boundPort
        wake.withLock { $0 = signal }
        boundPort.withLock { $0 = port }
        let handOver = LoopHandOver(loop: loop)
        let thread = Thread { [self] in
            // Named from inside, so `top -H` and perf show it.
            nameCurrentThread("srt-relay")
            handOver.loop.run { self.stopRequested.load(ordering: .relaxed) }
            let unanswered = self.commands.withLock { pending in defer { pending = nil }; return pending ?? [] }
            for command in unanswered { command.refuse() }
            self.completion.finish()
        }
        thread.start()
        return port
    }

    /// Asks the relay thread to close every socket and stop; returns once it has.
    public func stop() async {
        requestStop()
        guard srtPort != nil else { return }
        await completion.wait()
    }

    /// The port the SRT listener is bound to, once started.
    public var srtPort: UInt16? { boundPort.withLock { $0 } }

    private func requestStop() {
        stopRequested.store(true, ordering: .relaxed)
        wake.withLock { $0 }?.signal()
    }

    /// The latest state of sources, readers and sinks: published when a connection, a hold or
    /// the program source changes, and with fresh counters twice a second.
    public var snapshot: RelaySnapshot { latest.withLock { $0 } }

    /// Sets the one observer called after each new `snapshot`, so readers can wait for a change
    /// instead of polling. It runs on the relay thread: it must return at once.
    public func onChange(_ observer: @escaping @Sendable () -> Void) {
        changeObserver.set(observer)
    }

    /// Disconnects a reader (or a sink's connection). Returns false when no such reader is
    /// connected. A pull sink's HQ may call in again; a push sink reconnects after its backoff.
    public func kickReader(_ id: Int32) async -> Bool {
        await perform { .kickReader(id, reply: $0) }
    }

    /// Disconnects a source's publisher. Returns false when the source has none. The field
    /// encoder may call in again.
    public func kickPublisher(of sourceID: String) async -> Bool {
        await perform { .kickPublisher(sourceID, reply: $0) }
    }

    /// Holds a source off (its publisher is disconnected and refused) or lets it publish again.
    /// Returns false for an unknown source.
    public func setSource(_ sourceID: String, enabled: Bool) async -> Bool {
        await perform { .setSourceEnabled(sourceID, enabled, reply: $0) }
    }

    /// Holds delivery to a sink (its HQ is disconnected and refused, pushes stop) or resumes it.
    /// Returns false for an unknown sink.
    public func setSink(_ sinkID: String, enabled: Bool) async -> Bool {
        await perform { .setSinkEnabled(sinkID, enabled, reply: $0) }
    }

    private func perform(_ command: (@escaping @Sendable (Bool) -> Void) -> RelayCommand) async -> Bool {
        guard srtPort != nil else { return false }
        return await withCheckedContinuation { continuation in
            let queued = command { continuation.resume(returning: $0) }
            let accepted = commands.withLock { pending in
                guard pending != nil else { return false }
                pending?.append(queued)
                return true
            }
            if accepted { wake.withLock { $0 }?.signal() } else { queued.refuse() }
        }
    }

    /// Service entry point: runs until graceful shutdown or cancellation.
    public func run() async throws {
        try start()
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await completion.wait()
            } onCancel: {
                self.requestStop()
            }
        } onGracefulShutdown: {
            self.requestStop()
        }
    }
}

/// Moves the loop to its thread. Safe to send: `start()` creates the loop, reads its bound port,
/// and never touches it again; from then on only the relay thread uses it.
private struct LoopHandOver: @unchecked Sendable {
    let loop: RelayLoop
}

/// Sees every payload the relay fans out, besides the readers: `DemuxHub` (one demuxer per resource) uses it.
///
/// Called on the relay thread for every valid MPEG-TS payload of a source (`resource` is the
/// source id) and of the program (`resource` is `program`). It must only enqueue, never block
/// or decode.
public protocol PayloadTap: Sendable {
    /// - Parameter keyframeOffset: where a video keyframe starts in `payload`, as the relay's
    ///   own inspection found it, so a tap can skip to keyframes without inspecting again.
    func observe(resource: String, payload: ArraySlice<UInt8>, keyframeOffset: Int?)
}
