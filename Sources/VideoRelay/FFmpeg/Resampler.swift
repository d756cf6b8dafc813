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

    /// Converts `frame` and appends the result to `fifo`.
    func convert(_ frame: Frame, into fifo: AudioFIFO) throws(FFmpegError) {
        let input = frame.pointer
        let capacity = swr_get_out_samples(context, input.pointee.nb_samples)
        guard capacity > 0 else { return }
        let scratch = try Frame()
        scratch.pointer.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
        scratch.pointer.pointee.sample_rate = outputRate
        av_channel_layout_default(&scratch.pointer.pointee.ch_layout, 2)
        scratch.pointer.pointee.nb_samples = capacity
        try check(av_frame_get_buffer(scratch.pointer, 0), "av_frame_get_buffer")
        let converted = withUnsafeMutablePointer(to: &scratch.pointer.pointee.data) { outData in
            withUnsafeMutablePointer(to: &input.pointee.data) { inData in
                outData.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { out in
                    inData.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { inp in
                        swr_convert(context, out, capacity, inp, input.pointee.nb_samples)
                    }
                }
            }
        }
        try check(converted, "swr_convert")
        scratch.pointer.pointee.nb_samples = converted
        try fifo.write(scratch)
    }
}

/// Decoded program audio waiting to be cut into AAC frames (AVAudioFifo). Freed in deinit.
final class AudioFIFO {
    private let fifo: OpaquePointer

    init(capacity: Int32) throws(FFmpegError) {
        guard let fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, 2, capacity) else { throw .null("av_audio_fifo_alloc") }
        self.fifo = fifo
    }

    deinit { av_audio_fifo_free(fifo) }

    var count: Int32 { av_audio_fifo_size(fifo) }

    func write(_ frame: Frame) throws(FFmpegError) {
        let samples = frame.pointer.pointee.nb_samples
        guard samples > 0 else { return }
        let written = withUnsafeMutablePointer(to: &frame.pointer.pointee.data) { data in
            data.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: 8) { av_audio_fifo_write(fifo, $0, samples) }
        }
        try check(written, "av_audio_fifo_write")
    }

    /// Reads `count` samples into a new frame; what the FIFO lacks is silence.
    func read(_ count: Int32, sampleRate: Int32) throws(FFmpegError) -> Frame {
        let frame = try Frame()
        frame.pointer.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
        frame.pointer.pointee.sample_rate = sampleRate
        av_channel_layout_default(&frame.pointer.pointee.ch_layout, 2)
        frame.pointer.pointee.nb_samples = count
        try check(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer")
        let available = min(count, self.count)
        let read = withUnsafeMutablePointer(to: &frame.pointer.pointee.data) { data in
            data.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: 8) { av_audio_fifo_read(fifo, $0, available) }
        }
        try check(read, "av_audio_fifo_read")
        if read < count {
            try check(av_samples_set_silence(
                frame.pointer.pointee.extended_data, read, count - read, 2, AV_SAMPLE_FMT_FLTP), "av_samples_set_silence")
        }
        return frame
    }

    /// Drops the oldest samples beyond `keep`.
    func trim(keeping keep: Int32) {
        let excess = count - keep
        if excess > 0 { av_audio_fifo_drain(fifo, excess) }
    }
}
