import CFFmpeg
import Foundation
import Logging
import Synchronization

/// Makes every resource's thumbnails on one thread (STYLE 6), from the keyframes the resources'
/// demuxers hand over, while someone looks at them.
///
/// Each resource keeps only its newest keyframe packet: the demux thread replaces it, so the
/// hand-off is one packet per resource however far behind this thread is. Pictures are made
/// only while the thumbnails are watched (`watched()` within the last `watchWindow`): then, at
/// most once per `interval` per resource, the thread takes that keyframe, decodes it alone (with
/// a decoder opened for that picture only, so no decoder stays in memory between pictures),
/// scales and encodes it as JPEG. Unwatched, the thread sleeps until a viewer comes and holds no
/// scaler or encoder, and the thumbnails ask their demuxers for nothing (`wantsPackets`): a
/// resource nothing else needs is then not demuxed at all. A viewer's arrival renders every kept
/// keyframe at once (those of resources the program demuxes anyway) and marks the others' old
/// pictures stale until their demuxers, started again, hand over a keyframe. It never polls.
final class ThumbnailWorker: @unchecked Sendable {
    // @unchecked: `slots`, `watchedUntil`, `live`, `stopping` and `started` are guarded by
    // `condition`'s lock; the counters are atomics; the rest is immutable, or used only on the
    // worker thread (the renderer, created there).
    private struct Slot {
        /// The open stream's video; nil between streams or when the stream has none.
        var video: InputStream?
        /// The newest keyframe not yet rendered.
        var keyframe: Packet?
        /// When the last picture of this resource was attempted.
        var lastAttempt: ContinuousClock.Instant?
        /// The stream ended since the thread last looked: mark the picture stale.
        var ended = false
    }

    private enum Job {
        case markStale(String)
        case render(String, Packet, InputStream)
        /// The watch window closed: let go of what rendering holds.
        case pause
    }

    private let condition = NSCondition()
    private var slots: [String: Slot]
    /// Pictures are made until then; nil before the first viewer.
    private var watchedUntil: ContinuousClock.Instant?
    /// Whether the thread is rendering (it saw the window open and has not paused since).
    private var live = false
    private var stopping = false
    private var started = false
    private let completion = ThreadCompletion()
    private let interval: Duration
    private let watchWindow: Duration
    private let maxWidth: Int32
    private let logger: Logger
    private let publish: @Sendable (String, ThumbnailRenderer.Picture) -> Void
    private let markStale: @Sendable (String) -> Void
    /// Keyframes rendered (attempted), over all resources.
    let renders = Atomic<Int>(0)
    /// Keyframes handed over by the demuxers, over all resources.
    let keyframesReceived = Atomic<Int>(0)

    init(
        resources: [String], interval: Duration, watchWindow: Duration, maxWidth: Int32, logger: Logger,
        publish: @escaping @Sendable (String, ThumbnailRenderer.Picture) -> Void, markStale: @escaping @Sendable (String) -> Void
    ) {
        slots = Dictionary(uniqueKeysWithValues: resources.map { ($0, Slot()) })
        self.interval = interval
        self.watchWindow = watchWindow
        self.maxWidth = maxWidth
        self.logger = logger
        self.publish = publish
        self.markStale = markStale
    }

    // MARK: - Viewers (HTTP handlers)

    /// Someone is looking: render for `watchWindow` from now. When nobody was, every kept
    /// keyframe is due at once.
    func watched() {
        condition.lock()
        defer { condition.unlock() }
        let now = ContinuousClock.now
        let wasWatched = watchedUntil.map { now < $0 } ?? false
        watchedUntil = now + watchWindow
        guard !wasWatched else { return }
        for resource in slots.keys {
            slots[resource]?.lastAttempt = nil
            // Not demuxed while nobody watched: its picture is old until the demuxer, started
            // again by the next payload, hands over a keyframe.
            if slots[resource]?.video == nil { slots[resource]?.ended = true }
        }
        condition.signal()
    }

    /// Whether a viewer has looked within the watch window.
    var isWatched: Bool {
        condition.lock()
        defer { condition.unlock() }
        return watchedUntil.map { ContinuousClock.now < $0 } ?? false
    }

    // MARK: - Demux thread side: replace, and signal only when the thread has work

    func opened(_ resource: String, _ streams: MediaStreams) {
        update(resource, wake: false) { slot in
            slot.video = streams.video
            slot.keyframe = nil
        }
        if streams.video == nil { logger.info("thumbnail: no video in stream", metadata: ["thumbnail.resource": "\(resource)"]) }
    }

