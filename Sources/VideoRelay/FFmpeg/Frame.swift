import CFFmpeg

/// An owned AVFrame. Freed in deinit.
final class Frame {
    let pointer: UnsafeMutablePointer<AVFrame>

    init() throws(FFmpegError) {
        guard let frame = av_frame_alloc() else { throw .null("av_frame_alloc") }
        pointer = frame
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
    }

    var pts: Int64 {
        get { pointer.pointee.pts }
        set { pointer.pointee.pts = newValue }
    }

    func unref() { av_frame_unref(pointer) }

    /// A new reference to this picture, kept beyond this frame's reuse.
    func newReference() throws(FFmpegError) -> Frame {
        let kept = try Frame()
        try check(av_frame_ref(kept.pointer, pointer), "av_frame_ref")
        return kept
    }

    var width: Int32 { pointer.pointee.width }
    var height: Int32 { pointer.pointee.height }
    /// The AVPixelFormat (video) as libav stores it.
    var format: Int32 { pointer.pointee.format }
    /// The quantiser a fixed-quality encoder uses for this picture (qscale × FF_QP2LAMBDA).
    var quality: Int32 {
        get { pointer.pointee.quality }
        set { pointer.pointee.quality = newValue }
    }
}
