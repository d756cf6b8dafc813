import CFFmpeg
import CPictureMemory

/// A decoder (AVCodecContext opened for decoding) for one demuxed stream. Freed in deinit.
/// A video decoder's pictures are in `PictureMemory`.
final class Decoder {
    let context: UnsafeMutablePointer<AVCodecContext>

    /// Opens the decoder for a stream; packets sent to it carry timestamps in `timeBase`.
    /// - Parameter keyframesOnly: discard every picture but keyframes (skip_frame NONKEY), for
    ///   thumbnails, where decoding the rest would only cost CPU.
    init(parameters: CodecParameters, timeBase: AVRational, keyframesOnly: Bool = false) throws(FFmpegError) {
        guard let codec = avcodec_find_decoder(parameters.codecID) else {
            throw .null("avcodec_find_decoder", "no decoder for codec id \(parameters.codecID.rawValue)")
        }
        guard let context = avcodec_alloc_context3(codec) else { throw .null("avcodec_alloc_context3") }
        self.context = context
        if codec.pointee.type == AVMEDIA_TYPE_VIDEO { try check(picture_memory_attach(context), "picture_memory_attach") }
        try check(avcodec_parameters_to_context(context, parameters.pointer), "avcodec_parameters_to_context")
        context.pointee.pkt_timebase = timeBase
        // One thread: decoding here is a side job next to x264, and frame threads add delay.
        context.pointee.thread_count = 1
        if keyframesOnly { context.pointee.skip_frame = AVDISCARD_NONKEY }
        try check(avcodec_open2(context, codec, nil), "avcodec_open2(decoder)")
    }

    deinit {
        let pictures = context.pointee.opaque
        var doomed: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&doomed)
        picture_memory_release(pictures)
    }

    /// Sends a packet (nil: drain). Returns false when the decoder is full (EAGAIN) and frames
    /// must be received first.
    @discardableResult
    func send(_ packet: Packet?) throws(FFmpegError) -> Bool {
        let result = avcodec_send_packet(context, packet?.pointer)
        if result == cffmpeg_averror_eagain() || result == cffmpeg_averror_eof() { return false }
        try check(result, "avcodec_send_packet")
        return true
    }

    /// Receives the next decoded frame into `frame`; false when none is ready.
    func receive(into frame: Frame) throws(FFmpegError) -> Bool {
        let result = avcodec_receive_frame(context, frame.pointer)
        if result == cffmpeg_averror_eagain() || result == cffmpeg_averror_eof() { return false }
        try check(result, "avcodec_receive_frame")
        return true
    }

    /// Forgets every buffered packet and frame and leaves draining mode, so the decoder takes
    /// packets again after a drain.
    func flush() { avcodec_flush_buffers(context) }
}