    func keyframe(_ resource: String, _ packet: Packet) {
        keyframesReceived.add(1, ordering: .relaxed)
        // Unwatched, the keyframe only waits for a viewer: the thread sleeps on.
        update(resource, wake: false) { $0.keyframe = packet }
    }

    func ended(_ resource: String) {
        let watching = isWatched
        update(resource, wake: watching) { slot in
            slot.video = nil
            slot.keyframe = nil
            // Unwatched, the demuxer ends for want of a viewer, not of a stream: the picture is
            // marked old when a viewer comes back.
            slot.ended = watching
        }
    }

    /// Changes a slot; signals the thread when it is rendering, or always when `wake`.
    private func update(_ resource: String, wake: Bool, _ change: (inout Slot) -> Void) {
        condition.lock()
        defer { condition.unlock() }
        guard var slot = slots[resource] else { return }
        change(&slot)
        slots[resource] = slot
        if wake || live { condition.signal() }
    }

    // MARK: - Lifecycle

    func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !started, !stopping else { return }
        started = true
        let thread = Thread { [self] in
            nameCurrentThread("thumbnails")
            run()
            completion.finish()
        }
        thread.start()
    }

    /// Ends the thread; returns once it has ended.
    func stop() async {
        if requestStop() { await completion.wait() }
    }

    /// Tells the thread to end; true when it was started (and so will finish).
    private func requestStop() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
        return started
    }

    // MARK: - Worker thread

    private func run() {
        // Created for the first picture of a watch window, dropped when it closes.
        var renderer: ThumbnailRenderer?
        while let job = nextJob() {
            switch job {
            case .markStale(let resource):
                markStale(resource)
            case .pause:
                renderer = nil
            case .render(let resource, let packet, let video):
                renders.add(1, ordering: .relaxed)
                do {
                    if renderer == nil { renderer = try ThumbnailRenderer(maxWidth: maxWidth) }
                    guard let renderer else { continue }
                    let decoder = try Decoder(parameters: video.parameters, timeBase: video.timeBase, keyframesOnly: true)
                    if let picture = try renderer.render(packet, with: decoder) { publish(resource, picture) }
                } catch {
                    // One damaged keyframe costs one thumbnail.
                    logger.debug("thumbnail: keyframe not rendered", metadata: ["thumbnail.resource": "\(resource)", "error": "\(error)"])
                }
            }
        }
    }

    /// Blocks until there is something to do: a stream that ended, the watch window closing, or
    /// (while watched) a keyframe whose resource's interval has passed (the one waiting longest
    /// first). Nil once stopping.
    private func nextJob() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while !stopping {
            if let resource = slots.first(where: { $0.value.ended })?.key {
                slots[resource]?.ended = false
                return .markStale(resource)
            }
            let now = ContinuousClock.now
            guard let until = watchedUntil, now < until else {
                if live {
                    live = false
                    return .pause
                }
                condition.wait()
                continue
            }
            live = true
            var next: (resource: String, due: ContinuousClock.Instant)?
            for (resource, slot) in slots where slot.keyframe != nil && slot.video != nil {
                let due = slot.lastAttempt.map { $0 + interval } ?? now
                if let earlier = next, earlier.due <= due { continue }
                next = (resource, due)
            }
            guard let next, next.due <= now else {
                // Until the next picture is due, or the window closes to let go of the renderer.
                _ = condition.wait(until: Self.date(min(next?.due ?? until, until), now: now))
                continue
            }
            guard let slot = slots[next.resource], let packet = slot.keyframe, let video = slot.video else { continue }
            slots[next.resource]?.keyframe = nil
            slots[next.resource]?.lastAttempt = now
            return .render(next.resource, packet, video)
        }
        return nil
    }

    private static func date(_ instant: ContinuousClock.Instant, now: ContinuousClock.Instant) -> Date {
        let (seconds, attoseconds) = (instant - now).components
        return Date(timeIntervalSinceNow: TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18)
    }
}

/// Hands one resource's keyframes from its demux thread to the thumbnail thread.
final class ThumbnailSubscriber: DemuxSubscriber {
    let resource: String
    let worker: ThumbnailWorker

    init(resource: String, worker: ThumbnailWorker) {
        self.resource = resource
        self.worker = worker
    }

    func demuxOpened(_ streams: MediaStreams) { worker.opened(resource, streams) }

    func demuxed(_ packet: MediaPacket) {
        guard packet.isKeyframe else { return }
        worker.keyframe(resource, packet.packet)
    }

    func demuxEnded() { worker.ended(resource) }

    /// Thumbnails need the resource demuxed only while someone watches them.
    var wantsPackets: Bool { worker.isWatched }
}
