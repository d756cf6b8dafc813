import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Live JPEG thumbnails of every source and of the program, for the control room's multiview.
///
/// A subscriber of the resources' one demuxer each (`DemuxHub`): no second demuxer. The demux
/// threads hand over keyframes only, and each resource keeps just its newest. Pictures are made
/// only while someone looks (`markWatched()`: the control room's event stream, a thumbnail
/// fetch) and for `watchWindow` after: then one thumbnail thread decodes a resource's keyframe
/// (on its own), scales it to at most `maxWidth` pixels wide and encodes it as JPEG at most once
/// per `refreshInterval`; a viewer's arrival renders every kept keyframe at once. The latest
/// JPEG of each resource is kept here with its capture time and a sequence number; a resource
/// that goes silent keeps its last picture, marked stale.
///
/// Where the program is a pass-through of one source (no program pipeline), the hub need not
/// demux `program`: given `programSource`, the program's thumbnail is the on-air source's.
public final class ThumbnailMaker: Service, Sendable {
    /// The resources thumbnails are served for: the sources and `program`.
    public let resources: [String]
    /// The demuxers the thumbnails come from (their drop counters are reported in /metrics).
    public let demuxes: DemuxHub
    private let worker: ThumbnailWorker
    private let latest = LatestThumbnails()
    /// The on-air source, when the program's thumbnail is that source's; nil when the hub
    /// demuxes `program` itself.
    private let programSource: (@Sendable () -> String?)?

    /// - Parameters:
    ///   - demuxes: the resources' demuxers; thumbnails are made for each of its resources.
    ///   - programSource: the source a pass-through program carries now (the relay snapshot's
    ///     `programSource`); used only when `demuxes` does not demux `program`.
    ///   - refreshInterval: the least time between two thumbnails of one resource. With the
    ///     usual 1 s GOP, 500 ms takes every keyframe.
    ///   - watchWindow: how long after the last sign of a viewer pictures are still made. Longer
    ///     than the control room's event stream keep-alive, so an open page keeps them live.
    ///   - maxWidth: pictures wider than this are scaled down to it, keeping their shape.
    public init(
        demuxes: DemuxHub, programSource: (@Sendable () -> String?)? = nil, refreshInterval: Duration = .milliseconds(500),
        watchWindow: Duration = .seconds(30), maxWidth: Int = 320, logger: Logger
    ) {
        self.demuxes = demuxes
        let program = RelayConfiguration.programResource
        self.programSource = demuxes.resources.contains(program) ? nil : programSource
        resources = demuxes.resources + (self.programSource == nil ? [] : [program])
        let latest = latest
        worker = ThumbnailWorker(
            resources: demuxes.resources, interval: refreshInterval, watchWindow: watchWindow, maxWidth: Int32(maxWidth), logger: logger,
            publish: { latest.publish($1, of: $0) }, markStale: { latest.markStale($0) })
        for resource in demuxes.resources {
            demuxes.subscribe(resource: resource, ThumbnailSubscriber(resource: resource, worker: worker))
        }
    }

    /// Starts the thumbnail thread. Keyframes demuxed before this wait (the newest of each
    /// resource).
    public func start() {
        worker.start()
    }

    /// Stops the thumbnail thread; returns once it has ended. The last thumbnails stay readable.
    public func stop() async {
        await worker.stop()
    }

    /// Service entry point: makes thumbnails until graceful shutdown or cancellation.
    public func run() async throws {
        start()
        // Throws only when cancelled, which ends the service the same way.
        try? await gracefulShutdown()
        await stop()
    }

    /// A viewer is looking at the thumbnails: make them for the next `watchWindow`. Cheap
    /// enough to call on every request.
    public func markWatched() {
        worker.watched()
    }

    /// Whether a viewer has looked within the watch window (pictures are being made).
    public var isWatched: Bool { worker.isWatched }

    /// Keyframes decoded into pictures so far, over all resources.
    public var renders: Int { worker.renders.load(ordering: .relaxed) }

    /// Keyframes the demuxers handed over so far, over all resources (most are never decoded).
    public var keyframesReceived: Int { worker.keyframesReceived.load(ordering: .relaxed) }

    /// The latest thumbnail of a resource; nil before its first. The program's is the on-air
    /// source's when the program is a pass-through.
    public func thumbnail(of resource: String) -> Thumbnail? {
        guard let shown = picturedResource(resource) else { return nil }
        return latest.picture(of: shown)
    }

    /// Whether thumbnails are served for `resource`.
    public func makes(_ resource: String) -> Bool { resources.contains(resource) }

    /// Sequence number, capture time and staleness of every resource's latest thumbnail: what
    /// the control room's event stream needs to decide when to fetch an image again.
    public var thumbnailSummary: [String: ThumbnailSummary] {
        withProgram(latest.pictures).mapValues {
            ThumbnailSummary(seq: $0.sequence, capturedAt: $0.capturedAt, stale: $0.isStale)
        }
    }

    /// Resource → the sequence number of its latest thumbnail.
    public var sequences: [String: Int] {
        withProgram(latest.pictures).mapValues(\.sequence)
    }

    /// The resource whose pictures `resource`'s thumbnail shows; nil for a pass-through program
    /// with nothing on air.
    private func picturedResource(_ resource: String) -> String? {
        guard resource == RelayConfiguration.programResource, let programSource else { return resource }
        return programSource()
    }

    /// Adds the pass-through program's entry (its on-air source's picture). Sequence numbers
    /// are unique over all resources, so a cut changes the program's number and the page
    /// reloads its image.
    private func withProgram(_ pictures: [String: Thumbnail]) -> [String: Thumbnail] {
        guard programSource != nil, let onAir = picturedResource(RelayConfiguration.programResource), let picture = pictures[onAir] else {
            return pictures
        }
        var pictures = pictures
        pictures[RelayConfiguration.programResource] = picture
        return pictures
    }
}

/// Every resource's latest thumbnail, written by the thumbnail thread, read by HTTP handlers.
private final class LatestThumbnails: Sendable {
    private struct State {
        var pictures: [String: Thumbnail] = [:]
        /// The last sequence number given, over all resources.
        var lastSequence = 0
    }

    private let state = Mutex(State())

    var pictures: [String: Thumbnail] { state.withLock { $0.pictures } }

    func picture(of resource: String) -> Thumbnail? { state.withLock { $0.pictures[resource] } }

    func publish(_ picture: ThumbnailRenderer.Picture, of resource: String) {
        state.withLock { state in
            state.lastSequence += 1
            state.pictures[resource] = Thumbnail(
                jpeg: picture.jpeg, width: picture.width, height: picture.height, capturedAt: Date(),
                sequence: state.lastSequence, isStale: false)
        }
    }

    func markStale(_ resource: String) {
        state.withLock { $0.pictures[resource]?.isStale = true }
    }
}
