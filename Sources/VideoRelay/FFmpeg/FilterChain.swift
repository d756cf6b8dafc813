import CFFmpeg

/// A straight filter chain between a `buffer` source and a `buffersink`, each filter's options
/// set with av_opt_set, so values (drawtext text with `%{localtime}`, a font name with spaces)
/// need no filtergraph escaping. Freed in deinit.
final class FilterChain {
    /// One filter of the chain: its name and options in the order they are set; `name` is the
    /// instance name that commands address (`send`).
    struct Step {
        var filter: String
        var options: [(String, String)]
        var name: String?
    }

    private var graph: UnsafeMutablePointer<AVFilterGraph>
    private let source: UnsafeMutablePointer<AVFilterContext>
    private let sink: UnsafeMutablePointer<AVFilterContext>

    /// - Parameters:
    ///   - input: a frame showing the input's size and pixel format.
    ///   - timeBase: the time base of the frames' pts.
    init(input: Frame, timeBase: AVRational, steps: [Step]) throws(FFmpegError) {
        guard let graph = avfilter_graph_alloc() else { throw .null("avfilter_graph_alloc") }
        self.graph = graph
        do {
            let frame = input.pointer.pointee
            let sar = frame.sample_aspect_ratio.num > 0 ? frame.sample_aspect_ratio : AVRational(num: 1, den: 1)
            source = try Self.make(graph, Step(filter: "buffer", options: [
                ("video_size", "\(frame.width)x\(frame.height)"), ("pix_fmt", "\(frame.format)"),
                ("time_base", "\(timeBase.num)/\(timeBase.den)"), ("pixel_aspect", "\(sar.num)/\(sar.den)"),
            ]), name: "in")
            var chain = [source]
            for (index, step) in steps.enumerated() { chain.append(try Self.make(graph, step, name: step.name ?? "f\(index)")) }
            sink = try Self.make(graph, Step(filter: "buffersink", options: []), name: "out")
            chain.append(sink)
            for (from, to) in zip(chain, chain.dropFirst()) {
                try check(avfilter_link(from, 0, to, 0), "avfilter_link")
            }
            try check(avfilter_graph_config(graph, nil), "avfilter_graph_config")
        } catch {
            var doomed: UnsafeMutablePointer<AVFilterGraph>? = graph
            avfilter_graph_free(&doomed)
            throw error
        }
    }

    deinit {
        var doomed: UnsafeMutablePointer<AVFilterGraph>? = graph
        avfilter_graph_free(&doomed)
    }

    private static func make(_ graph: UnsafeMutablePointer<AVFilterGraph>, _ step: Step, name: String) throws(FFmpegError) -> UnsafeMutablePointer<AVFilterContext> {
        guard let definition = avfilter_get_by_name(step.filter) else { throw .null("avfilter_get_by_name", "no filter \(step.filter)") }
        guard let context = avfilter_graph_alloc_filter(graph, definition, name) else { throw .null("avfilter_graph_alloc_filter(\(step.filter))") }
        for (key, value) in step.options {
            try check(av_opt_set(context, key, value, AV_OPT_SEARCH_CHILDREN), "av_opt_set(\(step.filter) \(key))")
        }
        try check(avfilter_init_str(context, nil), "avfilter_init_str(\(step.filter))")
        return context
    }

    /// Feeds a frame; the caller keeps its reference (the frame is not changed).
    func push(_ frame: Frame) throws(FFmpegError) {
        try check(av_buffersrc_add_frame_flags(source, frame.pointer, Int32(AV_BUFFERSRC_FLAG_KEEP_REF)), "av_buffersrc_add_frame_flags")
    }

    /// The next filtered frame into `frame`; false when none is ready.
    func pull(into frame: Frame) throws(FFmpegError) -> Bool {
        let result = av_buffersink_get_frame(sink, frame.pointer)
        if result == cffmpeg_averror_eagain() || result == cffmpeg_averror_eof() { return false }
        try check(result, "av_buffersink_get_frame")
        return true
    }

    /// Sends a command to the filter named `target`; it applies from the next frame.
    func send(_ command: String, _ argument: String, to target: String) throws(FFmpegError) {
        var response = [CChar](repeating: 0, count: 256)
        try check(
            avfilter_graph_send_command(graph, target, command, argument, &response, Int32(response.count), 0),
            "avfilter_graph_send_command(\(command))")
    }

    /// The time base of frames coming out.
    var outputTimeBase: AVRational { av_buffersink_get_time_base(sink) }
}
