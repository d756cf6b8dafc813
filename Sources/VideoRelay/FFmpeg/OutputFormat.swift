import CFFmpeg

/// Receives the muxer's bytes as they are written.
protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer)
}

/// An MPEG-TS muxer (AVFormatContext for output) writing through a custom AVIO write callback.
/// Its teardown writes the trailer and can fail, so it has an explicit `close()`; deinit only
/// frees what is left and asserts that close happened (STYLE 3).
final class OutputFormat {
    private let context: UnsafeMutablePointer<AVFormatContext>
    private let io: UnsafeMutablePointer<AVIOContext>
    private let sinkBox: ByteSinkBox
    private var headerWritten = false
    private var closed = false

    /// - Parameter serviceName: the MPEG-TS service name receivers show.
    init(writingTo sink: ByteSink, serviceName: String) throws(FFmpegError) {
        var optional: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_alloc_output_context2(&optional, nil, "mpegts", nil), "avformat_alloc_output_context2")
        guard let context = optional else { throw .null("avformat_alloc_output_context2") }
        let box = ByteSinkBox(sink)
        // 7 TS packets: one SRT payload's worth per callback.
        let size: Int32 = 1316
        guard let buffer = av_malloc(Int(size)) else {
            avformat_free_context(context)
            throw .null("av_malloc")
        }
        guard let io = avio_alloc_context(
            buffer.assumingMemoryBound(to: UInt8.self), size, 1, Unmanaged.passUnretained(box).toOpaque(), nil,
            { opaque, buffer, size in
                guard let opaque, let buffer, size > 0 else { return 0 }
                let box = Unmanaged<ByteSinkBox>.fromOpaque(opaque).takeUnretainedValue()
                box.sink.write(UnsafeRawBufferPointer(start: buffer, count: Int(size)))
                return size
            }, nil)
        else {
            av_free(buffer)
            avformat_free_context(context)
            throw .null("avio_alloc_context")
        }
        context.pointee.pb = io
        context.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        av_dict_set(&context.pointee.metadata, "service_name", serviceName, 0)
        av_dict_set(&context.pointee.metadata, "service_provider", "relayd", 0)
        self.context = context
        self.io = io
        self.sinkBox = box
    }

    deinit {
        assert(closed || !headerWritten, "OutputFormat.close() must be called once the header is written")
        if !closed { release() }
    }

    /// Adds a stream described by `parameters` (copied) with the given time base; returns its
    /// index.
    func addStream(parameters: UnsafePointer<AVCodecParameters>, timeBase: AVRational) throws(FFmpegError) -> Int32 {
        guard let stream = avformat_new_stream(context, nil) else { throw .null("avformat_new_stream") }
        try check(avcodec_parameters_copy(stream.pointee.codecpar, parameters), "avcodec_parameters_copy")
        stream.pointee.codecpar.pointee.codec_tag = 0
        stream.pointee.time_base = timeBase
        return stream.pointee.index
    }

    /// Writes the header (PAT/PMT setup). Options are mpegts muxer options.
    func writeHeader(options: [String: String] = [:]) throws(FFmpegError) {
        var dictionary: OpaquePointer?
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        defer { av_dict_free(&dictionary) }
        try check(avformat_write_header(context, &dictionary), "avformat_write_header")
        headerWritten = true
    }

    /// Writes one packet as given (the caller keeps DTS monotonic per stream); the packet is
    /// consumed.
    func write(_ packet: Packet) throws(FFmpegError) {
        try check(av_write_frame(context, packet.pointer), "av_write_frame")
    }

    /// Pushes out whatever the AVIO buffer holds, so a frame's last TS packets leave now.
    func flush() {
        avio_flush(io)
    }

    /// Writes the trailer and frees the muxer.
    func close() throws(FFmpegError) {
        guard !closed else { return }
        defer { release() }
        if headerWritten {
            try check(av_write_trailer(context), "av_write_trailer")
            avio_flush(io)
        }
    }

    private func release() {
        closed = true
        var pb: UnsafeMutablePointer<AVIOContext>? = io
        av_freep(&io.pointee.buffer)
        avio_context_free(&pb)
        context.pointee.pb = nil
        avformat_free_context(context)
    }
}

private final class ByteSinkBox {
    let sink: ByteSink
    init(_ sink: ByteSink) { self.sink = sink }
}
