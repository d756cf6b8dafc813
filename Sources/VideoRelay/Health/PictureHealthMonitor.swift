import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Picture health of every watched source while its link is up: frozen, black, silent, and
/// format changes, from the demuxer each source already has (`DemuxHub`).
///
/// The demux threads hand over each keyframe and, where silence is watched, each audio packet
/// (`HealthSubscriber` into a bounded `DemuxInbox`). One health thread (STYLE 6) decodes each
/// keyframe on its own, scales it to a 32 x 18 luma grid (`PictureSignature`), decodes the audio
/// for its peak level (`PictureHealthProbe`), and feeds what it measured to each source's
/// `PictureHealth`, which decides. The states are published (read by the API, `/metrics`, the
/// control room), every start, end and format change goes out as a `PictureHealthEvent` (kept in
/// `recentEvents`, and on `events` for the audit trail), and `onChange` is called after them.
///
/// Unlike the thumbnails this runs whether anyone watches or not (failover depends on it), so a
/// watched source is demuxed while it is live.
public final class PictureHealthMonitor: Service, Sendable {
    /// The sources watched (with something to watch in their settings), in operator order.
    public let sources: [String]
    /// How many events `recentEvents` keeps.
    public static let recentLimit = 50
    private let settings: [String: PictureHealthSettings]
    private let inboxes: [String: DemuxInbox]
    private let wakeup: ProgramWakeup
    private let published = Mutex(Published())
    private let changeObserver = Callback()
    private let stopRequested = Atomic<Bool>(false)
    private let started = Mutex(false)
    private let completion = ThreadCompletion()
    private let logger: Logger
    /// The audit trail's feed: every event, in order (the newest 1000 kept if nobody reads).
    public let events: AsyncStream<PictureHealthEvent>
    private let continuation: AsyncStream<PictureHealthEvent>.Continuation
    private let keyframeCount = Atomic<Int>(0)
    private let audioFrameCount = Atomic<Int>(0)

    private struct Published {
        var health: [String: SourceHealth] = [:]
        var recent: [PictureHealthEvent] = []
        var sequence = 0
    }

