import CFFmpeg

/// Converts decoded audio of any layout, format and rate to the program's planar-float stereo
/// at the profile rate (SwrContext). Freed in deinit.
final class Resampler {
    private var context: OpaquePointer
    let inputRate: Int32
    let inputFormat: Int32
    let inputChannels: Int32
    let outputRate: Int32

    init(from frame: Frame, outputRate: Int32) throws(FFmpegError) {
        var output = AVChannelLayout()
        av_channel_layout_default(&output, 2)
        defer { av_channel_layout_uninit(&output) }
        var optional: OpaquePointer?
        let input = frame.pointer
        try check(swr_alloc_set_opts2(
            &optional, &output, AV_SAMPLE_FMT_FLTP, outputRate,
            &input.pointee.ch_layout, AVSampleFormat(rawValue: input.pointee.format), input.pointee.sample_rate, 0, nil), "swr_alloc_set_opts2")
        guard let context = optional else { throw .null("swr_alloc_set_opts2") }
        let initialised = swr_init(context)
        if initialised < 0 {
            var doomed: OpaquePointer? = context
            swr_free(&doomed)
            throw FFmpegError(code: initialised, call: "swr_init")
        }
        self.context = context
        inputRate = input.pointee.sample_rate
        inputFormat = input.pointee.format
        inputChannels = input.pointee.ch_layout.nb_channels
        self.outputRate = outputRate
    }

    deinit {
        var doomed: OpaquePointer? = context
        swr_free(&doomed)
    }

    /// Whether a frame has the format this resampler was built for.
    func accepts(_ frame: Frame) -> Bool {
        let f = frame.pointer.pointee
        return f.sample_rate == inputRate && f.format == inputFormat && f.ch_layout.nb_channels == inputChannels
    }

    /// Converts `frame`: one array of samples per output channel.
    func convert(_ frame: Frame) throws(FFmpegError) -> [[Float]] {
        let input = frame.pointer
        let capacity = swr_get_out_samples(context, input.pointee.nb_samples)
        guard capacity > 0 else { return [[], []] }
        var left = [Float](repeating: 0, count: Int(capacity))
        var right = [Float](repeating: 0, count: Int(capacity))
        let converted = left.withUnsafeMutableBufferPointer { leftBuffer in
            right.withUnsafeMutableBufferPointer { rightBuffer in
                var out: [UnsafeMutablePointer<UInt8>?] = [
                    UnsafeMutableRawPointer(leftBuffer.baseAddress!).assumingMemoryBound(to: UInt8.self),
                    UnsafeMutableRawPointer(rightBuffer.baseAddress!).assumingMemoryBound(to: UInt8.self),
                ]
                return withUnsafeMutablePointer(to: &input.pointee.data) { inData in
                    inData.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { inp in
                        swr_convert(context, &out, capacity, inp, input.pointee.nb_samples)
                    }
                }
            }
        }
        try check(converted, "swr_convert")
        let count = Int(converted)
        return [Array(left.prefix(count)), Array(right.prefix(count))]
    }
}

/// Planar-float stereo samples as a frame for the encoder.
extension Frame {
    static func audio(_ channels: [[Float]], sampleRate: Int32) throws(FFmpegError) -> Frame {
        let frame = try Frame()
        frame.pointer.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
        frame.pointer.pointee.sample_rate = sampleRate
        av_channel_layout_default(&frame.pointer.pointee.ch_layout, 2)
        frame.pointer.pointee.nb_samples = Int32(channels[0].count)
        try check(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer")
        for (index, samples) in channels.enumerated() where !samples.isEmpty {
            guard let plane = frame.pointer.pointee.extended_data[index] else { continue }
            samples.withUnsafeBytes { plane.update(from: $0.bindMemory(to: UInt8.self).baseAddress!, count: $0.count) }
        }
        return frame
    }
}
