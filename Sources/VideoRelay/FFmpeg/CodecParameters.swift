import CFFmpeg

/// An owned copy of a stream's AVCodecParameters, so a stream's description outlives the
/// demuxer that found it. Immutable after init.
final class CodecParameters: @unchecked Sendable {
    // @unchecked: written only in init (a copy), read-only afterwards.
    let pointer: UnsafeMutablePointer<AVCodecParameters>

    init(copying source: UnsafePointer<AVCodecParameters>) throws(FFmpegError) {
        guard let parameters = avcodec_parameters_alloc() else { throw .null("avcodec_parameters_alloc") }
        pointer = parameters
        do {
            try check(avcodec_parameters_copy(parameters, source), "avcodec_parameters_copy")
        } catch {
            var doomed: UnsafeMutablePointer<AVCodecParameters>? = parameters
            avcodec_parameters_free(&doomed)
            throw error
        }
    }

    deinit {
        var parameters: UnsafeMutablePointer<AVCodecParameters>? = pointer
        avcodec_parameters_free(&parameters)
    }

    var mediaType: AVMediaType { pointer.pointee.codec_type }
    var codecID: AVCodecID { pointer.pointee.codec_id }
    var width: Int32 { pointer.pointee.width }
    var height: Int32 { pointer.pointee.height }
    var videoDelay: Int32 { pointer.pointee.video_delay }
}
