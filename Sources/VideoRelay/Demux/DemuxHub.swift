import CFFmpeg
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Receives one resource's demuxed stream from a `DemuxHub`.
///
/// Every call comes on the resource's demux thread, in stream order: `demuxOpened`, then each
/// packet, then `demuxEnded`; then, for the next publisher, `demuxOpened` again. (One exception:
/// a subscriber that joins while a stream is open gets that stream's `demuxOpened` at once, on
/// the subscribing thread, before any packet.) Each call must only hand the event to the
/// subscriber's own thread through a bounded queue (`DemuxInbox` is one) and return: a slow
/// subscriber must never hold up the demuxer or the other subscribers.
protocol DemuxSubscriber: AnyObject, Sendable {
    /// A new stream (a publisher's first bytes, or the first after a silence) was opened.
    func demuxOpened(_ streams: MediaStreams)
    /// The next packet: the subscriber's own reference, its timestamps free to change.
    func demuxed(_ packet: MediaPacket)
    /// The stream ended: silent for the idle limit, unreadable, or the hub stopped.
    func demuxEnded()
    /// Whether it needs the resource demuxed now (asked for each payload on the relay thread:
    /// must be cheap). While no subscriber does, payloads are not queued: the demuxer runs dry,
    /// its stream ends after the idle limit and its thread exits, and the first payload wanted
    /// again starts a new demuxer mid-stream (pictures from the next keyframe on).
    var wantsPackets: Bool { get }
}

extension DemuxSubscriber {
    var wantsPackets: Bool { true }
}

/// One demuxer per resource (each source, and `program`), shared by everything that needs a
/// resource's packets: the program pipeline, the thumbnails, picture health.
///
/// Data path: the relay hands every MPEG-TS payload to `observe` (this is its `PayloadTap`) on
/// the relay thread, which only appends it to the resource's bounded `DemuxByteQueue`. The first
/// payload of a stream starts the resource's demux thread (`demux-<resource>`): libavformat reads
/// the queue through `InputFormat` and each packet goes to every subscriber. After
/// `idleLimit` of silence the stream ends (subscribers get `demuxEnded`) and the thread exits;
/// the next payload starts a fresh demuxer on a new thread. A live resource has exactly one
/// demux thread; an idle one, or one whose subscribers want nothing now (thumbnails nobody
/// watches), has none.
///
/// API:
/// - `subscribe(resource:_:)`: add a `DemuxSubscriber` for a resource (any time; usually
///   before the relay starts). Subscribers receive `demuxOpened(MediaStreams)`,
///   `demuxed(MediaPacket)` and `demuxEnded()` on the demux thread and must only enqueue.
/// - `DemuxInbox`: a ready bounded subscriber for a consumer with its own thread (`take()`).
/// - `lastDataAt(of:)`: when the resource's last payload arrived (freshness for failover).
/// - `droppedBytes`: per resource, bytes dropped because its demuxer fell behind (in /metrics).
/// - `streamsOpened`: per resource, how many demuxers have been opened.
/// - `stop()` / `run()`: end every demux thread (a `Service`: stop it after the relay).
public final class DemuxHub: PayloadTap, Service, Sendable {
    /// The resources demuxed: source ids, and `program` when wanted.
    public let resources: [String]
    private let demuxes: [String: ResourceDemux]

    /// - Parameters:
    ///   - queueBytes: how much of a resource's stream may wait for its demuxer before the
    ///     oldest payloads are dropped.
    ///   - idleLimit: the silence after which a resource's stream is over.
    public init(resources: [String], queueBytes: Int = 4 << 20, idleLimit: Duration = .seconds(2), logger: Logger) {
        self.resources = resources
        var demuxes: [String: ResourceDemux] = [:]
        for resource in resources {
            demuxes[resource] = ResourceDemux(
                resource: resource, queue: DemuxByteQueue(limitBytes: queueBytes, idleLimit: idleLimit), logger: logger)
        }
        self.demuxes = demuxes
    }

    /// Queues the payload for the resource's demuxer (starting its thread at a stream's first
    /// payload). Called on the relay thread; never blocks beyond a short lock.
    public func observe(resource: String, payload: ArraySlice<UInt8>, keyframeOffset: Int?) {
        demuxes[resource]?.append(payload)
    }

    /// Adds a subscriber to a resource's demux. False for a resource this hub does not demux.
    @discardableResult
    func subscribe(resource: String, _ subscriber: DemuxSubscriber) -> Bool {
        guard let demux = demuxes[resource] else { return false }
        demux.subscribe(subscriber)
        return true
    }

    /// When the resource's last payload arrived; nil before the first (or for an unknown one).
    func lastDataAt(of resource: String) -> ContinuousClock.Instant? {
        demuxes[resource]?.queue.lastDataAt
    }

    /// Resource → bytes dropped because its demuxer fell behind.
    public var droppedBytes: [String: Int] {
        demuxes.mapValues(\.queue.droppedBytes)
    }

