import CFFmpeg

/// One demuxed packet of a resource, in its stream's own time base (90 kHz for MPEG-TS).
struct MediaPacket: @unchecked Sendable {
    // @unchecked: `Packet` is a class; each subscriber of a demux gets its own reference (its
    // own timestamps over the shared, read-only payload), so the receiver may change it freely.
    enum Kind: Sendable { case video, audio }
    var kind: Kind
    var packet: Packet
    /// When the packet's first byte reached the relay (nil when no longer known).
    var arrivedAt: ContinuousClock.Instant? = nil
    /// A video packet that starts a picture decodable on its own.
    var isKeyframe: Bool { kind == .video && packet.isKeyframe }
}

/// What a demuxer found in a resource's stream: its first video and first audio stream.
struct MediaStreams: Sendable {
    var video: InputStream?
    var audio: InputStream?
}

extension MediaStreams {
    /// The video's format as the profile compares it (nil without video).
    var videoFormat: VideoFormat? {
        guard let video else { return nil }
        let rate = video.frameRate
        let fieldOrder = video.parameters.pointer.pointee.field_order
        return VideoFormat(
            isH264: video.parameters.codecID == AV_CODEC_ID_H264,
            width: Int(video.parameters.width), height: Int(video.parameters.height),
            frameRate: rate.den > 0 && rate.num > 0 ? FrameRate(Int(rate.num), Int(rate.den)) : nil,
            interlaced: fieldOrder != AV_FIELD_PROGRESSIVE && fieldOrder != AV_FIELD_UNKNOWN,
            bottomFieldFirst: fieldOrder == AV_FIELD_BB || fieldOrder == AV_FIELD_BT)
    }
}
