import CFFmpeg

/// Where a demuxer's bytes come from: a blocking read that returns the number of bytes copied,
/// or a negative AVERROR (AVERROR_EOF when the stream is over).
protocol ByteSource: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int32
}

/// One demuxed elementary stream: what it carries and its time base.
struct InputStream: Sendable {
    var index: Int32
    var parameters: CodecParameters
    var timeBase: AVRational
    /// The stream's frame rate as libavformat guessed it (video), 0/1 when unknown.
    var frameRate: AVRational
}

/// A demuxer (AVFormatContext for input). Reads MPEG-TS either from a file or from a custom
/// AVIO read callback over a `ByteSource` (a source's SRT payloads). Input teardown cannot fail
/// and does not block, so it happens in deinit.
final class InputFormat {
    private var context: UnsafeMutablePointer<AVFormatContext>
    /// Our AVIO context when reading through a callback; nil for files.
    private var io: UnsafeMutablePointer<AVIOContext>?
    /// Retained for the callback's opaque pointer.
    private let byteSource: ByteSourceBox?
    /// The streams found when opening.
    let streams: [InputStream]
    /// H.264 streams whose parser takes each PES as one picture (`live`).
    private var wholePESStreams: Set<Int32> = []
    /// Streams whose video is dropped up to a keyframe, after their parser changed how it frames
    /// pictures; true once the parser's first picture since (which may hold the end of an
    /// earlier one) went.
    private var resyncing: [Int32: Bool] = [:]
    /// Times a live stream turned out to split pictures over several PES and went back to
    /// framing pictures by their content.
    private(set) var framingFallbacks = 0

    /// Opens a file (the slate clip, test media).
    convenience init(path: String) throws(FFmpegError) {
        try self.init(path: path, byteSource: nil, probeMicroseconds: 5_000_000)
    }

    /// Opens MPEG-TS read through `source`. Probing is short (`probeMicroseconds`) so a live
    /// source is usable soon after its first bytes.
    ///
    /// `live`: each H.264 picture is released as soon as its PES is complete, taking one PES as
    /// one picture (as live encoders and muxers send them), instead of once the next picture's
    /// first bytes have been read: a frame less delay at every relay a picture passes. What was
    /// read while probing is not released, and the video starts at the next keyframe (readers
    /// wait for one anyway). A source that splits its
    /// pictures over several PES is framed by content again from its first split picture on.
    convenience init(reading source: ByteSource, probeMicroseconds: Int64 = 700_000, live: Bool = false) throws(FFmpegError) {
        try self.init(path: nil, byteSource: source, probeMicroseconds: probeMicroseconds, live: live)
    }

