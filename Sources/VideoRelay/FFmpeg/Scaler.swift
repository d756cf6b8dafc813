import CFFmpeg

/// A swscale context that turns decoded pictures of one size and pixel format into full-range
/// 4:2:0 pictures of another size (what the JPEG encoder takes). Freed in deinit.
final class Scaler {
    private let context: OpaquePointer
    let inputWidth: Int32
    let inputHeight: Int32
    let inputFormat: Int32
    let outputWidth: Int32
    let outputHeight: Int32

    /// A context for pictures like `input`. Limited-range input (most H.264) is expanded to the
    /// full range JPEG uses, so colours do not come out washed.
    init(input: Frame, outputWidth: Int32, outputHeight: Int32) throws(FFmpegError) {
        inputWidth = input.width
        inputHeight = input.height
        inputFormat = input.format
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
        // Output as plain yuv420p with the range set below: asking for yuvj420p works too but
        // makes swscale warn about a deprecated format on every new context.
        guard let context = sws_getContext(
            input.width, input.height, AVPixelFormat(rawValue: input.format), outputWidth, outputHeight,
            AV_PIX_FMT_YUV420P, Int32(SWS_BILINEAR), nil, nil, nil)
        else { throw .null("sws_getContext", "cannot scale \(input.width)x\(input.height) format \(input.format)") }
        self.context = context
        let inputIsFullRange = input.pointer.pointee.color_range == AVCOL_RANGE_JPEG
            || [AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P].map { Int32($0.rawValue) }.contains(input.format)
        var inverseTable: UnsafeMutablePointer<Int32>?
        var table: UnsafeMutablePointer<Int32>?
        var sourceRange: Int32 = 0
        var destinationRange: Int32 = 0
        var brightness: Int32 = 0
        var contrast: Int32 = 0
        var saturation: Int32 = 0
        if sws_getColorspaceDetails(context, &inverseTable, &sourceRange, &table, &destinationRange, &brightness, &contrast, &saturation) >= 0 {
            sws_setColorspaceDetails(context, inverseTable, inputIsFullRange ? 1 : 0, table, 1, brightness, contrast, saturation)
        }
    }

    deinit {
        sws_freeContext(context)
    }

    /// Whether this context was made for pictures like `frame`.
    func accepts(_ frame: Frame) -> Bool {
        frame.width == inputWidth && frame.height == inputHeight && frame.format == inputFormat
    }

    /// Scales `input` into a new full-range 4:2:0 frame (labelled yuvj420p for the JPEG encoder).
    func scale(_ input: Frame) throws(FFmpegError) -> Frame {
        let output = try Frame()
        output.pointer.pointee.width = outputWidth
        output.pointer.pointee.height = outputHeight
        output.pointer.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        try check(av_frame_get_buffer(output.pointer, 0), "av_frame_get_buffer")
        let source = input.pointer
        let destination = output.pointer
        let rows = withUnsafeMutablePointer(to: &source.pointee.data) { sourcePlanes in
            withUnsafeMutablePointer(to: &source.pointee.linesize) { sourceStrides in
                withUnsafeMutablePointer(to: &destination.pointee.data) { destinationPlanes in
                    withUnsafeMutablePointer(to: &destination.pointee.linesize) { destinationStrides in
                        sws_scale(
                            context,
                            UnsafeRawPointer(sourcePlanes).assumingMemoryBound(to: UnsafePointer<UInt8>?.self),
                            UnsafeRawPointer(sourceStrides).assumingMemoryBound(to: Int32.self), 0, inputHeight,
                            UnsafeRawPointer(destinationPlanes).assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self),
                            UnsafeRawPointer(destinationStrides).assumingMemoryBound(to: Int32.self))
                    }
                }
            }
        }
        try check(rows, "sws_scale")
        // Same memory layout; the J format is how the mjpeg encoder is told the range is full.
        destination.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        destination.pointee.color_range = AVCOL_RANGE_JPEG
        return output
    }
}
