import CFFmpeg

/// The slate clip (already in the program profile) held in memory and replayed endlessly at
/// real time: each loop's timestamps continue from the previous one, so the program sees one
/// never-ending source.
final class SlateLoop {
    private let packets: [DemuxedPacket]
    let streams: SourceStreams
    /// Clip length in 90 kHz ticks (a whole number of frames).
    private let duration: Int64
    private let firstDTS: Int64
    private var index = 0
    private var loops: Int64 = 0
    private var anchor: ContinuousClock.Instant = .now

    init(path: String, frameTicks: Int64) throws(FFmpegError) {
        let input = try InputFormat(path: path)
        let video = input.streams.first { $0.parameters.mediaType == AVMEDIA_TYPE_VIDEO }
        let audio = input.streams.first { $0.parameters.mediaType == AVMEDIA_TYPE_AUDIO }
        var packets: [DemuxedPacket] = []
        while let packet = try input.readPacket() {
            if packet.dts == noTimestamp { packet.dts = packet.pts }
            guard packet.dts != noTimestamp else { continue }
            if packet.streamIndex == video?.index {
                packets.append(DemuxedPacket(kind: .video, packet: packet))
            } else if packet.streamIndex == audio?.index {
                packets.append(DemuxedPacket(kind: .audio, packet: packet))
            }
        }
        let videoDTS = packets.filter { $0.kind == .video }.map(\.packet.dts)
        guard let first = videoDTS.min(), let last = videoDTS.max(), packets.first(where: { $0.kind == .video })?.isKeyframe == true else {
            throw FFmpegError(code: -1, call: "SlateLoop", message: "\(path) has no video starting on a keyframe")
        }
        // Start the loop on the first video keyframe; audio before it is dropped.
        let start = packets.firstIndex { $0.kind == .video } ?? 0
        self.packets = Array(packets[start...])
        self.streams = SourceStreams(video: video, audio: audio)
        firstDTS = first
        duration = last - first + frameTicks
    }

    /// Starts replaying from the top, now.
    func restart() {
        index = 0
        loops = 0
        anchor = .now
    }

    /// The packets due by `now`, as new references with loop-adjusted timestamps.
    func due(now: ContinuousClock.Instant) throws(FFmpegError) -> [DemuxedPacket] {
        let elapsed = now - anchor
        let elapsedTicks = elapsed.components.seconds * 90_000 + elapsed.components.attoseconds / 11_111_111_111_111
        var out: [DemuxedPacket] = []
        while out.count < 64 {
            let item = packets[index]
            let shift = loops * duration
            guard item.packet.dts - firstDTS + shift <= elapsedTicks else { break }
            let copy = try item.packet.clone()
            copy.dts += shift
            if copy.pts != noTimestamp { copy.pts += shift }
            out.append(DemuxedPacket(kind: item.kind, packet: copy))
            index += 1
            if index == packets.count {
                index = 0
                loops += 1
            }
        }
        return out
    }
}
