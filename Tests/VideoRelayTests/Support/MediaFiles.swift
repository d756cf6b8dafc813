import Foundation
@testable import VideoRelay

/// The committed sample clips (Media/) and what tells them apart.
enum MediaFiles {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Media")

    static func clip(_ sourceID: String) -> String { directory.appendingPathComponent("\(sourceID).ts").path }

    /// heli-1's look (blue, 440 Hz, a moving pattern) as 1080p29.97 with B-frames, so it passes
    /// through the default profile like drone-1 (the committed heli-1 is 1080i, always
    /// converted): for tests that cut between two sources in passthrough. Made once per test run
    /// (4 s, ultrafast), in the temporary directory.
    static func progressiveHeli() async throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("heli-1-1080p2997-v1.ts").path
        if FileManager.default.fileExists(atPath: path) { return path }
        let partial = path + ".\(UUID().uuidString)"
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-y",
            "-f", "lavfi", "-i", "color=c=0x1f4ea0:s=1920x1080:r=30000/1001:d=4",
            "-f", "lavfi", "-i", "testsrc2=s=480x270:r=30000/1001:d=4",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4",
            "-filter_complex", "[0][1]overlay=x='40+mod(t*180,1400)':y=690[v]", "-map", "[v]", "-map", "2:a",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-b:v", "900k", "-g", "30", "-keyint_min", "30",
            "-sc_threshold", "0", "-bf", "2", "-c:a", "aac", "-b:a", "64k", "-ac", "2", "-ar", "48000",
            "-pes_payload_size", "0", "-f", "mpegts", partial,
        ])
        guard result.status == 0 else { throw TestFailure("progressive heli-1 clip failed: \(result.stderr)") }
        // Renamed whole: a test running at the same time sees the finished file or none.
        _ = rename(partial, path)
        return path
    }

    /// Background colours from Media/make-clips, as RGB.
    static let backgrounds: [String: (Int, Int, Int)] = [
        "heli-1": (0x1f, 0x4e, 0xa0),
        "drone-1": (0x1f, 0x8a, 0x3c),
        "mobile-1": (0xa0, 0x28, 0x28),
    ]

    /// The region whose average colour tells the clips apart (an ffmpeg filter, averaged to one
    /// pixel): a patch at the middle of the width, a third of the way down, which no label,
    /// pattern, caption or slate text covers and which a pillarboxed source still fills.
    static let identifyingCrop = "crop=iw/10:ih/20:iw*9/20:ih/3,scale=1:1"

    /// Which clip a decoded picture comes from, judged by the background colour of a region that
    /// carries no text or pattern.
    static func identify(_ rgb: (Int, Int, Int)) -> String? {
        backgrounds.min { a, b in distance(a.value, rgb) < distance(b.value, rgb) }
            .flatMap { distance($0.value, rgb) < 60 ? $0.key : nil }
    }

    private static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        abs(a.0 - b.0) + abs(a.1 - b.1) + abs(a.2 - b.2)
    }
}

/// Checks on a recorded MPEG-TS file, done by ffmpeg/ffprobe.
enum RecordedStream {
    /// Decodes the whole file; returns ffmpeg's error output (empty when clean) and the number of
    /// video frames decoded. A reader stopped by a signal cuts its last frame short; that one
    /// frame is removed first (`dropCutOffTail`), anything else broken is reported.
    static func decode(_ path: String) async throws -> (errors: String, videoFrames: Int) {
        try dropCutOffTail(path)
        // `-enc_time_base 1/90000`: the null output keeps each picture's own time. Otherwise
        // ffmpeg times it in 1/rate of a rate guessed from the stream (29.92 for a 29.97 stream
        // with a publisher's loop point in it) and reports two pictures rounded onto one tick.
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-i", path, "-map", "0:v:0", "-enc_time_base", "1/90000", "-f", "null", "-",
        ])
        let probe = try await ExternalProcess.output([
            "ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
            "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path,
        ])
        // ffprobe lists the stream under its program and again on its own: take the first.
        let firstLine = String(decoding: probe.stdout, as: UTF8.self).split(separator: "\n").first ?? ""
        let frames = Int(firstLine.trimmingCharacters(in: .whitespaces)) ?? 0
        return (result.stderr, frames)
    }

    /// The average colour of the identifying region of the frame at `seconds` into the file.
    /// Decoded from the start (`-ss` after `-i`): seeking in a short MPEG-TS by its estimated
    /// bitrate can land past every keyframe and yield no picture at all.
    static func cornerColour(_ path: String, at seconds: Double = 0.5) async throws -> (Int, Int, Int)? {
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-i", path, "-ss", String(seconds), "-frames:v", "1",
            "-vf", MediaFiles.identifyingCrop, "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ])
        let bytes = [UInt8](result.stdout)
        guard bytes.count >= 3 else { return nil }
        return (Int(bytes[0]), Int(bytes[1]), Int(bytes[2]))
    }

    /// Which source a recording shows.
    static func sourceShown(_ path: String) async throws -> String? {
        guard let colour = try await cornerColour(path) else { return nil }
        return MediaFiles.identify(colour)
    }

    /// Whether the first video packet in the file is a keyframe.
    static func startsOnKeyframe(_ path: String) async throws -> Bool {
        let result = try await ExternalProcess.output([
            "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags",
            "-read_intervals", "%+#1", "-of", "csv=p=0", path,
        ])
        return String(decoding: result.stdout, as: UTF8.self).hasPrefix("K")
    }
}

extension RecordedStream {
    /// Truncates a recording at the start of its last video PES: the frame a stopped reader was
    /// in the middle of receiving.
    static func dropCutOffTail(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes.removeLast(bytes.count % 188)
        var inspector = TransportStreamInspector()
        _ = inspector.inspect(bytes[...])
        guard let video = inspector.videoPID else { return }
        var offset = bytes.count - 188
        while offset >= 0 {
            let pid = UInt16(bytes[offset + 1] & 0x1f) << 8 | UInt16(bytes[offset + 2])
            if pid == video && bytes[offset + 1] & 0x40 != 0 { break }
            offset -= 188
        }
        guard offset > 0 else { return }
        try Data(bytes[0..<offset]).write(to: url)
    }
}
