import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The program feed: switches between the field sources, burns in captions, fails over to a
/// backup or the slate, and hands the relay one continuous MPEG-TS (`ProgramFeed`).
///
/// The sources' demuxed packets come from the `DemuxHub` the relay feeds (one demux thread per
/// live source, shared with the thumbnails), through one `DemuxInbox` per source. Everything
/// else (switching, remux, decode/caption/encode, the muxer) runs on one program thread, which
/// sleeps until a packet or command arrives or the program is next due; none of it on the Swift
/// concurrency pool (STYLE 6). The relay thread only dequeues program payloads.
public final class ProgramPipeline: ProgramFeed, Service, Sendable {
    /// The configuration it was built with.
    public let configuration: ProgramConfiguration
    /// Source ids in operator order.
    public let sourceIDs: [String]
    private let logger: Logger
    private let demuxes: DemuxHub
    private let inboxes: [String: DemuxInbox]
    private let output: ProgramOutput
    private let inbox = Mutex<[ProgramCommand]>([])
    private let latest = Mutex(ProgramStatus())
    private let changeObserver = Callback()
    private let wakeup: ProgramWakeup
    private let stopRequested = Atomic<Bool>(false)
    private let started = Mutex(false)
    private let completion = ThreadCompletion()

    /// - Parameters:
    ///   - sources: the relay's source ids in operator order (the ones that can be cut to).
    ///   - demuxes: the demuxers the relay feeds (its `PayloadTap`); the pipeline subscribes to
    ///     each source's when it starts.
    public init(configuration: ProgramConfiguration, sources: [String], demuxes: DemuxHub, logger: Logger) {
        self.configuration = configuration
        sourceIDs = sources
        self.logger = logger
        self.demuxes = demuxes
        output = ProgramOutput(serviceProvider: configuration.serviceProvider)
        let wakeup = ProgramWakeup()
        self.wakeup = wakeup
        inboxes = Dictionary(uniqueKeysWithValues: sources.map { ($0, DemuxInbox(wake: { wakeup.signal() })) })
        latest.withLock { $0.profile = configuration.profile }
    }

    // MARK: - ProgramFeed (relay thread)

    /// The program's payloads since the last call.
    public func takeOutput() -> [[UInt8]] { output.take() }

    /// The relay's wake-up, called whenever the muxer wrote program payloads.
    public func wakeRelayOnOutput(_ wake: @escaping @Sendable () -> Void) { output.onWrite(wake) }

    // MARK: - Lifecycle

    /// Builds the muxer and encoders and starts the program thread. Throws when they cannot be
    /// created (missing encoder, bad profile).
    public func start() throws {
        let alreadyStarted = started.withLock { started in
            defer { started = true }
            return started
        }
        guard !alreadyStarted else { return }
        let engine: ProgramEngine
        do {
            engine = try ProgramEngine(
                configuration: configuration, sourceIDs: sourceIDs, inboxes: inboxes, output: output, logger: logger,
                publishStatus: { [self] status in
                    self.output.setServiceName(status.onAir)
                    self.latest.withLock { $0 = status }
                    self.changeObserver()
                })
        } catch {
            completion.finish()
            throw error
        }
        // Subscribed only once running: a program that is off costs the demuxers nothing.
        for (id, inbox) in inboxes { demuxes.subscribe(resource: id, inbox) }
        let handOver = EngineHandOver(engine: engine)
        let thread = Thread { [self] in
            nameCurrentThread("program")
            let engine = handOver.engine
            // Sleeps until a command or packet arrives or the engine is next due (a slate or
            // repeated picture, a health check, a status update), whichever comes first.
            var pause = Duration.zero
            while !stopRequested.load(ordering: .relaxed) {
                if pause > .zero { wakeup.wait(for: pause) }
                let commands = inbox.withLock { inbox in
                    defer { inbox.removeAll() }
                    return inbox
                }
                pause = engine.step(commands: commands)
            }
            engine.finish()
            completion.finish()
        }
        thread.name = "program"
        thread.start()
        logger.info("program pipeline started", metadata: [
            "program.profile": "\(configuration.profile.summary)",
            "program.slate": "\(configuration.slatePath ?? "none")",
        ])
    }

