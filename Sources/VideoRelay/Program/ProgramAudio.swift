import CFFmpeg

/// The program's sound: the on-air source's audio decoded, resampled and placed on the
/// program's sample clock at the time its timestamps map to (`SoundTimeline`), then encoded to
/// AAC on one unbroken sample clock that follows the program's video. Program thread only.
final class ProgramAudio {
    /// What one `encode(upTo:)` pass did.
    struct Written {
        var packets: UInt64 = 0
        /// Packets whose DTS would not have moved forward (dropped, counted in the status).
        var droppedLate: UInt64 = 0
    }

    private let sampleRate: Int64
    private let encoder: Encoder
    private var timeline: SoundTimeline
    /// A decoder and resampler per source heard: the one on air and the one before it, whose
    /// late sound still fills its part up to the cut.
    private var decoders: [String: SourceDecoder] = [:]
    private var lastDTS: Int64?
    /// How far behind the video the sound is encoded, and the latest video DTS written.
    private(set) var lag = EncodingLag()
    private var latestVideoDTS: Int64?

    init(profile: ProgramProfile) throws(FFmpegError) {
        sampleRate = Int64(profile.audioSampleRate)
        encoder = try Encoder.aac(profile: profile)
        timeline = SoundTimeline(sampleRate: sampleRate)
    }

    /// Decoded samples dropped so far (late, overlapping or with impossible timestamps).
    var droppedSamples: Int64 { timeline.droppedSamples }

    /// The encoder's stream description, for the muxer.
    func parameters() throws(FFmpegError) -> CodecParametersBuffer {
        try encoder.parameters()
    }

    /// The program hears `source` (nil: silence) from program time `ticks`: the old sound ends
    /// there and the new one starts there.
    func cut(at ticks: Int64, to source: String?) {
        timeline.cut(at: sample(at: ticks), to: source)
        decoders = decoders.filter { $0.key == timeline.current || $0.key == timeline.previous }
    }

    /// A source's stream (re)opened or ended: its next packet starts a fresh decoder.
    func forget(_ source: String) {
        decoders[source] = nil
    }

    /// Decodes one packet of `source`'s audio (described by `stream`) onto the timeline: the
    /// packet's PTS is at program time `programTicks`.
    func decode(_ packet: Packet, source: String, stream: InputStream, programTicks: Int64) throws(FFmpegError) {
        if decoders[source] == nil {
            decoders[source] = SourceDecoder(decoder: try Decoder(parameters: stream.parameters, timeBase: stream.timeBase))
        }
        guard let decoding = decoders[source] else { return }
        if let latestVideoDTS { lag.noteAudio(at: programTicks, latestVideo: latestVideoDTS) }
        let packetPTS = packet.pts
        try decoding.decoder.send(packet)
        let frame = try Frame()
        while try decoding.decoder.receive(into: frame) {
            if decoding.resampler?.accepts(frame) != true {
                decoding.resampler = try Resampler(from: frame, outputRate: Int32(sampleRate))
            }
            // A decoder may hand out a frame of an earlier packet: its distance from this one.
            var ticks = programTicks
            if frame.pts != noTimestamp, packetPTS != noTimestamp {
                let tickBase = AVRational(num: 1, den: Int32(ProgramTime.ticksPerSecond))
                ticks += TimestampRebaser.signedDifference(
                    av_rescale_q(frame.pts, stream.timeBase, tickBase), av_rescale_q(packetPTS, stream.timeBase, tickBase))
            }
            if let samples = try decoding.resampler?.convert(frame) {
                timeline.place(samples, at: sample(at: ticks), from: source)
            }
            frame.unref()
        }
    }

    /// Encodes audio up to `lag` before the video's DTS and hands each packet (program
    /// ticks, `streamIndex`) to `write`, counting into `written` (kept when a write fails part
    /// way).
    func encode(
        upTo videoDTS: Int64, streamIndex: Int32, counting written: inout Written,
        write: (Packet) throws(FFmpegError) -> Void
    ) throws(FFmpegError) {
        let frameSize = Int64(max(encoder.frameSize, 1024))
        latestVideoDTS = videoDTS
        let until = sample(at: videoDTS - lag.ticks)
        while timeline.position + frameSize <= until {
            let frame = try Frame.audio(timeline.take(Int(frameSize)), sampleRate: Int32(sampleRate))
            frame.pts = timeline.position - frameSize
            try encoder.send(frame)
            while true {
                let packet = try Packet()
                guard try encoder.receive(into: packet) else { break }
                packet.pts = ticks(atSample: packet.pts)
                packet.dts = ticks(atSample: packet.dts)
                packet.duration = frameSize * ProgramTime.ticksPerSecond / sampleRate
                packet.streamIndex = streamIndex
                if let last = lastDTS, packet.dts <= last {
                    written.droppedLate += 1
                    continue
                }
                lastDTS = packet.dts
                try write(packet)
                written.packets += 1
            }
        }
    }

    /// The sample at program time `ticks` (samples count from the program's start).
    private func sample(at ticks: Int64) -> Int64 {
        (ticks - ProgramTime.startTicks) * sampleRate / ProgramTime.ticksPerSecond
    }

    private func ticks(atSample sample: Int64) -> Int64 {
        ProgramTime.startTicks + sample * ProgramTime.ticksPerSecond / sampleRate
    }
}

/// One source's audio decoder and the resampler made for its format.
private final class SourceDecoder {
    let decoder: Decoder
    var resampler: Resampler?

    init(decoder: Decoder) { self.decoder = decoder }
}
