import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Live JPEG thumbnails of every source and of the program, for the control room's multiview.
///
/// The relay hands it every payload (it is the relay's `PayloadTap`); each resource's bytes go
/// to their own bounded queue and thread, where a demuxer finds keyframes and one is decoded
/// (keyframes only), scaled to at most `maxWidth` pixels wide and encoded as JPEG at most once
/// per `refreshInterval`. The latest JPEG of each resource is kept here with its capture time
/// and a sequence number; a resource that goes silent keeps its last picture, marked stale.
public final class ThumbnailMaker: PayloadTap, Service, Sendable {
    /// The resources thumbnails are made for: the sources and `program`.
    public let resources: [String]
    private let workers: [String: ThumbnailWorker]
    private let latest = LatestThumbnails()

    /// - Parameters:
    ///   - resources: source ids, plus `program` when its thumbnail is wanted.
    ///   - refreshInterval: the least time between two thumbnails of one resource. With the
    ///     usual 1 s GOP, 500 ms takes every keyframe.
    ///   - maxWidth: pictures wider than this are scaled down to it, keeping their shape.
    ///   - queueBytes: how much of a resource's stream may wait for its thread before the
    ///     queue skips to the newest keyframe.
    public init(
        resources: [String], refreshInterval: Duration = .milliseconds(500), maxWidth: Int = 320,
        queueBytes: Int = 2 << 20, logger: Logger
    ) {
        self.resources = resources
        let latest = latest
        var workers: [String: ThumbnailWorker] = [:]
        for resource in resources {
            workers[resource] = ThumbnailWorker(
                resource: resource, queue: ThumbnailByteQueue(limitBytes: queueBytes), interval: refreshInterval,
                maxWidth: Int32(maxWidth), logger: logger,
                publish: { latest.publish($0, of: resource) },
                markStale: { latest.markStale(resource) })
        }
        self.workers = workers
    }

    /// Queues the payload for the resource's thumbnail thread. Called on the relay thread: it
    /// only appends to a queue.
    public func observe(resource: String, payload: ArraySlice<UInt8>, keyframeOffset: Int?) {
        workers[resource]?.queue.append(payload, keyframeOffset: keyframeOffset)
    }

    /// Starts one thread per resource. Payloads observed before this wait in the queues.
    public func start() {
        for worker in workers.values { worker.start() }
    }

    /// Stops every thread; returns once they have ended. The last thumbnails stay readable.
    public func stop() async {
        for worker in workers.values { await worker.stop() }
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
    public func makes(_ resource: String) -> Bool { workers[resource] != nil }

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

/// Every resource's latest thumbnail, written by the thumbnail threads, read by HTTP handlers.
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
