import CFFmpeg

/// An MP4 muxer (AVFormatContext for output) writing a file, with its index moved to the front
/// (`faststart`) when the trailer is written. Writing the trailer can fail, so it has an
/// explicit `close()`; deinit only frees what is left (STYLE 3).
final class MP4FileOutput {
    private let context: UnsafeMutablePointer<AVFormatContext>
    private var headerWritten = false
    private var closed = false
    let path: String

    /// Creates `path` (the caller has made sure nothing is there).
    init(path: String) throws(FFmpegError) {
        var optional: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_alloc_output_context2(&optional, nil, "mp4", path), "avformat_alloc_output_context2")
        guard let context = optional else { throw .null("avformat_alloc_output_context2") }
        let opened = avio_open(&context.pointee.pb, path, AVIO_FLAG_WRITE)
        if opened < 0 {
            avformat_free_context(context)
            throw FFmpegError(code: opened, call: "avio_open")
        }
        self.context = context
        self.path = path
    }

    deinit {
        assert(closed || !headerWritten, "MP4FileOutput.close() must be called once the header is written")
        if !closed { release() }
    }

    /// Adds a stream copying `parameters`; returns its index.
    func addStream(copying parameters: CodecParameters, timeBase: AVRational) throws(FFmpegError) -> Int32 {
        guard let stream = avformat_new_stream(context, nil) else { throw .null("avformat_new_stream") }
        try check(avcodec_parameters_copy(stream.pointee.codecpar, parameters.pointer), "avcodec_parameters_copy")
        // The TS stream's codec tag means nothing in MP4; the muxer picks its own.
        stream.pointee.codecpar.pointee.codec_tag = 0
        stream.pointee.time_base = timeBase
        return stream.pointee.index
    }

    /// Whether MP4 can carry the codec as it is.
    static func canCarry(_ parameters: CodecParameters) -> Bool {
        guard let format = av_guess_format("mp4", nil, nil) else { return false }
        return avformat_query_codec(format, parameters.codecID, FF_COMPLIANCE_NORMAL) == 1
    }

    func writeHeader() throws(FFmpegError) {
        var options: OpaquePointer?
        av_dict_set(&options, "movflags", "+faststart", 0)
        defer { av_dict_free(&options) }
        try check(avformat_write_header(context, &options), "avformat_write_header")
        headerWritten = true
    }

    /// The time base the muxer chose for a stream (known once the header is written).
    func timeBase(of stream: Int32) -> AVRational {
        context.pointee.streams[Int(stream)]?.pointee.time_base ?? AVRational(num: 1, den: 90_000)
    }

    /// Writes one packet (timestamps already in the stream's time base); the packet is consumed.
    func write(_ packet: Packet) throws(FFmpegError) {
        try check(av_interleaved_write_frame(context, packet.pointer), "av_interleaved_write_frame")
    }

    /// Writes the trailer (the index, moved to the front) and closes the file.
    func close() throws(FFmpegError) {
        guard !closed else { return }
        defer { release() }
        if headerWritten { try check(av_write_trailer(context), "av_write_trailer") }
    }

    private func release() {
        closed = true
        avio_closep(&context.pointee.pb)
        avformat_free_context(context)
    }
}
