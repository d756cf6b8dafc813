import CFFmpeg

/// Turns one keyframe packet into a JPEG: decode it alone, scale to at most `maxWidth` pixels
/// wide keeping the picture's shape, encode with mjpeg. Lives on one thumbnail thread; the
/// scaler and encoder are kept while the picture size stays the same.
final class ThumbnailRenderer {
    struct Picture {
        var jpeg: [UInt8]
        var width: Int
        var height: Int
    }

    let maxWidth: Int32
    /// JPEG qscale: 5 keeps captions legible at 320 px for about 10 KB.
    let quality: Int32
    private var scaler: Scaler?
    private var encoder: Encoder?
    private let decoded: Frame
    private let leftover: Frame
    private let encoded: Packet
    private var pictures: Int64 = 0

    init(maxWidth: Int32 = 320, quality: Int32 = 5) throws(FFmpegError) {
        self.maxWidth = maxWidth
        self.quality = quality
        decoded = try Frame()
        leftover = try Frame()
        encoded = try Packet()
    }

    /// Decodes `packet` (a keyframe) on its own and returns its JPEG; nil when the decoder made
    /// no picture of it (a damaged keyframe).
    func render(_ packet: Packet, with decoder: Decoder) throws(FFmpegError) -> Picture? {
        // Drain right after the keyframe so its picture comes out now rather than when the
        // next packet pushes it out, then flush so the decoder takes the next keyframe.
        defer { decoder.flush() }
        try decoder.send(packet)
        try decoder.send(nil)
        guard try decoder.receive(into: decoded) else { return nil }
        defer { decoded.unref() }
        while try decoder.receive(into: leftover) { leftover.unref() }
        let (width, height) = outputSize(of: decoded)
        if let scaler, scaler.accepts(decoded), scaler.outputWidth == width, scaler.outputHeight == height {} else {
            scaler = try Scaler(input: decoded, outputWidth: width, outputHeight: height)
        }
        if encoder?.context.pointee.width != width || encoder?.context.pointee.height != height {
            encoder = try Encoder.jpeg(width: width, height: height, quality: quality)
        }
        guard let scaler, let encoder else { return nil }
        let scaled = try scaler.scale(decoded)
        scaled.quality = quality * Int32(FF_QP2LAMBDA)
        scaled.pts = pictures
        pictures += 1
        try encoder.send(scaled)
        guard try encoder.receive(into: encoded) else { return nil }
        defer { encoded.unref() }
        return Picture(jpeg: encoded.bytes, width: Int(width), height: Int(height))
    }

    /// At most `maxWidth` wide, the picture's display shape (its sample aspect ratio applied),
    /// even dimensions for 4:2:0.
    private func outputSize(of frame: Frame) -> (Int32, Int32) {
        let aspect = frame.pointer.pointee.sample_aspect_ratio
        var displayWidth = Double(frame.width)
        if aspect.num > 0 && aspect.den > 0 { displayWidth *= Double(aspect.num) / Double(aspect.den) }
        let width = min(Double(maxWidth), displayWidth)
        let height = Double(frame.height) * width / max(displayWidth, 1)
        let even = { (value: Double) in max(2, Int32(value / 2) * 2) }
        return (even(width), even(height))
    }
}