    private init(path: String?, byteSource: ByteSource?, probeMicroseconds: Int64, live: Bool = false) throws(FFmpegError) {
        guard var context = avformat_alloc_context() else { throw .null("avformat_alloc_context") }
        var box: ByteSourceBox?
        var io: UnsafeMutablePointer<AVIOContext>?
        if let byteSource {
            let holder = ByteSourceBox(byteSource)
            let size: Int32 = 188 * 64
            guard let buffer = av_malloc(Int(size)) else {
                avformat_free_context(context)
                throw .null("av_malloc")
            }
            guard let created = avio_alloc_context(
                buffer.assumingMemoryBound(to: UInt8.self), size, 0, Unmanaged.passUnretained(holder).toOpaque(),
                { opaque, buffer, size in
                    guard let opaque, let buffer else { return cffmpeg_averror(EINVAL) }
                    let holder = Unmanaged<ByteSourceBox>.fromOpaque(opaque).takeUnretainedValue()
                    return holder.source.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: Int(size)))
                }, nil, nil)
            else {
                av_free(buffer)
                avformat_free_context(context)
                throw .null("avio_alloc_context")
            }
            context.pointee.pb = created
            context.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
            box = holder
            io = created
        }
        if live { context.pointee.flags |= AVFMT_FLAG_NOBUFFER }
        context.pointee.probesize = 1_000_000
        context.pointee.max_analyze_duration = probeMicroseconds
        var optional: UnsafeMutablePointer<AVFormatContext>? = context
        let format = av_find_input_format("mpegts")
        let opened = avformat_open_input(&optional, path, format, nil)
        guard opened >= 0, let openedContext = optional else {
            // avformat_open_input frees the context on failure, never a custom AVIO.
            Self.freeIO(io)
            throw FFmpegError(code: opened, call: "avformat_open_input")
        }
        context = openedContext
        let found = avformat_find_stream_info(context, nil)
        if found < 0 {
            var doomed: UnsafeMutablePointer<AVFormatContext>? = context
            avformat_close_input(&doomed)
            Self.freeIO(io)
            throw FFmpegError(code: found, call: "avformat_find_stream_info")
        }
        let wholePESStreams = live ? Self.takeEachPESAsOnePicture(context) : []
        var streams: [InputStream] = []
        do {
            for index in 0..<Int(context.pointee.nb_streams) {
                guard let stream = context.pointee.streams[index], let parameters = stream.pointee.codecpar else { continue }
                streams.append(InputStream(
                    index: Int32(index), parameters: try CodecParameters(copying: parameters),
                    timeBase: stream.pointee.time_base, frameRate: stream.pointee.avg_frame_rate))
            }
        } catch {
            var doomed: UnsafeMutablePointer<AVFormatContext>? = context
            avformat_close_input(&doomed)
            Self.freeIO(io)
            throw error
        }
        self.context = context
        self.io = io
        self.byteSource = box
        self.streams = streams
        self.wholePESStreams = wholePESStreams
        // The parser's first picture after the switch may hold the one it was framing too.
        for index in wholePESStreams { resyncing[index] = false }
    }

    deinit {
        var doomed: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&doomed)
        Self.freeIO(io)
    }

    /// The H.264 parsers (created while probing) take each PES they are given as a whole
    /// picture instead of waiting for the next picture's start to find where it ends. Returns
    /// the streams that do.
    private static func takeEachPESAsOnePicture(_ context: UnsafeMutablePointer<AVFormatContext>) -> Set<Int32> {
        var streams: Set<Int32> = []
        for index in 0..<Int(context.pointee.nb_streams) {
            guard let stream = context.pointee.streams[index], stream.pointee.codecpar.pointee.codec_id == AV_CODEC_ID_H264,
                let parser = av_stream_get_parser(stream)
            else { continue }
            parser.pointee.flags |= PARSER_FLAG_COMPLETE_FRAMES
            streams.insert(Int32(index))
        }
        return streams
    }

    /// The stream splits pictures over PES: its parser frames pictures by their content again.
    private func frameByContent(_ index: Int32) {
        wholePESStreams.remove(index)
        framingFallbacks += 1
        if let stream = context.pointee.streams[Int(index)], let parser = av_stream_get_parser(stream) {
            parser.pointee.flags &= ~PARSER_FLAG_COMPLETE_FRAMES
        }
        resyncing[index] = false
    }

    private static func freeIO(_ io: UnsafeMutablePointer<AVIOContext>?) {
        guard let io else { return }
        // The buffer may have been replaced by libavformat; free whatever it holds now.
        av_freep(&io.pointee.buffer)
        var doomed: UnsafeMutablePointer<AVIOContext>? = io
        avio_context_free(&doomed)
    }

    /// The next packet, or nil at the end of the stream. A live H.264 packet that is not a
    /// whole picture is the first sign that the source splits pictures over PES: it and the
    /// stream's video up to its next keyframe are dropped, and the stream is framed by content.
    /// The packet owns a buffer of its own size (`Packet.compact`).
    func readPacket() throws(FFmpegError) -> Packet? {
        while true {
            let packet = try Packet()
            let result = av_read_frame(context, packet.pointer)
            if result == cffmpeg_averror_eof() { return nil }
            try check(result, "av_read_frame")
            let index = packet.streamIndex
            if wholePESStreams.contains(index), !packet.withBytes(AnnexBPicture.isWhole) {
                frameByContent(index)
                continue
            }
            if let framerStarted = resyncing[index] {
                if !framerStarted {
                    resyncing[index] = true
                    continue
                }
                guard packet.isKeyframe else { continue }
                resyncing[index] = nil
            }
            try packet.compact()
            return packet
        }
    }
}

/// Keeps the byte source alive for as long as the AVIO context may call it.
private final class ByteSourceBox {
    let source: ByteSource
    init(_ source: ByteSource) { self.source = source }
}
