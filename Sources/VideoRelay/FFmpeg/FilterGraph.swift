import CFFmpeg

/// The program's video filter graph: buffer → scale → fps → format → drawtext → buffersink.
/// The caption is changed on air with `avfilter_graph_send_command` (drawtext `reinit`, and
/// the generic `enable`), never by building a new graph. Freed in deinit.
final class FilterGraph {
    private var graph: UnsafeMutablePointer<AVFilterGraph>
    private let source: UnsafeMutablePointer<AVFilterContext>
    private let sink: UnsafeMutablePointer<AVFilterContext>
    /// The input this graph was configured for.
    let inputWidth: Int32
    let inputHeight: Int32
    let inputFormat: Int32
    private(set) var caption: Caption?

    static let captionFilterName = "caption"

    /// - Parameters:
    ///   - input: a decoded frame showing the input's size and pixel format.
    ///   - timeBase: the time base of the frames' pts (the program's 1/90000).
    init(input: Frame, timeBase: AVRational, profile: ProgramProfile, font: String, caption: Caption?) throws(FFmpegError) {
        guard let graph = avfilter_graph_alloc() else { throw .null("avfilter_graph_alloc") }
        self.graph = graph
        let frame = input.pointer.pointee
        inputWidth = frame.width
        inputHeight = frame.height
        inputFormat = frame.format
        self.caption = caption
        do {
            let sar = frame.sample_aspect_ratio.num > 0 ? frame.sample_aspect_ratio : AVRational(num: 1, den: 1)
            source = try Self.create(graph, "buffer", "in",
                "video_size=\(frame.width)x\(frame.height):pix_fmt=\(frame.format):time_base=\(timeBase.num)/\(timeBase.den):pixel_aspect=\(sar.num)/\(sar.den)")
            let scale = try Self.create(graph, "scale", "scale", "w=\(profile.width):h=\(profile.height)")
            let fps = try Self.create(graph, "fps", "fps", "fps=\(profile.framesPerSecond)")
            let format = try Self.create(graph, "format", "format", "pix_fmts=yuv420p")
            let drawtext = try Self.createCaption(graph, font: font, caption: caption)
            sink = try Self.create(graph, "buffersink", "out", nil)
            let chain = [source, scale, fps, format, drawtext, sink]
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

    private static func create(
        _ graph: UnsafeMutablePointer<AVFilterGraph>, _ filter: String, _ name: String, _ arguments: String?
    ) throws(FFmpegError) -> UnsafeMutablePointer<AVFilterContext> {
        guard let definition = avfilter_get_by_name(filter) else { throw .null("avfilter_get_by_name", "no filter \(filter)") }
        var context: UnsafeMutablePointer<AVFilterContext>?
        try check(avfilter_graph_create_filter(&context, definition, name, arguments, nil, graph), "avfilter_graph_create_filter(\(filter))")
        guard let context else { throw .null("avfilter_graph_create_filter(\(filter))") }
        return context
    }

    /// drawtext with every option set through av_opt_set, so the caption text needs no
    /// escaping here; `expansion=none` keeps `%` literal.
    private static func createCaption(
        _ graph: UnsafeMutablePointer<AVFilterGraph>, font: String, caption: Caption?
    ) throws(FFmpegError) -> UnsafeMutablePointer<AVFilterContext> {
        guard let definition = avfilter_get_by_name("drawtext") else { throw .null("avfilter_get_by_name", "no filter drawtext") }
        guard let context = avfilter_graph_alloc_filter(graph, definition, captionFilterName) else {
            throw .null("avfilter_graph_alloc_filter(drawtext)")
        }
        let shown = caption ?? Caption(text: " ")
        var options: [(String, String)] = [
            ("font", font), ("expansion", "none"), ("box", "1"), ("boxborderw", "12"),
            ("borderw", "2"), ("bordercolor", "black"), ("fix_bounds", "1"),
        ]
        options += shown.drawtextOptions
        options.append(("enable", caption == nil ? "0" : "1"))
        for (key, value) in options {
            try check(av_opt_set(context, key, value, AV_OPT_SEARCH_CHILDREN), "av_opt_set(drawtext \(key))")
        }
        try check(avfilter_init_str(context, nil), "avfilter_init_str(drawtext)")
        return context
    }

    /// Puts a caption on air (or changes it) from the next frame: drawtext `reinit` with the new
    /// options, then `enable`.
    func show(_ caption: Caption) throws(FFmpegError) {
        let arguments = caption.drawtextOptions
            .map { "\($0.0)=\(Self.escapeOptionValue($0.1))" }
            .joined(separator: ":")
        try send("reinit", arguments)
        try send("enable", "1")
        self.caption = caption
    }

    /// Takes the caption off air from the next frame.
    func hideCaption() throws(FFmpegError) {
        try send("enable", "0")
        caption = nil
    }

    private func send(_ command: String, _ argument: String) throws(FFmpegError) {
        var response = [CChar](repeating: 0, count: 256)
        try check(
            avfilter_graph_send_command(graph, Self.captionFilterName, command, argument, &response, Int32(response.count), 0),
            "avfilter_graph_send_command(\(command))")
    }

    /// Escapes a value for av_set_options_string (what `reinit` parses): av_get_token takes a
    /// backslash as "next character literally", so every ASCII character that is not a letter or
    /// digit is escaped: `:` cannot end the value, `'` cannot open a quote, `\` stays itself,
    /// and leading or trailing spaces survive. Multi-byte UTF-8 passes unchanged.
    static func escapeOptionValue(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count * 2)
        for scalar in value.unicodeScalars {
            if scalar.isASCII, !(scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) {
                escaped.append("\\")
            }
            escaped.unicodeScalars.append(scalar)
        }
        return escaped
    }

    /// Feeds a frame (pts in the graph's input time base).
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

    /// The time base of frames coming out (the fps filter's 1/fps).
    var outputTimeBase: AVRational { av_buffersink_get_time_base(sink) }

    /// Whether this graph was built for frames like `frame`.
    func accepts(_ frame: Frame) -> Bool {
        let f = frame.pointer.pointee
        return f.width == inputWidth && f.height == inputHeight && f.format == inputFormat
    }
}
