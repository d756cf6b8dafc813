import CFFmpeg
import Foundation
import Logging
import Synchronization

/// Makes one resource's thumbnails on its own thread (STYLE 6): demux the resource's bytes
/// (libavformat over its `ThumbnailByteQueue`), and at most once per `interval` decode a
/// keyframe on its own and encode it as JPEG. A demuxer's read blocks, so each resource needs
/// its own thread anyway; decoding there adds no hand-over.
final class ThumbnailWorker: Sendable {
    let resource: String
    let queue: ThumbnailByteQueue
    private let interval: Duration
    private let maxWidth: Int32
    private let publish: @Sendable (ThumbnailRenderer.Picture) -> Void
    private let markStale: @Sendable () -> Void
    private let logger: Logger
    private let started = Mutex(false)
    private let completion = ThreadCompletion()

    init(
        resource: String, queue: ThumbnailByteQueue, interval: Duration, maxWidth: Int32, logger: Logger,
        publish: @escaping @Sendable (ThumbnailRenderer.Picture) -> Void, markStale: @escaping @Sendable () -> Void
    ) {
        self.resource = resource
        self.queue = queue
        self.interval = interval
        self.maxWidth = maxWidth
        self.logger = logger
        self.publish = publish
        self.markStale = markStale
    }

    func start() {
        guard !started.withLock({ started in defer { started = true }; return started }) else { return }
        let thread = Thread { [self] in
            // Named from inside: only then does Linux see it (/proc/<pid>/task/*/comm, top -H),
            // which is how the thumbnails' CPU is told apart; 15 bytes at most.
            Thread.current.name = String("thumb-\(resource)".utf8.prefix(15)) ?? "thumb"
            run()
            completion.finish()
        }
        thread.start()
    }

    /// Closes the queue (ending the thread's reads) and returns once the thread has ended.
    func stop() async {
        queue.close()
        guard started.withLock({ $0 }) else { return }
        await completion.wait()
    }

    private func run() {
        let renderer: ThumbnailRenderer
        do {
            renderer = try ThumbnailRenderer(maxWidth: maxWidth)
        } catch {
            logger.error("thumbnails unavailable", metadata: ["thumbnail.resource": "\(resource)", "error": "\(error)"])
            return
        }
        var lastCapture: ContinuousClock.Instant?
        while queue.waitForData() {
            decodeUntilSilent(renderer, lastCapture: &lastCapture)
            // Silent (not merely a damaged stream that left bytes waiting): keep the picture,
            // say it is old.
            if queue.queued == 0 { markStale() }
        }
    }

    /// One demuxer's life: from the resource's first bytes until it has been silent for the
    /// queue's idle limit (or the queue closes).
    private func decodeUntilSilent(_ renderer: ThumbnailRenderer, lastCapture: inout ContinuousClock.Instant?) {
        let metadata: Logger.Metadata = ["thumbnail.resource": "\(resource)"]
        do {
            let input = try InputFormat(reading: queue)
            guard let video = input.streams.first(where: { $0.parameters.mediaType == AVMEDIA_TYPE_VIDEO }) else {
                logger.info("thumbnail: no video in stream", metadata: metadata)
                while try input.readPacket() != nil {}
                return
            }
            let decoder = try Decoder(parameters: video.parameters, timeBase: video.timeBase, keyframesOnly: true)
            logger.debug("thumbnail decoder open", metadata: metadata)
            while let packet = try input.readPacket() {
                guard packet.streamIndex == video.index, packet.isKeyframe else { continue }
                let now = ContinuousClock.now
                if let lastCapture, now - lastCapture < interval { continue }
                do {
                    guard let picture = try renderer.render(packet, with: decoder) else { continue }
                    lastCapture = now
                    publish(picture)
                } catch {
                    // One damaged keyframe costs one thumbnail, not the demuxer.
                    logger.debug("thumbnail: keyframe not rendered", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                }
            }
        } catch {
            logger.info("thumbnail demuxer ended", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }
}
