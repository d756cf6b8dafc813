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
    /// Whether the picture holds two fields (the decoder says so for field-coded video).
    var isInterlaced: Bool { pointer.pointee.interlaced_frame != 0 }

    /// Marks the picture as two fields, top first, for an interlaced encoder.
    func markTopFieldFirst() {
        pointer.pointee.interlaced_frame = 1
        pointer.pointee.top_field_first = 1
    }

    /// The quantiser a fixed-quality encoder uses for this picture (qscale × FF_QP2LAMBDA).
    var quality: Int32 {
        get { pointer.pointee.quality }
        set { pointer.pointee.quality = newValue }
    }
}
