import CFFmpeg

/// A source's cached GOP decoded by a fresh decoder, with timestamps moved onto the program
/// timeline: its newest packet at program DTS `newestAt`. The decoder carries on with the
/// source's next packets; the newest picture is what an instant cut shows or a hold repeats.
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
        let decoder = try Decoder(parameters: stream.parameters, timeBase: timeBase)
        var latest: Frame?
        for cached in packets {
            let packet = try cached.payload.clone()
            packet.dts = newestAt + TimestampRebaser.signedDifference(cached.dts, newestDTS)
            packet.pts = newestAt + TimestampRebaser.signedDifference(cached.pts ?? cached.dts, newestDTS)
            try decoder.send(packet)
            let frame = try Frame()
            while try decoder.receive(into: frame) {
                frame.pts = frame.pointer.pointee.best_effort_timestamp
                if frame.pts >= latest?.pts ?? .min { latest = try frame.newReference() }
                frame.unref()
            }
        }
        self.decoder = decoder
        self.latest = latest
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
