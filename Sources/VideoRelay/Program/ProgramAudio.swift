import CFFmpeg

/// The program's sound: the on-air source's audio decoded and resampled into one FIFO, and
/// encoded to AAC on one unbroken sample clock that follows the program's video (silence where
/// the FIFO runs dry). Program thread only.
final class ProgramAudio {
    /// What one `encode(upTo:)` pass did.
    struct Written {
        var packets: UInt64 = 0
        /// Packets whose DTS would not have moved forward (dropped, counted in the status).
        var droppedLate: UInt64 = 0
    }

    private let sampleRate: Int64
    private let encoder: Encoder
    private let fifo: AudioFIFO
    private var decoder: Decoder?
    private var decoderSource: String?
    private var resampler: Resampler?
    private var lastDTS: Int64?
    private var samplesEncoded: Int64 = 0

    init(profile: ProgramProfile) throws(FFmpegError) {
        sampleRate = Int64(profile.audioSampleRate)
        encoder = try Encoder.aac(profile: profile)
        fifo = try AudioFIFO(capacity: Int32(profile.audioSampleRate))
    }

    /// The encoder's stream description, for the muxer.
    func parameters() throws(FFmpegError) -> CodecParametersBuffer {
        try encoder.parameters()
    }

    /// Decodes one packet of `source`'s audio (described by `stream`) into the FIFO; a packet
    /// from another source than the last starts a fresh decoder.
    func decode(_ packet: Packet, source: String, stream: InputStream) throws(FFmpegError) {
        if decoder == nil || decoderSource != source {
            decoder = try Decoder(parameters: stream.parameters, timeBase: stream.timeBase)
            decoderSource = source
        }
        guard let decoder else { return }
        try decoder.send(packet)
        let frame = try Frame()
        while try decoder.receive(into: frame) {
            if resampler == nil || resampler?.accepts(frame) == false {
                resampler = try Resampler(from: frame, outputRate: Int32(sampleRate))
            }
            try resampler?.convert(frame, into: fifo)
            frame.unref()
        }
    }

    /// Encodes audio up to the video's DTS and hands each packet (program ticks, `streamIndex`)
    /// to `write`, counting into `written` (kept when a write fails part way).
    func encode(
        upTo videoDTS: Int64, streamIndex: Int32, counting written: inout Written,
        write: (Packet) throws(FFmpegError) -> Void
    ) throws(FFmpegError) {
        let ticksPerSecond = ProgramTime.ticksPerSecond
        let audioStart = ProgramTime.startTicks
        let frameSize = Int64(max(encoder.frameSize, 1024))
        // Keep at most 300 ms queued: audio that ran ahead (a source burst) is dropped.
        fifo.trim(keeping: Int32(sampleRate * 3 / 10))
        while audioStart + (samplesEncoded + frameSize) * ticksPerSecond / sampleRate <= videoDTS {
            let frame = try fifo.read(Int32(frameSize), sampleRate: Int32(sampleRate))
            frame.pts = samplesEncoded
            samplesEncoded += frameSize
            try encoder.send(frame)
            while true {
                let packet = try Packet()
                guard try encoder.receive(into: packet) else { break }
                packet.pts = audioStart + packet.pts * ticksPerSecond / sampleRate
                packet.dts = audioStart + packet.dts * ticksPerSecond / sampleRate
                packet.duration = frameSize * ticksPerSecond / sampleRate
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
}
