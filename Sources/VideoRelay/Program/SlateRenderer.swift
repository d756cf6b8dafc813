import CFFmpeg
import Foundation

/// The slate (映像途絶 / NO SIGNAL) with the wall-clock time, one program picture per call.
///
/// The background is the first picture of the slate clip, scaled to the profile, or, without a
/// usable clip, a dark picture with the title drawn on it, so the program always has something
/// to show. The time is drawn on every picture with drawtext's `%{localtime}`: the real time at
/// encode, not the clip's. Only this slate's own filter expands `%{...}`; the caption filter
/// keeps expansion off.
///
/// The clock shows whole seconds, so the picture is drawn once per second of wall-clock time
/// and handed out again for every frame of that second (the encoder then sees identical
/// pictures, which cost it little).
final class SlateRenderer {
    private let background: Frame
    private let chain: FilterChain
    private let output: Frame
    /// The wall-clock second `output` shows (nil before the first picture).
    private var renderedSecond: Int?
    /// How many pictures were drawn (the rest were handed out again).
    private(set) var picturesDrawn = 0
    /// Whether the background came from the slate clip (false: generated).
    let fromClip: Bool

    static let title = "映像途絶 / NO SIGNAL"
    /// drawtext text for the clock: `\:` keeps the colons inside the strftime argument.
    static let clockText = "%{localtime:%Y-%m-%d %H\\:%M\\:%S}"

    init(clipPath: String?, profile: ProgramProfile, font: String) throws(FFmpegError) {
        var picture: Frame?
        if let clipPath { picture = try? Self.firstPicture(of: clipPath) }
        fromClip = picture != nil
        let background: Frame
        if let picture { background = picture } else { background = try Self.plainPicture(profile: profile) }
        self.background = background
        var steps: [FilterChain.Step] = [
            FilterChain.Step(filter: "scale", options: [("w", "\(profile.width)"), ("h", "\(profile.height)")]),
            FilterChain.Step(filter: "format", options: [("pix_fmts", "yuv420p")]),
        ]
        let common: [(String, String)] = [("font", font), ("fontcolor", "white"), ("box", "1"), ("boxcolor", "black@0.6"), ("boxborderw", "12")]
        if !fromClip {
            steps.append(FilterChain.Step(filter: "drawtext", options: common + [
                ("text", Self.title), ("expansion", "none"), ("fontsize", "72"), ("x", "(w-tw)/2"), ("y", "h/2-th-20"),
            ]))
        }
        steps.append(FilterChain.Step(filter: "drawtext", options: common + [
            ("text", Self.clockText), ("expansion", "normal"), ("fontsize", "48"), ("x", "(w-tw)/2"), ("y", "h/2+40"),
        ]))
        chain = try FilterChain(input: background, timeBase: AVRational(num: 1, den: 90_000), steps: steps)
        output = try Frame()
    }

    /// The slate picture for program time `pts` (90 kHz), valid until the next call.
    /// - Parameter wallClockSecond: the current second of wall-clock time: a new one draws a
    ///   new picture (the clock changed), the same one hands out the picture already drawn.
    func picture(pts: Int64, wallClockSecond: Int = Int(Date().timeIntervalSince1970)) throws(FFmpegError) -> Frame {
        if renderedSecond != wallClockSecond {
            background.pts = pts
            try chain.push(background)
            output.unref()
            guard try chain.pull(into: output) else {
                renderedSecond = nil
                throw FFmpegError(code: -1, call: "SlateRenderer", message: "no slate picture")
            }
            renderedSecond = wallClockSecond
            picturesDrawn += 1
        }
        output.pts = pts
        return output
    }

    /// The clip's first decodable video picture.
    private static func firstPicture(of path: String) throws(FFmpegError) -> Frame {
        let input = try InputFormat(path: path)
        guard let video = input.streams.first(where: { $0.parameters.mediaType == AVMEDIA_TYPE_VIDEO }) else {
            throw FFmpegError(code: -1, call: "SlateRenderer", message: "\(path) has no video")
        }
        let decoder = try Decoder(parameters: video.parameters, timeBase: video.timeBase)
        let frame = try Frame()
        while let packet = try input.readPacket() {
            guard packet.streamIndex == video.index else { continue }
            try decoder.send(packet)
            if try decoder.receive(into: frame) { return frame }
        }
        try decoder.send(nil)
        if try decoder.receive(into: frame) { return frame }
        throw FFmpegError(code: -1, call: "SlateRenderer", message: "\(path) has no decodable picture")
    }

    /// A dark grey 4:2:0 picture of the profile's size.
    private static func plainPicture(profile: ProgramProfile) throws(FFmpegError) -> Frame {
        let frame = try Frame()
        frame.pointer.pointee.width = Int32(profile.width)
        frame.pointer.pointee.height = Int32(profile.height)
        frame.pointer.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        try check(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer")
        let f = frame.pointer.pointee
        let height = Int(profile.height)
        // Y dark grey, chroma neutral.
        let planes: [(UnsafeMutablePointer<UInt8>?, Int32, Int, Int32)] = [
            (f.data.0, f.linesize.0, height, 0x22), (f.data.1, f.linesize.1, height / 2, 0x80), (f.data.2, f.linesize.2, height / 2, 0x80),
        ]
        for (data, stride, rows, value) in planes {
            guard let data else { continue }
            memset(data, value, Int(stride) * rows)
        }
        return frame
    }
}
