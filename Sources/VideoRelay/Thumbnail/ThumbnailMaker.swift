import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Live JPEG thumbnails of every source and of the program, for the control room's multiview.
///
/// A subscriber of the resources' one demuxer each (`DemuxHub`): no second demuxer. The demux
/// threads hand over keyframes only, and each resource keeps just its newest; one thumbnail
/// thread decodes a resource's keyframe (on its own), scales it to at most `maxWidth` pixels
/// wide and encodes it as JPEG at most once per `refreshInterval`. The latest JPEG of each
/// resource is kept here with its capture time and a sequence number; a resource that goes
/// silent keeps its last picture, marked stale.
public final class ThumbnailMaker: Service, Sendable {
    /// The resources thumbnails are made for: those the hub demuxes (the sources and `program`).
    public let resources: [String]
    /// The demuxers the thumbnails come from (their drop counters are reported in /metrics).
    public let demuxes: DemuxHub
    private let worker: ThumbnailWorker
    private let latest = LatestThumbnails()

    /// - Parameters:
    ///   - demuxes: the resources' demuxers; thumbnails are made for each of its resources.
    ///   - refreshInterval: the least time between two thumbnails of one resource. With the
    ///     usual 1 s GOP, 500 ms takes every keyframe.
    ///   - maxWidth: pictures wider than this are scaled down to it, keeping their shape.
    public init(demuxes: DemuxHub, refreshInterval: Duration = .milliseconds(500), maxWidth: Int = 320, logger: Logger) {
        self.demuxes = demuxes
        resources = demuxes.resources
        let latest = latest
        worker = ThumbnailWorker(
            resources: demuxes.resources, interval: refreshInterval, maxWidth: Int32(maxWidth), logger: logger,
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

    /// The latest thumbnail of a resource; nil before its first.
    public func thumbnail(of resource: String) -> Thumbnail? {
        latest.pictures.withLock { $0[resource] }
    }

    /// Whether thumbnails are made for `resource`.
    public func makes(_ resource: String) -> Bool { resources.contains(resource) }

    /// Sequence number, capture time and staleness of every resource's latest thumbnail: what
    /// the control room's event stream needs to decide when to fetch an image again.
    public var thumbnailSummary: [String: ThumbnailSummary] {
        latest.pictures.withLock { latest in
            latest.mapValues { ThumbnailSummary(seq: $0.sequence, capturedAt: $0.capturedAt, stale: $0.isStale) }
        }
    }

    /// Resource → the sequence number of its latest thumbnail.
    public var sequences: [String: Int] {
        latest.pictures.withLock { $0.mapValues(\.sequence) }
    }
}

/// Every resource's latest thumbnail, written by the thumbnail thread, read by HTTP handlers.
private final class LatestThumbnails: Sendable {
    let pictures = Mutex<[String: Thumbnail]>([:])

    func publish(_ picture: ThumbnailRenderer.Picture, of resource: String) {
        pictures.withLock { pictures in
            pictures[resource] = Thumbnail(
                jpeg: picture.jpeg, width: picture.width, height: picture.height, capturedAt: Date(),
                sequence: (pictures[resource]?.sequence ?? 0) + 1, isStale: false)
        }
    }

    func markStale(_ resource: String) {
        pictures.withLock { $0[resource]?.isStale = true }
    }
}
