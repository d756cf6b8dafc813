import Foundation
import Testing
@testable import VideoRelay

/// Captions burnt into the program, checked in the decoded pixels; and failover with a real
/// publisher going away. Serialized with the other program tests (two cores).
@Suite(.serialized) struct ProgramCaptionAndFailoverTests {
    /// Width in pixels of the caption box in the bottom band of the 16th frame: the longest
    /// run of pixels clearly darker than the clip's background in any row below the moving test
    /// pattern. Box padding rows hold no glyphs, so their run is the whole box.
    static func captionBoxWidth(_ path: String, background: (Int, Int, Int) = (0x1f, 0x4e, 0xa0)) async throws -> Int {
        // The bottom 74 rows of the 1920x1080 program: the bottom caption's box and its padding.
        let width = 1920, height = 74, top = 1080 - height
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-i", path, "-frames:v", "1",
            "-vf", "select=gte(n\\,15),crop=\(width):\(height):0:\(top)", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ])
        let bytes = [UInt8](result.stdout)
        guard bytes.count == width * height * 3 else { throw TestFailure("no frame from \(path) (\(bytes.count) bytes, status \(result.status)): \(result.stderr)") }
        var widest = 0
        for row in 0..<height {
            var run = 0
            for x in 0..<width {
                let i = (row * width + x) * 3
                let darker = Int(bytes[i]) + Int(bytes[i + 1]) + Int(bytes[i + 2]) + 60 < background.0 + background.1 + background.2
                run = darker ? run + 1 : 0
                widest = max(widest, run)
            }
        }
        return widest
    }

    /// The same caption drawn by the ffmpeg CLI from a text file with expansion off: what a
    /// literal rendering looks like, independent of the pipeline's escaping.
    static func referenceBoxWidth(_ text: String, in directory: URL) async throws -> Int {
        let textFile = directory.appendingPathComponent("caption-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: textFile)
        let image = directory.appendingPathComponent("reference-\(UUID().uuidString).ts").path
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x1f4ea0:s=1920x1080:r=30000/1001:d=2",
            "-vf", "drawtext=font=Noto Sans CJK JP:textfile=\(textFile.path):expansion=none:fontsize=66:fontcolor=white:box=1:boxborderw=18:boxcolor=black@0.6:borderw=3:bordercolor=black:x=(w-tw)/2:y=h-th-60",
            "-c:v", "libx264", "-preset", "veryfast", "-f", "mpegts", image,
        ])
        guard result.status == 0 else { throw TestFailure("reference render failed: \(result.stderr)") }
        return try await captionBoxWidth(image)
    }

    @Test func captionSizesScaleWithThePictureSoA1080CaptionCoversWhatA720OneDid() {
        func option(_ name: String, _ caption: Caption, height: Int) -> String? {
            caption.drawtextOptions(pictureHeight: height).first { $0.0 == name }?.1
        }
        let label = Caption(text: "静岡県警察本部")
        #expect(option("fontsize", label, height: 720) == "44")
        #expect(option("fontsize", label, height: 1080) == "66")
        #expect(option("fontsize", Caption(text: "速報", style: .banner), height: 1080) == "78")
        #expect(option("fontsize", Caption(text: "注", style: .note), height: 1080) == "54")
        #expect(option("y", label, height: 1080) == "h-th-60")
        #expect(option("y", Caption(text: "上", position: .top), height: 1080) == "60")
        #expect(option("boxborderw", label, height: 1080) == "18")
        #expect(option("borderw", label, height: 720) == "2")
    }

    @Test func aCaptionAppearsInItsAreaIsShownLiterallyAndGoesWhenCleared() async throws {
        let harness = try ProgramHarness()
        let heli = try harness.publish("heli-1", clip: try await MediaFiles.progressiveHeli())
        try await eventually("heli-1 on air", timeout: .seconds(20)) { harness.pipeline.status.onAir == "heli-1" }
        let (reader, recording) = try harness.readProgram(name: "captioned.ts")

        let plain = try await harness.recordProgram(seconds: 1.5, name: "plain.ts")
        #expect(try await Self.captionBoxWidth(plain) < 10, "no caption yet")

        // When a caption with drawtext's special characters goes on air...
        let special = #"Rte 1: 'A' 100% \ok"#
        try harness.pipeline.showCaption(Caption(text: special))
        try await eventually("transcode mode") { harness.pipeline.status.mode == .transcode }
        let captioned = try await harness.recordProgram(seconds: 1.5, name: "special.ts")
        let shown = try await Self.captionBoxWidth(captioned)
        // ...its box is exactly as wide as the same text drawn literally by the ffmpeg CLI,
        // and clearly unlike what a parsed version (quotes, % or \ eaten) would give.
        let literal = try await Self.referenceBoxWidth(special, in: harness.directory)
        let parsed = try await Self.referenceBoxWidth(#"Rte 1 A 100 ok"#, in: harness.directory)
        #expect(abs(literal - parsed) > 20, "the check can tell the two apart (\(literal) vs \(parsed))")
        #expect(abs(shown - literal) <= 4, "shown \(shown) px, literal \(literal) px, parsed \(parsed) px")
        #expect(try await RecordedStream.sourceShown(captioned) == "heli-1")

        // Editing on air changes the text without a new graph: the box width follows.
        try harness.pipeline.showCaption(Caption(text: "速報"))
        try await eventually("short caption on air", timeout: .seconds(30)) {
            let clip = try await harness.recordProgram(seconds: 1.2, name: "short-\(UUID().uuidString).ts")
            // A reader that got no picture in time (a busy machine) says nothing yet.
            return (try? await Self.captionBoxWidth(clip)).map { $0 < shown - 50 } ?? false
        }

        // Cleared: gone from the pixels, and back to passthrough at the next keyframe.
        harness.pipeline.clearCaption()
        try await eventually("passthrough again") { harness.pipeline.status.mode == .passthrough }
        let cleared = try await harness.recordProgram(seconds: 1.5, name: "cleared.ts")
        #expect(try await Self.captionBoxWidth(cleared) < 10)

        reader.terminate()
        try await reader.waitForExit()
        let decoded = try await RecordedStream.decode(recording)
        #expect(decoded.errors.isEmpty, "\(decoded.errors)")
        let report = try TransportStreamChecker.check(recording)
        #expect(report.isClean, "passthrough → transcode → passthrough keeps one timeline: \(report)")
        heli.terminate()
        await harness.stop()
    }

    /// Thirty seconds of heli-1's blue, 1080p29.97 like the profile, with keyframes at 0, 1 and
    /// 2 s only: the live demuxer skips what it read while probing (the first), the program takes
    /// the second (bridge) and passes it through from the third. No audio, so the cached GOP
    /// holds all of its pictures.
    static func keyframesOnlyInTheFirstSecondsClip(in directory: URL) async throws -> String {
        let path = directory.appendingPathComponent("keyframes-0-1-2.ts").path
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-f", "lavfi", "-i", "color=c=0x1f4ea0:s=1920x1080:r=30000/1001:d=30",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "900", "-keyint_min", "900",
            "-force_key_frames", "0,1,2", "-sc_threshold", "0", "-bf", "0", "-f", "mpegts", path,
        ])
        guard result.status == 0 else { throw TestFailure("clip failed: \(result.stderr)") }
        return path
    }

    @Test func aCaptionPutOnAirInPassthroughDoesNotWaitForTheSourcesNextKeyframe() async throws {
        let harness = try ProgramHarness()
        let heli = try harness.publish("heli-1", clip: try await Self.keyframesOnlyInTheFirstSecondsClip(in: harness.directory))
        try await eventually("heli-1 on air in passthrough", timeout: .seconds(20)) {
            harness.pipeline.status.onAir == "heli-1" && harness.pipeline.status.mode == .passthrough
        }
        let (reader, recording) = try harness.readProgram(name: "caption-now.ts")
        try await eventually("program flowing to the reader") { RelayHarness.fileSize(recording) > 0 }

        // heli-1 sends its next keyframe 28 s after the last: a caption on air within the next
        // few seconds can only come from its cached GOP, decoded up to the newest picture.
        try harness.pipeline.showCaption(Caption(text: "速報"))
        try await eventually("transcode mode before the source's next keyframe", timeout: .seconds(8)) {
            harness.pipeline.status.mode == .transcode
        }
        let captioned = try await harness.recordProgram(seconds: 1.5, name: "caption-now-clip.ts")
        #expect(try await Self.captionBoxWidth(captioned) > 50, "the caption is in the pixels")
        #expect(try await RecordedStream.sourceShown(captioned) == "heli-1")

        // Passthrough to captioned transcode mid-GOP keeps one unbroken timeline.
        _ = try await ProgramInstantCutTests.checkUnbroken(reader, recording)
        heli.terminate()
        await harness.stop()
    }

    @Test func aSilentSourceFailsOverToItsBackupThenTheSlateWithoutBreakingTheProgram() async throws {
        let harness = try ProgramHarness(program: .forTests(failover: ["heli-1": FailoverRule(backup: "drone-1", thresholdMilliseconds: 1000)]))
        let heli = try harness.publish("heli-1")
        try await eventually("heli-1 on air", timeout: .seconds(20)) { harness.pipeline.status.onAir == "heli-1" }
        let drone = try harness.publish("drone-1")
        try await harness.waitReady("drone-1")
        let (reader, recording) = try harness.readProgram(name: "failover.ts")
        try await eventually("program flowing to the reader") { RelayHarness.fileSize(recording) > 200_000 }

        // When heli-1's publisher goes away, the program moves to its backup by itself.
        heli.terminate()
        try await eventually("drone-1 on air") { harness.pipeline.status.onAir == "drone-1" }
        let moves = harness.pipeline.status.automaticMoves
        #expect(moves.contains { $0.from == "heli-1" && $0.reason == "failover" })
        // A joining reader may start on the GOP cached before the failover: judge by the last picture.
        let backupClip = try await harness.recordProgram(seconds: 2.5, name: "backup.ts")
        #expect(try await RecordedFrames.pictures(backupClip).last?.source == "drone-1")

        // And with drone-1 gone too, the slate.
        drone.terminate()
        try await eventually("slate on air") { harness.pipeline.status.onAir == "slate" }
        // A joining reader may start on the GOP cached before the slate: judge by the last picture.
        let slateClip = try await harness.recordProgram(seconds: 2.5, name: "slate.ts")
        let corner = try #require(try await RecordedFrames.pictures(slateClip).last?.colour)
        #expect(abs(corner[0] - 0x20) + abs(corner[1] - 0x20) + abs(corner[2] - 0x20) < 40, "dark grey slate, got \(corner)")

        reader.terminate()
        try await reader.waitForExit()
        let decoded = try await RecordedStream.decode(recording)
        #expect(decoded.errors.isEmpty, "\(decoded.errors)")
        let report = try TransportStreamChecker.check(recording)
        #expect(report.isClean, "timestamps and continuity survive failover and slate: \(report)")
        await harness.stop()
    }
}
