import CFFmpeg

/// The program's video filter graph: buffer → (bwdif) → scale → setsar → (pad) → fps → format
/// with drawtext before fps or at the end → buffersink, as `PictureConversion` decides for the source.
/// The caption is changed on air with `avfilter_graph_send_command` (drawtext `reinit`, and
/// the generic `enable`), never by building a new graph.
final class FilterGraph {
    private let chain: FilterChain
    /// The input this graph was configured for.
    let inputWidth: Int32
    let inputHeight: Int32
    let inputFormat: Int32
    private(set) var caption: Caption?
    /// The program picture's height, which caption sizes scale with.
    private let pictureHeight: Int
    /// The program frame the fps filter's grid starts from: frames go in and come out relative
    /// to it, so the filter's frame N is the program grid's frame N (its own grid counts from 0).
    private let origin: Int64

    static let captionFilterName = "caption"

    /// - Parameters:
    ///   - input: a decoded frame showing the input's size and pixel format.
    ///   - source: the source's stream format (interlacing, frame rate), nil when unknown.
    ///   - timeBase: the time base of the frames' pts (the program's 1/90000).
    ///   - origin: a frame time on the program's frame grid (the next frame out).
    init(input: Frame, source: VideoFormat?, timeBase: AVRational, origin: Int64, profile: ProgramProfile, font: String, caption: Caption?) throws(FFmpegError) {
        let frame = input.pointer.pointee
        self.origin = origin
        inputWidth = frame.width
        inputHeight = frame.height
        inputFormat = frame.format
        self.caption = caption
        pictureHeight = profile.height
        // drawtext's options are set one by one (av_opt_set), so the caption text needs no
        // escaping here; `expansion=none` keeps `%` literal.
        var captionOptions: [(String, String)] = [
            ("font", font), ("expansion", "none"), ("box", "1"),
            ("bordercolor", "black"), ("fix_bounds", "1"),
        ]
        captionOptions += (caption ?? Caption(text: " ")).drawtextOptions(pictureHeight: profile.height)
        captionOptions.append(("enable", caption == nil ? "0" : "1"))
        // Interlaced when the stream says so or the decoder marks the picture as two fields.
        let conversion = PictureConversion(
            width: Int(frame.width), height: Int(frame.height),
            sampleAspect: (Int(frame.sample_aspect_ratio.num), Int(frame.sample_aspect_ratio.den)),
            interlaced: source?.interlaced == true || input.isInterlaced, frameRate: source?.frameRate, profile: profile)
        chain = try FilterChain(input: input, timeBase: timeBase, steps: conversion.steps(
            caption: FilterChain.Step(filter: "drawtext", options: captionOptions, name: Self.captionFilterName)))
    }

    /// `existing` when it was built for frames like `frame`, else a new graph for them.
    static func reusing(
        _ existing: FilterGraph?, for frame: Frame, source: VideoFormat?, origin: Int64, profile: ProgramProfile, font: String, caption: Caption?
    ) throws(FFmpegError) -> FilterGraph {
        if let existing, existing.accepts(frame) { return existing }
        let timeBase = AVRational(num: 1, den: Int32(ProgramTime.ticksPerSecond))
        return try FilterGraph(input: frame, source: source, timeBase: timeBase, origin: origin, profile: profile, font: font, caption: caption)
    }

    /// Puts a caption on air (or changes it) from the next frame: drawtext `reinit` with the new
    /// options, then `enable`.
    func show(_ caption: Caption) throws(FFmpegError) {
        let arguments = caption.drawtextOptions(pictureHeight: pictureHeight)
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
        try chain.send(command, argument, to: Self.captionFilterName)
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
        let pts = frame.pts
        frame.pts = pts - origin
        defer { frame.pts = pts }
        try chain.push(frame)
    }

    /// The next filtered frame into `frame`; false when none is ready.
    func pull(into frame: Frame) throws(FFmpegError) -> Bool { try chain.pull(into: frame) }

    /// The time base of frames coming out (the fps filter's 1/fps).
    var outputTimeBase: AVRational { chain.outputTimeBase }

    /// A filtered frame's pts in 90 kHz program ticks, rounded down like `FrameRate.ticks`, so
    /// the fps filter's frame N lands exactly on the program's frame grid from `origin`.
    func programTicks(_ pts: Int64) -> Int64 {
        let base = outputTimeBase
        guard base.den > 0 else { return pts }
        let scaled = pts * ProgramTime.ticksPerSecond * Int64(base.num)
        let den = Int64(base.den)
        return origin + (scaled >= 0 ? scaled / den : -((-scaled + den - 1) / den))
    }

    /// Whether this graph was built for frames like `frame`.
    func accepts(_ frame: Frame) -> Bool {
        let f = frame.pointer.pointee
        return f.width == inputWidth && f.height == inputHeight && f.format == inputFormat
    }
}
