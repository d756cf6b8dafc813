import CFFmpeg

/// The program's sound: the on-air source's audio decoded, resampled and placed on the
/// program's sample clock at the time its timestamps map to (`SoundTimeline`), then encoded to
/// AAC on one unbroken sample clock that follows the program's video. A source that sends what
/// the program would write (AAC-LC frames at the program's rate, stereo: `ADTSHeader`) has its
/// own frames copied into the program, aligned to the program's frame grid (`AudioFrameGrid`),
/// wherever it is heard alone; only around cuts (the crossfade) and where its frames are missing
/// is its sound encoded. Program thread only.
final class ProgramAudio {
    /// What one `encode(upTo:)` pass did.
    struct Written {
        /// Packets written, copied ones included.
        var packets: UInt64 = 0
        /// Source frames written as they came.
        var copied: UInt64 = 0
        /// Packets whose DTS would not have moved forward (dropped, counted in the status).
        var droppedLate: UInt64 = 0
    }

    private let profile: ProgramProfile
    private let sampleRate: Int64
    private let frameSize: Int64
    /// Nil while frames are being copied: a fresh one starts at the next encoded frame.
    private var encoder: Encoder?
    private var timeline: SoundTimeline
    private var grid: AudioFrameGrid
    /// A decoder and resampler per source heard: the one on air and the one before it, whose
    /// late sound still fills its part up to the cut.
    private var decoders: [String: SourceDecoder] = [:]
    /// Source frames that can stand in for the program's own, by source and grid position.
    private var copies: [String: [Int64: Packet]] = [:]
    /// Where the next packet written starts (samples; nil before the first).
    private var nextPacketAt: Int64?
    private var lastDTS: Int64?
    /// How far behind the video the sound is encoded, and the latest video DTS written.
    private(set) var lag = EncodingLag()
    private var latestVideoDTS: Int64?

    init(profile: ProgramProfile) throws(FFmpegError) {
        self.profile = profile
        sampleRate = Int64(profile.audioSampleRate)
        let encoder = try Encoder.aac(profile: profile)
        self.encoder = encoder
        frameSize = Int64(max(encoder.frameSize, 1024))
        timeline = SoundTimeline(sampleRate: sampleRate)
        grid = AudioFrameGrid(frameSize: frameSize, tolerance: timeline.tolerance)
    }

    /// Decoded samples dropped so far (late, overlapping or with impossible timestamps).
    var droppedSamples: Int64 { timeline.droppedSamples }

    /// The encoder's stream description, for the muxer.
    func parameters() throws(FFmpegError) -> CodecParametersBuffer {
        if let encoder { return try encoder.parameters() }
        return try Encoder.aac(profile: profile).parameters()
    }

    /// The program hears `source` (nil: silence) from program time `ticks`: the old sound ends
    /// there and the new one starts there.
    func cut(at ticks: Int64, to source: String?) {
        timeline.cut(at: sample(at: ticks), to: source)
        decoders = decoders.filter { $0.key == timeline.current || $0.key == timeline.previous }
        copies = copies.filter { $0.key == timeline.current || $0.key == timeline.previous }
    }

