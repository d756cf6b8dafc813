import CFFmpeg
import Foundation
import Logging
import Synchronization

/// One demuxed packet of a source, in the stream's own time base (90 kHz for MPEG-TS).
struct DemuxedPacket: @unchecked Sendable {
    // @unchecked: the packet moves from the demux thread to the program thread through a lock
    // and is only used by the receiver afterwards.
    enum Kind: Sendable { case video, audio }
    var kind: Kind
    var packet: Packet
    var isKeyframe: Bool { kind == .video && packet.isKeyframe }
}

/// What a demuxer found in a source.
struct SourceStreams: Sendable {
    var video: InputStream?
    var audio: InputStream?

    var videoFormat: VideoFormat? {
        guard let video else { return nil }
        let rate = video.frameRate
        return VideoFormat(
            isH264: video.parameters.codecID == AV_CODEC_ID_H264,
            width: Int(video.parameters.width), height: Int(video.parameters.height),
            framesPerSecond: rate.den > 0 && rate.num > 0 ? Double(rate.num) / Double(rate.den) : nil,
            hasNoReordering: video.parameters.videoDelay == 0)
    }
}

/// Demuxes one source's bytes on its own thread (STYLE 6): libavformat over the source's
/// `SourceByteQueue`. Ends when the source has been silent for the queue's idle limit; the
/// pipeline starts a new one when bytes arrive again.
final class SourceDemuxer: Sendable {
    let sourceID: String
    private let queue: SourceByteQueue
    private let state = Mutex(State())
    private let wake: @Sendable () -> Void
    private let logger: Logger

    private struct State {
        var streams: SourceStreams?
        var packets: [DemuxedPacket] = []
        var finished = false
        var error: String?
    }

    init(sourceID: String, queue: SourceByteQueue, logger: Logger, wake: @escaping @Sendable () -> Void) {
        self.sourceID = sourceID
        self.queue = queue
        self.logger = logger
        self.wake = wake
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "program-demux-\(sourceID)"
        thread.start()
    }

    var isFinished: Bool { state.withLock { $0.finished } }
    var streams: SourceStreams? { state.withLock { $0.streams } }

    /// The packets demuxed since the last call.
    func take() -> [DemuxedPacket] {
        state.withLock { state in
            defer { state.packets.removeAll(keepingCapacity: true) }
            return state.packets
        }
    }

    private func run() {
        defer {
            state.withLock { $0.finished = true }
            wake()
        }
        let input: InputFormat
        do {
            input = try InputFormat(reading: queue)
        } catch {
            logger.info("program demuxer could not open source", metadata: ["source.id": "\(sourceID)", "error": "\(error)"])
            return
        }
        let video = input.streams.first { $0.parameters.mediaType == AVMEDIA_TYPE_VIDEO }
        let audio = input.streams.first { $0.parameters.mediaType == AVMEDIA_TYPE_AUDIO }
        state.withLock { $0.streams = SourceStreams(video: video, audio: audio) }
        logger.info("program demuxer open", metadata: [
            "source.id": "\(sourceID)", "source.video": "\(video.map { "\($0.parameters.width)x\($0.parameters.height)" } ?? "none")",
            "source.audio": "\(audio != nil)",
        ])
        while true {
            let packet: Packet?
            do {
                packet = try input.readPacket()
            } catch {
                logger.info("program demuxer read failed", metadata: ["source.id": "\(sourceID)", "error": "\(error)"])
                return
            }
            guard let packet else { return }
            let kind: DemuxedPacket.Kind
            if packet.streamIndex == video?.index {
                kind = .video
            } else if packet.streamIndex == audio?.index {
                kind = .audio
            } else {
                continue
            }
            guard packet.dts != noTimestamp || packet.pts != noTimestamp else { continue }
            if packet.dts == noTimestamp { packet.dts = packet.pts }
            state.withLock { $0.packets.append(DemuxedPacket(kind: kind, packet: packet)) }
            wake()
        }
    }
}
