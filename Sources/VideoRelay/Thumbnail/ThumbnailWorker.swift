import CFFmpeg
import Foundation
import Logging

/// Makes every resource's thumbnails on one thread (STYLE 6), from the keyframes the resources'
/// demuxers hand over.
///
/// Each resource keeps only its newest keyframe packet: the demux thread replaces it and
/// signals, so the hand-off is one packet per resource however far behind this thread is. At
/// most once per `interval` per resource the thread takes that keyframe, decodes it alone
/// (with a decoder opened for that picture only, so no decoder stays in memory between
/// pictures), scales and encodes it as JPEG. The thread sleeps until the next keyframe is due
/// or a new one arrives; it never polls.
final class ThumbnailWorker: @unchecked Sendable {
    // @unchecked: `slots`, `stopping` and `started` are guarded by `condition`'s lock; the rest
    // is immutable, or used only on the worker thread (the renderer, created there).
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
    }

    private let condition = NSCondition()
    private var slots: [String: Slot]
    private var stopping = false
    private var started = false
    private let completion = ThreadCompletion()
    private let interval: Duration
    private let maxWidth: Int32
    private let logger: Logger
    private let publish: @Sendable (String, ThumbnailRenderer.Picture) -> Void
    private let markStale: @Sendable (String) -> Void

    init(
        resources: [String], interval: Duration, maxWidth: Int32, logger: Logger,
        publish: @escaping @Sendable (String, ThumbnailRenderer.Picture) -> Void, markStale: @escaping @Sendable (String) -> Void
    ) {
        slots = Dictionary(uniqueKeysWithValues: resources.map { ($0, Slot()) })
        self.interval = interval
        self.maxWidth = maxWidth
        self.logger = logger
        self.publish = publish
        self.markStale = markStale
    }

    // MARK: - Demux thread side: replace and signal, nothing else

    func opened(_ resource: String, _ streams: MediaStreams) {
        update(resource) { slot in
            slot.video = streams.video
            slot.keyframe = nil
        }
        if streams.video == nil { logger.info("thumbnail: no video in stream", metadata: ["thumbnail.resource": "\(resource)"]) }
    }

    func keyframe(_ resource: String, _ packet: Packet) {
        update(resource) { $0.keyframe = packet }
    }

    func ended(_ resource: String) {
        update(resource) { slot in
            slot.video = nil
            slot.keyframe = nil
            slot.ended = true
        }
    }

    private func update(_ resource: String, _ change: (inout Slot) -> Void) {
        condition.lock()
        defer { condition.unlock() }
        guard var slot = slots[resource] else { return }
        change(&slot)
        slots[resource] = slot
        condition.signal()
    }

    // MARK: - Lifecycle

    func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !started, !stopping else { return }
        started = true
        let thread = Thread { [self] in
            // Named from inside: only then does Linux see it (top -H, /proc/<pid>/task/*/comm).
            Thread.current.name = "thumbnails"
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
        let renderer: ThumbnailRenderer
        do {
            renderer = try ThumbnailRenderer(maxWidth: maxWidth)
        } catch {
            logger.error("thumbnails unavailable", metadata: ["error": "\(error)"])
            return
        }
        while let job = nextJob() {
            switch job {
            case .markStale(let resource):
                markStale(resource)
            case .render(let resource, let packet, let video):
                do {
                    let decoder = try Decoder(parameters: video.parameters, timeBase: video.timeBase, keyframesOnly: true)
                    if let picture = try renderer.render(packet, with: decoder) { publish(resource, picture) }
                } catch {
                    // One damaged keyframe costs one thumbnail.
                    logger.debug("thumbnail: keyframe not rendered", metadata: ["thumbnail.resource": "\(resource)", "error": "\(error)"])
                }
            }
        }
    }

    /// Blocks until there is something to do: a stream that ended, or a keyframe whose
    /// resource's interval has passed (the one waiting longest first). Nil once stopping.
    private func nextJob() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while !stopping {
            if let resource = slots.first(where: { $0.value.ended })?.key {
                slots[resource]?.ended = false
                return .markStale(resource)
            }
            let now = ContinuousClock.now
            var next: (resource: String, due: ContinuousClock.Instant)?
            for (resource, slot) in slots where slot.keyframe != nil && slot.video != nil {
                let due = slot.lastAttempt.map { $0 + interval } ?? now
                if let earlier = next, earlier.due <= due { continue }
                next = (resource, due)
            }
            guard let next else {
                condition.wait()
                continue
            }
            guard next.due <= now else {
                let (seconds, attoseconds) = (next.due - now).components
                _ = condition.wait(until: Date(timeIntervalSinceNow: TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18))
                continue
            }
            guard let slot = slots[next.resource], let packet = slot.keyframe, let video = slot.video else { continue }
            slots[next.resource]?.keyframe = nil
            slots[next.resource]?.lastAttempt = now
            return .render(next.resource, packet, video)
        }
        return nil
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
}