    /// Stops the program thread (writing the muxer's trailer) and returns once it has.
    public func stop() async {
        stopRequested.store(true, ordering: .relaxed)
        wakeup.signal()
        guard started.withLock({ $0 }) else { return }
        await completion.wait()
    }

    /// Service entry point: runs until graceful shutdown or cancellation.
    public func run() async throws {
        try start()
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await completion.wait()
            } onCancel: {
                self.stopRequested.store(true, ordering: .relaxed)
                self.wakeup.signal()
            }
        } onGracefulShutdown: {
            self.stopRequested.store(true, ordering: .relaxed)
            self.wakeup.signal()
        }
    }

    // MARK: - Operator

    /// The latest program state (refreshed every 100 ms).
    public var status: ProgramStatus { latest.withLock { $0 } }

    /// Sets the one observer called after each new `status`, so readers can wait for a change
    /// instead of polling. It runs on the program thread: it must return at once.
    public func onChange(_ observer: @escaping @Sendable () -> Void) {
        changeObserver.set(observer)
    }

    /// Cuts to a source. Returns when the cut took effect (the source's next keyframe went on
    /// air), or why it did not; an unknown or offline source is refused at once.
    public func cut(to sourceID: String, by operatorName: String? = nil) async -> CutOutcome {
        guard sourceIDs.contains(sourceID) else { return .refused(.unknownSource) }
        let running = started.withLock { $0 } && !completion.isFinished
        guard running else { return .abandoned("program pipeline is not running") }
        let requestedAt = Date()
        return await withCheckedContinuation { continuation in
            let once = ResumeOnce(continuation)
            inbox.withLock {
                $0.append(.cut(source: sourceID, by: operatorName, requestedAt: requestedAt, reply: { once.resume($0) }))
            }
            wakeup.signal()
        }
    }

    /// Puts a caption on air (or replaces the one on air) from the next frame.
    public func showCaption(_ caption: Caption) throws(CaptionError) {
        let trimmed = caption.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .emptyText }
        guard caption.text.count <= 200 else { throw .textTooLong(caption.text.count) }
        inbox.withLock { $0.append(.showCaption(caption)) }
        latest.withLock { $0.caption = caption }
        wakeup.signal()
    }

    /// Puts a configured preset on air.
    @discardableResult
    public func showPreset(_ name: String) throws(CaptionError) -> Caption {
        guard let preset = configuration.preset(name) else { throw .unknownPreset(name) }
        try showCaption(preset.caption)
        return preset.caption
    }

    /// The sources' picture-health states now (sources with none left out): a source in a
    /// state its failover rule names is treated as dead until the state ends.
    public func updateHealth(_ conditions: [String: Set<HealthCondition>]) {
        inbox.withLock { $0.append(.health(conditions)) }
        wakeup.signal()
    }

    /// Takes the caption off air from the next frame.
    public func clearCaption() {
        inbox.withLock { $0.append(.clearCaption) }
        latest.withLock { $0.caption = nil }
        wakeup.signal()
    }
}

/// Wakes the program thread: a packet or a command arrived, or it must stop. Signals coalesce:
/// only the first since the thread last woke posts the semaphore, so a demuxer may signal after
/// every packet for the price of an atomic exchange.
final class ProgramWakeup: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let pending = Atomic<Bool>(false)

    func signal() {
        guard !pending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        semaphore.signal()
    }

    /// Waits for a signal or `timeout`. Whatever was signalled before it returns is then taken
    /// by the caller; a signal after it posts again.
    func wait(for timeout: Duration) {
        _ = semaphore.wait(timeout: .now() + timeout.dispatchInterval)
        pending.store(false, ordering: .sequentiallyConsistent)
    }
}

/// Moves the engine to its thread. Safe to send: `start()` creates it and never touches it
/// again; from then on only the program thread uses it.
private struct EngineHandOver: @unchecked Sendable {
    let engine: ProgramEngine
}

/// Resumes a continuation exactly once, whoever calls first.
private final class ResumeOnce: Sendable {
    private let continuation: Mutex<CheckedContinuation<CutOutcome, Never>?>

    init(_ continuation: CheckedContinuation<CutOutcome, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ outcome: CutOutcome) {
        let taken = continuation.withLock { value in
            defer { value = nil }
            return value
        }
        taken?.resume(returning: outcome)
    }
}