    /// Resource → demuxers opened so far (one per stream: a publisher, or a return after
    /// silence).
    public var streamsOpened: [String: Int] {
        demuxes.mapValues(\.streamsOpened)
    }

    /// Whether a demux thread runs for `resource` now (it ends after the stream's idle limit).
    public func isDemuxing(_ resource: String) -> Bool {
        demuxes[resource]?.isDemuxing ?? false
    }

    /// Ends every demux thread; returns once they have ended. Call after the relay has stopped
    /// (payloads observed later are dropped).
    public func stop() async {
        for demux in demuxes.values { await demux.stop() }
    }

    /// Service entry point: demuxes until graceful shutdown or cancellation.
    public func run() async throws {
        // Throws only when cancelled, which ends the service the same way.
        try? await gracefulShutdown()
        await stop()
    }
}

/// One resource's queue, demux thread and subscribers.
final class ResourceDemux: Sendable {
    let resource: String
    let queue: DemuxByteQueue
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var subscribers: [DemuxSubscriber] = []
        /// The open stream's streams; nil between streams.
        var streams: MediaStreams?
        var streamsOpened = 0
        /// The running (or last) demux thread's completion.
        var thread: ThreadCompletion?
    }

    init(resource: String, queue: DemuxByteQueue, logger: Logger) {
        self.resource = resource
        self.queue = queue
        self.logger = logger
    }

    var streamsOpened: Int { state.withLock { $0.streamsOpened } }

    var isDemuxing: Bool { state.withLock { $0.thread.map { !$0.isFinished } ?? false } }

    func subscribe(_ subscriber: DemuxSubscriber) {
        state.withLock { state in
            if let streams = state.streams { subscriber.demuxOpened(streams) }
            state.subscribers.append(subscriber)
        }
    }

    /// Relay thread: enqueue while a subscriber wants packets; at a stream's first payload,
    /// start the demux thread.
    func append(_ payload: ArraySlice<UInt8>) {
        guard state.withLock({ $0.subscribers.contains { $0.wantsPackets } }), queue.append(payload) else { return }
        let completion = ThreadCompletion()
        state.withLock { $0.thread = completion }
        let thread = Thread { [self] in
            nameCurrentThread("demux-\(resource)")
            repeat { demuxOneStream() } while queue.endStream()
            completion.finish()
        }
        thread.start()
    }

    func stop() async {
        queue.close()
        await state.withLock { $0.thread }?.wait()
    }

    /// One demuxer's life: from a stream's first bytes until it is silent for the queue's idle
    /// limit, unreadable, or the queue closes.
    private func demuxOneStream() {
        let metadata: Logger.Metadata = ["demux.resource": "\(resource)"]
        let input: InputFormat
        do {
            input = try InputFormat(reading: queue, live: true)
        } catch {
            logger.info("demuxer could not open stream", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return
        }
        let streams = MediaStreams(
            video: input.streams.first { $0.parameters.mediaType == AVMEDIA_TYPE_VIDEO },
            audio: input.streams.first { $0.parameters.mediaType == AVMEDIA_TYPE_AUDIO })
        let opened = state.withLock { state in
            state.streams = streams
            state.streamsOpened += 1
            return state.subscribers
        }
        for subscriber in opened { subscriber.demuxOpened(streams) }
        logger.info("demuxer open", metadata: metadata.merging([
            "demux.video": "\(streams.video.map { "\($0.parameters.width)x\($0.parameters.height)" } ?? "none")",
            "demux.audio": "\(streams.audio != nil)",
        ]) { $1 })
        defer {
            let ended = state.withLock { state in
                state.streams = nil
                return state.subscribers
            }
            for subscriber in ended { subscriber.demuxEnded() }
        }
        while true {
            let packet: Packet?
            do {
                packet = try input.readPacket()
            } catch {
                logger.info("demuxer read failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                return
            }
            guard let packet else { return }
            let kind: MediaPacket.Kind
            if packet.streamIndex == streams.video?.index {
                kind = .video
            } else if packet.streamIndex == streams.audio?.index {
                kind = .audio
            } else {
                continue
            }
            guard packet.dts != noTimestamp || packet.pts != noTimestamp else { continue }
            if packet.dts == noTimestamp { packet.dts = packet.pts }
            let arrivedAt = packet.position.flatMap { queue.arrival(ofByte: $0) }
            deliver(MediaPacket(kind: kind, packet: packet, arrivedAt: arrivedAt))
        }
    }

    /// Every subscriber gets its own reference to the packet (the last one the original).
    private func deliver(_ item: MediaPacket) {
        let subscribers = state.withLock { $0.subscribers }
        for (index, subscriber) in subscribers.enumerated() {
            if index == subscribers.count - 1 {
                subscriber.demuxed(item)
            } else if let copy = try? item.packet.clone() {
                subscriber.demuxed(MediaPacket(kind: item.kind, packet: copy, arrivedAt: item.arrivedAt))
            }
        }
    }
}
