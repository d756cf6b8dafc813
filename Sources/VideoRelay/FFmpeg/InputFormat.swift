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

    /// Opens a file (the slate clip, test media).
    convenience init(path: String) throws(FFmpegError) {
        try self.init(path: path, byteSource: nil, probeMicroseconds: 5_000_000)
    }

    /// Opens MPEG-TS read through `source`. Probing is short (`probeMicroseconds`) so a live
    /// source is usable soon after its first bytes.
    ///
    /// `live`: each picture is released as soon as its PES is complete, taking one PES as one
    /// picture (as live encoders and muxers send them), instead of once the next picture's first
    /// bytes have been read: a frame less delay at every relay a picture passes. What was read
    /// while probing is not released (the picture being framed then is lost); the stream starts
    /// after it, and its readers wait for a keyframe anyway.
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
        if live { Self.takeEachPESAsOnePicture(context) }
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
    }

    deinit {
        var doomed: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&doomed)
        Self.freeIO(io)
    }

    /// The video parsers (created while probing) take each PES they are given as a whole
    /// picture instead of waiting for the next picture's start to find where it ends.
    private static func takeEachPESAsOnePicture(_ context: UnsafeMutablePointer<AVFormatContext>) {
        for index in 0..<Int(context.pointee.nb_streams) {
            guard let stream = context.pointee.streams[index], stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO,
                let parser = av_stream_get_parser(stream)
            else { continue }
            parser.pointee.flags |= PARSER_FLAG_COMPLETE_FRAMES
        }
    }

    private static func freeIO(_ io: UnsafeMutablePointer<AVIOContext>?) {
        guard let io else { return }
        // The buffer may have been replaced by libavformat; free whatever it holds now.
        av_freep(&io.pointee.buffer)
        var doomed: UnsafeMutablePointer<AVIOContext>? = io
        avio_context_free(&doomed)
    }

    /// The next packet, or nil at the end of the stream.
    func readPacket() throws(FFmpegError) -> Packet? {
        let packet = try Packet()
        let result = av_read_frame(context, packet.pointer)
        if result == cffmpeg_averror_eof() { return nil }
        try check(result, "av_read_frame")
        return packet
    }
}

/// Keeps the byte source alive for as long as the AVIO context may call it.
private final class ByteSourceBox {
    let source: ByteSource
    init(_ source: ByteSource) { self.source = source }
}