    /// A source's stream (re)opened or ended: its next packet starts a fresh decoder.
    func forget(_ source: String) {
        decoders[source] = nil
        copies[source] = nil
        grid.forget(source)
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
        let packetSample = sample(at: programTicks)
        let fit = packet.withBytes { ADTSHeader.fit($0, sampleRate: profile.audioSampleRate) }
        // Sound in the program's format goes on the program's frame grid, where its frames
        // can be copied.
        let shift = fit == .other ? 0 : grid.shift(forFrameAt: packetSample, of: source)
        // Copied only when it decodes to one frame in the program's format (not SBR doubling the
        // rate), placed whole at its grid point: where it lands, the program hears what it holds.
        let at = packetSample + shift
        var copyable = fit == .oneFrame
        var frames = 0
        var placedWhole = false
        try decoding.decoder.send(packet)
        let frame = try Frame()
        while try decoding.decoder.receive(into: frame) {
            frames += 1
            let decoded = frame.pointer
            if decoded.pointee.sample_rate != Int32(sampleRate) || decoded.pointee.ch_layout.nb_channels != 2
                || Int64(decoded.pointee.nb_samples) != frameSize {
                copyable = false
            }
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
                let placed = timeline.place(samples, at: sample(at: ticks) + shift, from: source)
                placedWhole = placed == at..<(at + frameSize)
            }
            frame.unref()
        }
        if copyable, frames == 1, placedWhole {
            copies[source, default: [:]][at] = try packet.clone()
        }
    }

    /// Writes the program's sound up to `lag` before the video's DTS, frame after frame: a
    /// source's own frame where it can stand in (`copyable(at:)`), otherwise encoded from the
    /// timeline. Hands each packet (program ticks, `streamIndex`) to `write`, counting into
    /// `written` (kept when a write fails part way).
    func encode(
        upTo videoDTS: Int64, streamIndex: Int32, counting written: inout Written,
        write: (Packet) throws(FFmpegError) -> Void
    ) throws(FFmpegError) {
        latestVideoDTS = videoDTS
        let until = sample(at: videoDTS - lag.ticks)
        while true {
            if let at = nextPacketAt, at + frameSize <= until, let source = copyable(at: at) {
                try copy(source, at: at, streamIndex: streamIndex, counting: &written, write: write)
                continue
            }
            guard timeline.position + frameSize <= until else { break }
            try encodeFrame(streamIndex: streamIndex, counting: &written, write: write)
        }
        // Frames whose time passed while the program encoded instead.
        if let next = nextPacketAt {
            for (source, frames) in copies where frames.keys.contains(where: { $0 < next }) {
                copies[source] = frames.filter { $0.key >= next }
            }
        }
    }

    /// The source whose frame at `at` can stand in for the program's own: the one heard alone
    /// over the whole of the frame's transform window (two frames), so that where it meets
    /// encoded frames both encode the same sound.
    private func copyable(at: Int64) -> String? {
        guard let source = timeline.soleInput(over: at..<(at + 2 * frameSize)), copies[source]?[at] != nil else { return nil }
        return source
    }

    private func copy(
        _ source: String, at: Int64, streamIndex: Int32, counting written: inout Written,
        write: (Packet) throws(FFmpegError) -> Void
    ) throws(FFmpegError) {
        guard let frame = copies[source]?.removeValue(forKey: at) else { return }
        nextPacketAt = at + frameSize
        // The encoder's input must stay unbroken: once the copies pass what it was given, the
        // next encoded frame starts a fresh one.
        if timeline.position < at + frameSize {
            encoder = nil
            timeline.skip(Int(at + frameSize - timeline.position))
        }
        try emit(frame, at: at, streamIndex: streamIndex, counting: &written, write: write)
        written.copied += 1
    }

    /// Encodes the timeline's next frame; writes what the encoder hands out from `nextPacketAt`
    /// on (a fresh encoder's first packet, its priming, lies before it).
    private func encodeFrame(
        streamIndex: Int32, counting written: inout Written, write: (Packet) throws(FFmpegError) -> Void
    ) throws(FFmpegError) {
        if encoder == nil { encoder = try Encoder.aac(profile: profile) }
        guard let encoder else { return }
        let frame = try Frame.audio(timeline.take(Int(frameSize)), sampleRate: Int32(sampleRate))
        frame.pts = timeline.position - frameSize
        try encoder.send(frame)
        while true {
            let packet = try Packet()
            guard try encoder.receive(into: packet) else { break }
            if let next = nextPacketAt, packet.pts < next { continue }
            nextPacketAt = packet.pts + frameSize
            try emit(packet, at: packet.pts, streamIndex: streamIndex, counting: &written, write: write)
        }
    }

    /// Stamps a packet of the frame starting at sample `at` with program ticks and writes it.
    private func emit(
        _ packet: Packet, at: Int64, streamIndex: Int32, counting written: inout Written,
        write: (Packet) throws(FFmpegError) -> Void
    ) throws(FFmpegError) {
        packet.pts = ticks(atSample: at)
        packet.dts = packet.pts
        packet.duration = frameSize * ProgramTime.ticksPerSecond / sampleRate
        packet.streamIndex = streamIndex
        if let last = lastDTS, packet.dts <= last {
            written.droppedLate += 1
            return
        }
        lastDTS = packet.dts
        try write(packet)
        written.packets += 1
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
