import CFFmpeg

/// A source's cached GOP decoded by a fresh decoder, with timestamps moved onto the program
/// timeline: its newest packet at program DTS `newestAt`. The decoder carries on with the
/// source's next packets; the newest picture is what an instant cut shows or a hold repeats.
/// With B-frames the decoder holds the newest pictures back until later packets arrive, so the
/// GOP is decoded a second time by a scratch decoder that is drained to reach them.
struct CachedGOPDecoding {
    let decoder: Decoder
    /// The picture with the highest timestamp (nil when no packet decoded to a picture).
    let latest: Frame?

    init(
        _ packets: [ProgramMachine<Packet>.CachedPacket], stream: InputStream, newestAt: Int64, timeBase: AVRational
    ) throws(FFmpegError) {
        guard let newestDTS = packets.last?.dts else {
            throw FFmpegError(code: -1, call: "decodeCachedGOP", message: "empty GOP")
        }
        let retimed = try packets.map { cached throws(FFmpegError) in
            let packet = try cached.payload.clone()
            packet.dts = newestAt + TimestampRebaser.signedDifference(cached.dts, newestDTS)
            packet.pts = newestAt + TimestampRebaser.signedDifference(cached.pts ?? cached.dts, newestDTS)
            return packet
        }
        let decoder = try Decoder(parameters: stream.parameters, timeBase: timeBase)
        var latest = try Self.decode(retimed, with: decoder, drain: false)
        if stream.parameters.videoDelay > 0 {
            let scratch = try Decoder(parameters: stream.parameters, timeBase: timeBase)
            latest = try Self.decode(retimed, with: scratch, drain: true) ?? latest
        }
        self.decoder = decoder
        self.latest = latest
    }

    /// Sends `packets` (and, with `drain`, the end of stream); returns the picture with the
    /// highest timestamp that came out.
    private static func decode(_ packets: [Packet], with decoder: Decoder, drain: Bool) throws(FFmpegError) -> Frame? {
        var latest: Frame?
        let frame = try Frame()
        for packet in packets + (drain ? [nil] : []) {
            try decoder.send(packet)
            while try decoder.receive(into: frame) {
                frame.pts = frame.pointer.pointee.best_effort_timestamp
                if frame.pts >= latest?.pts ?? .min { latest = try frame.newReference() }
                frame.unref()
            }
        }
        return latest
    }
}

extension ProgramMachine.GOPUse {
    /// What a failure is counted under in the program status.
    var errorContext: String {
        switch self {
        case .show: "instant cut"
        case .hold: "hold"
        case .caption: "caption"
        }
    }
}
