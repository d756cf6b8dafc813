import CFFmpeg

/// An encoder (AVCodecContext opened for encoding): the program's H.264 (libx264) or its AAC.
/// Freed in deinit.
final class Encoder {
    let context: UnsafeMutablePointer<AVCodecContext>

    private init(codecName: String, configure: (UnsafeMutablePointer<AVCodecContext>) -> Void, options: [String: String]) throws(FFmpegError) {
        guard let codec = avcodec_find_encoder_by_name(codecName) else {
            throw .null("avcodec_find_encoder_by_name", "no encoder \(codecName)")
        }
        guard let context = avcodec_alloc_context3(codec) else { throw .null("avcodec_alloc_context3") }
        self.context = context
        configure(context)
        var dictionary: OpaquePointer?
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        defer { av_dict_free(&dictionary) }
        try check(avcodec_open2(context, codec, &dictionary), "avcodec_open2(\(codecName))")
    }

    deinit {
        var doomed: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&doomed)
    }

    /// libx264 with low-latency settings for the program profile: no B-frames, no lookahead,
    /// fixed GOP, constrained bitrate. Frames are timed in 1/90000 so passthrough and encoded
    /// pictures share one timeline.
    /// `options` replaces the profile's libx264 options (the slate's encoder adds its own).
    static func h264(profile: ProgramProfile, options: [String: String]? = nil) throws(FFmpegError) -> Encoder {
        try Encoder(codecName: "libx264", configure: { context in
            context.pointee.width = Int32(profile.width)
            context.pointee.height = Int32(profile.height)
            context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
            context.pointee.time_base = AVRational(num: 1, den: 90_000)
            context.pointee.framerate = AVRational(num: Int32(profile.frameRate.numerator), den: Int32(profile.frameRate.denominator))
            if profile.scan == .interlaced {
                // Field coding, top field first (the frames say so too: `Frame.markTopFieldFirst`).
                context.pointee.flags |= Int32(AV_CODEC_FLAG_INTERLACED_DCT) | Int32(AV_CODEC_FLAG_INTERLACED_ME)
                context.pointee.field_order = AV_FIELD_TT
            }
            context.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
            context.pointee.bit_rate = Int64(profile.videoBitsPerSecond)
            context.pointee.rc_max_rate = Int64(profile.videoBitsPerSecond)
            context.pointee.rc_buffer_size = Int32(profile.videoBitsPerSecond)
            context.pointee.gop_size = Int32(profile.gopFrames)
            context.pointee.keyint_min = Int32(profile.gopFrames)
            context.pointee.max_b_frames = 0
        }, options: options ?? profile.x264Options)
    }

    /// AAC-LC at the profile's rate, stereo, planar float input.
    static func aac(profile: ProgramProfile) throws(FFmpegError) -> Encoder {
        try Encoder(codecName: "aac", configure: { context in
            context.pointee.sample_rate = Int32(profile.audioSampleRate)
            context.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
            av_channel_layout_default(&context.pointee.ch_layout, 2)
            context.pointee.bit_rate = Int64(profile.audioBitsPerSecond)
            context.pointee.time_base = AVRational(num: 1, den: Int32(profile.audioSampleRate))
        }, options: [:])
    }

    /// Baseline JPEG (mjpeg) of one size, full-range 4:2:0, at a fixed quantiser: a thumbnail
    /// is one picture, so there is no rate to control. `quality` is the JPEG qscale (2 best,
    /// 31 worst); frames sent must carry it too (`Frame.quality`).
    static func jpeg(width: Int32, height: Int32, quality: Int32) throws(FFmpegError) -> Encoder {
        try Encoder(codecName: "mjpeg", configure: { context in
            context.pointee.width = width
            context.pointee.height = height
            context.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
            context.pointee.color_range = AVCOL_RANGE_JPEG
            context.pointee.time_base = AVRational(num: 1, den: 90_000)
            context.pointee.flags |= Int32(AV_CODEC_FLAG_QSCALE)
            context.pointee.global_quality = quality * Int32(FF_QP2LAMBDA)
        }, options: [:])
    }

    /// Samples per AAC frame.
    var frameSize: Int32 { context.pointee.frame_size }

    /// Fills `parameters` with what the muxer needs to describe this stream.
    func parameters() throws(FFmpegError) -> CodecParametersBuffer {
        let buffer = try CodecParametersBuffer()
        try check(avcodec_parameters_from_context(buffer.pointer, context), "avcodec_parameters_from_context")
        return buffer
    }

    /// Sends a frame (nil: drain).
    func send(_ frame: Frame?) throws(FFmpegError) {
        let result = avcodec_send_frame(context, frame?.pointer)
        if result == cffmpeg_averror_eof() { return }
        try check(result, "avcodec_send_frame")
    }

    /// Receives the next packet; false when none is ready.
    func receive(into packet: Packet) throws(FFmpegError) -> Bool {
        let result = avcodec_receive_packet(context, packet.pointer)
        if result == cffmpeg_averror_eagain() || result == cffmpeg_averror_eof() { return false }
        try check(result, "avcodec_receive_packet")
        return true
    }
}

/// A scratch AVCodecParameters to describe an encoder to the muxer. Freed in deinit.
final class CodecParametersBuffer {
    let pointer: UnsafeMutablePointer<AVCodecParameters>

    init() throws(FFmpegError) {
        guard let parameters = avcodec_parameters_alloc() else { throw .null("avcodec_parameters_alloc") }
        pointer = parameters
    }

    deinit {
        var doomed: UnsafeMutablePointer<AVCodecParameters>? = pointer
        avcodec_parameters_free(&doomed)
    }
}