    /// - Parameters:
    ///   - demuxes: the sources' demuxers; the monitor subscribes to each watched source's.
    ///   - settings: per source id; sources missing here get the defaults, and sources whose
    ///     settings watch nothing are left alone (not demuxed for health).
    public init(demuxes: DemuxHub, sources: [String], settings: [String: PictureHealthSettings] = [:], logger: Logger) {
        var all: [String: PictureHealthSettings] = [:]
        for id in sources { all[id] = settings[id] ?? PictureHealthSettings() }
        let watched = sources.filter { all[$0]?.watchesAnything == true }
        self.sources = watched
        self.settings = all
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: PictureHealthEvent.self, bufferingPolicy: .bufferingNewest(1000))
        let wakeup = ProgramWakeup()
        self.wakeup = wakeup
        var inboxes: [String: DemuxInbox] = [:]
        for id in watched {
            let inbox = DemuxInbox(limitBytes: 1 << 20, wake: { wakeup.signal() })
            inboxes[id] = inbox
            demuxes.subscribe(resource: id, HealthSubscriber(inbox: inbox, audio: all[id]?.silentAfter != nil))
        }
        self.inboxes = inboxes
        published.withLock { state in
            for id in watched { state.health[id] = SourceHealth() }
        }
    }

    // MARK: - Readers

    /// A watched source's health; nil for a source not watched.
    public func health(of source: String) -> SourceHealth? { published.withLock { $0.health[source] } }

    /// Every watched source's health.
    public var health: [String: SourceHealth] { published.withLock { $0.health } }

    /// Source → the conditions holding now (sources with none left out): the program's input.
    public var conditions: [String: Set<HealthCondition>] {
        health.compactMapValues { $0.conditions.isEmpty ? nil : Set($0.conditions) }
    }

    /// Keyframes decoded so far, over all sources.
    public var keyframesDecoded: Int { keyframeCount.load(ordering: .relaxed) }

    /// Audio frames decoded and measured so far, over all sources.
    public var audioFramesDecoded: Int { audioFrameCount.load(ordering: .relaxed) }

    /// The latest events, oldest first.
    public var recentEvents: [PictureHealthEvent] { published.withLock { $0.recent } }

    /// Sets the one observer called after the health changed. It runs on the health thread: it
    /// must return at once.
    public func onChange(_ observer: @escaping @Sendable () -> Void) { changeObserver.set(observer) }

    // MARK: - Lifecycle

    public func start() {
        let alreadyStarted = started.withLock { started in
            defer { started = true }
            return started
        }
        guard !alreadyStarted else { return }
        let thread = Thread { [self] in
            nameCurrentThread("health")
            work()
            completion.finish()
        }
        thread.start()
    }

    /// Ends the health thread; returns once it has.
    public func stop() async {
        stopRequested.store(true, ordering: .relaxed)
        wakeup.signal()
        // Events are yielded on the health thread: the stream ends once it has.
        if started.withLock({ $0 }) { await completion.wait() }
        continuation.finish()
    }

    /// Service entry point: watches until graceful shutdown or cancellation.
    public func run() async throws {
        start()
        // Throws only when cancelled, which ends the service the same way.
        try? await gracefulShutdown()
        await stop()
    }

    // MARK: - Health thread

    private func work() {
        let origin = ContinuousClock.now
        var machines = settings.mapValues { PictureHealth(settings: $0) }
        var probes: [String: PictureHealthProbe] = [:]
        while !stopRequested.load(ordering: .relaxed) {
            var changed = false
            for id in sources {
                for event in inboxes[id]?.take() ?? [] {
                    let at = ContinuousClock.now - origin
                    var observations: [PictureHealth.Observation] = []
                    do {
                        observations = try measure(event, probe: &probes[id], silence: settings[id]?.silentAfter != nil, at: at)
                    } catch {
                        // One damaged keyframe or audio packet costs one measurement.
                        logger.debug("health: packet not measured", metadata: ["health.source": "\(id)", "error": "\(error)"])
                    }
                    for observation in observations {
                        let changes = machines[id]?.observe(observation) ?? []
                        if case .format = observation { published.withLock { $0.health[id]?.format = machines[id]?.format } }
                        guard !changes.isEmpty, let machine = machines[id] else { continue }
                        publish(changes, of: id, machine: machine, at: at)
                        changed = true
                    }
                }
            }
            if changed { changeObserver() }
            wakeup.wait(for: .seconds(1))
        }
    }

    /// Turns a demuxer's event into observations with libav (the probe is created at need).
    private func measure(_ event: DemuxInbox.Event, probe: inout PictureHealthProbe?, silence: Bool, at: Duration) throws(FFmpegError) -> [PictureHealth.Observation] {
        switch event {
        case .opened(let streams):
            if probe == nil { probe = try PictureHealthProbe() }
            return probe?.open(streams, decodeAudio: silence).map { [.format($0, at: at)] } ?? []
        case .ended:
            probe?.close()
            return [.streamEnded(at: at)]
        case .packet(let item):
            guard let probe else { return [] }
            if item.kind == .audio {
                let levels = try probe.audio(item.packet)
                audioFrameCount.add(levels.count, ordering: .relaxed)
                return levels.map { .audioLevel($0, at: at) }
            }
            guard let (signature, format) = try probe.keyframe(item.packet) else { return [] }
            keyframeCount.add(1, ordering: .relaxed)
            return [.format(format, at: at), .picture(signature, at: at)]
        }
    }

    private func publish(_ changes: [PictureHealth.Change], of id: String, machine: PictureHealth, at: Duration) {
        let date = { (time: Duration) in Date(timeIntervalSinceNow: -Self.seconds(at - time)) }
        let events = published.withLock { state in
            var events: [PictureHealthEvent] = []
            for change in changes {
                state.sequence += 1
                var event = PictureHealthEvent(sequence: state.sequence, source: id, kind: .started, at: date(at))
                switch change {
                case .started(let condition, let since, _):
                    state.health[id]?[condition] = true
                    (event.condition, event.since) = (condition, date(since))
                case .ended(let condition, let since, _):
                    state.health[id]?[condition] = false
                    (event.kind, event.condition, event.since) = (.ended, condition, date(since))
                case .formatChanged(let from, let to, _):
                    state.health[id]?.lastFormatChange = FormatChange(at: date(at), from: from, to: to)
                    state.health[id]?.formatChanges += 1
                    (event.kind, event.from, event.to) = (.formatChanged, from, to)
                }
                events.append(event)
            }
            state.health[id]?.since = machine.active.values.min().map(date)
            state.recent.append(contentsOf: events)
            if state.recent.count > Self.recentLimit { state.recent.removeFirst(state.recent.count - Self.recentLimit) }
            return events
        }
        for event in events {
            logger.info("picture health", metadata: [
                "health.source": "\(id)", "health.event": "\(event.action)",
                "health.format": "\(event.to.map { "\(event.from.map(\.description) ?? "?") -> \($0)" } ?? "")",
            ])
            continuation.yield(event)
        }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

/// Hands a source's keyframes (and its audio, when silence is watched) from its demux thread to
/// the health thread; every other packet is left out.
final class HealthSubscriber: DemuxSubscriber {
    let inbox: DemuxInbox
    let audio: Bool

    init(inbox: DemuxInbox, audio: Bool) {
        self.inbox = inbox
        self.audio = audio
    }

    func demuxOpened(_ streams: MediaStreams) { inbox.demuxOpened(streams) }

    func demuxed(_ packet: MediaPacket) {
        guard packet.isKeyframe || (audio && packet.kind == .audio) else { return }
        inbox.demuxed(packet)
    }

    func demuxEnded() { inbox.demuxEnded() }
}
