import CFFmpeg

/// The libav side of picture health for one source, on the health thread: a keyframe decoded on
/// its own and scaled to the signature grid, and every audio packet decoded for its peak level.
/// It measures and decides nothing; `PictureHealth` decides.
final class PictureHealthProbe {
    private var video: InputStream?
    private var audio: InputStream?
    /// Open while the stream is: AAC frames overlap, so each is decoded after the one before.
    private var audioDecoder: Decoder?
    /// Kept while the stream is open and flushed after each keyframe, so each keyframe is
    /// still decoded on its own, while the decoder's picture buffers are reused (a decoder
    /// opened per keyframe allocated, and the kernel zeroed, a picture's worth of new pages).
    private var keyframeDecoder: Decoder?
    private var scaler: Scaler?
    private let picture: Frame
    private let leftover: Frame
    private let sound: Frame

    init() throws(FFmpegError) {
        picture = try Frame()
        leftover = try Frame()
        sound = try Frame()
    }

    /// A new stream: its format as the demuxer found it (nil without video).
    func open(_ streams: MediaStreams, decodeAudio: Bool) -> MediaFormat? {
        video = streams.video
        audio = decodeAudio ? streams.audio : nil
        audioDecoder = nil
        keyframeDecoder = nil
        guard let video = streams.video else { return nil }
        return Self.format(video, width: video.parameters.width, height: video.parameters.height)
    }

    func close() {
        video = nil
        audio = nil
        audioDecoder = nil
        keyframeDecoder = nil
        scaler = nil
    }

    /// Decodes a keyframe on its own (the decoder is flushed after each) and returns its
    /// signature and its format as decoded (a size change without a new stream shows here); nil
    /// when no picture came out of it.
    func keyframe(_ packet: Packet) throws(FFmpegError) -> (PictureSignature, MediaFormat)? {
        guard let video else { return nil }
        if keyframeDecoder == nil {
            keyframeDecoder = try Decoder(parameters: video.parameters, timeBase: video.timeBase, keyframesOnly: true)
        }
        guard let decoder = keyframeDecoder else { return nil }
        defer { decoder.flush() }
        try decoder.send(packet)
        try decoder.send(nil)
        guard try decoder.receive(into: picture) else { return nil }
        defer { picture.unref() }
        while try decoder.receive(into: leftover) { leftover.unref() }
        let columns = Int32(PictureSignature.columns)
        let rows = Int32(PictureSignature.rows)
        if scaler.map({ !$0.accepts(picture) }) ?? true {
            scaler = try Scaler(input: picture, outputWidth: columns, outputHeight: rows)
        }
        guard let scaler else { return nil }
        let small = try scaler.scale(picture)
        let frame = small.pointer.pointee
        guard let luma = frame.data.0 else { return nil }
        let stride = Int(frame.linesize.0)
        let signature = PictureSignature(
            luma: UnsafeBufferPointer(start: luma, count: stride * Int(rows)), width: Int(columns), height: Int(rows), stride: stride)
        return (signature, Self.format(video, width: picture.width, height: picture.height))
    }

    /// Decodes an audio packet; the peak level of each frame that came out, in dBFS.
    func audio(_ packet: Packet) throws(FFmpegError) -> [Double] {
        guard let audio else { return [] }
        if audioDecoder == nil { audioDecoder = try Decoder(parameters: audio.parameters, timeBase: audio.timeBase) }
        guard let audioDecoder else { return [] }
        try audioDecoder.send(packet)
        var levels: [Double] = []
        while try audioDecoder.receive(into: sound) {
            defer { sound.unref() }
            if let level = Self.peak(of: sound) { levels.append(level) }
        }
        return levels
    }

    /// The peak over all channels of a decoded frame; nil for a sample format not read here
    /// (every decoder relayd meets gives float or 16-bit samples).
    private static func peak(of frame: Frame) -> Double? {
        let pointee = frame.pointer.pointee
        let samples = Int(pointee.nb_samples)
        let channels = Int(pointee.ch_layout.nb_channels)
        guard samples > 0, channels > 0 else { return nil }
        let planes = withUnsafeBytes(of: pointee.data) { Array($0.bindMemory(to: UnsafeMutablePointer<UInt8>?.self)) }
        var peak = -Double.infinity
        func each(planar: Bool, _ level: (UnsafeMutablePointer<UInt8>, Int) -> Double) -> Bool {
            for plane in 0..<(planar ? min(channels, planes.count) : 1) {
                guard let data = planes[plane] else { return false }
                peak = max(peak, level(data, planar ? samples : samples * channels))
            }
            return true
        }
        let read: Bool
        switch AVSampleFormat(rawValue: pointee.format) {
        case AV_SAMPLE_FMT_FLTP, AV_SAMPLE_FMT_FLT:
            read = each(planar: pointee.format == AV_SAMPLE_FMT_FLTP.rawValue) { data, count in
                data.withMemoryRebound(to: Float.self, capacity: count) { AudioLevel.peak(floats: UnsafeBufferPointer(start: $0, count: count)) }
            }
        case AV_SAMPLE_FMT_S16P, AV_SAMPLE_FMT_S16:
            read = each(planar: pointee.format == AV_SAMPLE_FMT_S16P.rawValue) { data, count in
                data.withMemoryRebound(to: Int16.self, capacity: count) { AudioLevel.peak(int16s: UnsafeBufferPointer(start: $0, count: count)) }
            }
        default:
            return nil
        }
        return read ? peak : nil
    }

    private static func format(_ stream: InputStream, width: Int32, height: Int32) -> MediaFormat {
        let rate = stream.frameRate
        return MediaFormat(
            codec: String(cString: avcodec_get_name(stream.parameters.codecID)), width: Int(width), height: Int(height),
            frameRate: rate.num > 0 && rate.den > 0 ? (rate.den == 1 ? "\(rate.num)" : "\(rate.num)/\(rate.den)") : nil)
    }
}
