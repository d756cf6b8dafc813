import Foundation
import Testing
@testable import VideoRelay

/// The field's real signals through the relay and the program pipeline: 1080p29.97 and 1080i
/// with B-frames passed through byte for byte to a profile of their own format, cuts between such sources that decode cleanly, 1080i
/// deinterlaced and a vertical phone picture pillarboxed when converted. Serialized with the
/// other program tests (two cores).
@Suite(.serialized) struct ProgramHDTests {
    /// One line of ffmpeg's framemd5 for a video packet: what passthrough must keep.
    struct PacketPrint: Hashable {
        var reorderDelay: Int64
        var size: Int
        var hash: String
    }

    /// The video packets of a file as ffmpeg's demuxer gives them (`-c copy`, nothing decoded),
    /// played `loops` more times the way the publisher loops it (`-stream_loop`).
    static func packetPrints(_ path: String, loops: Int = 0) async throws -> [PacketPrint] {
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-stream_loop", "\(loops)", "-i", path, "-map", "0:v:0", "-c", "copy", "-f", "framemd5", "-",
        ])
        return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 6, let dts = Int64(fields[1]), let pts = Int64(fields[2]), let size = Int(fields[4]) else { return nil }
            return PacketPrint(reorderDelay: pts - dts, size: size, hash: fields[5])
        }
    }

    /// The drone's 1080p29.97 to the default profile, the helicopter's 1080i to a 1080i profile.
    @Test(arguments: [("drone-1", ProgramProfile.Scan.progressive), ("heli-1", .interlaced)])
    func aMatchingSourceWithBFramesIsPassedThroughByteForByte(source id: String, scan: ProgramProfile.Scan) async throws {
        var configuration = ProgramConfiguration.forTests()
        configuration.profile.scan = scan
        let harness = try ProgramHarness(program: configuration)
        let publisher = try harness.publish(id)
        try await eventually("\(id) on air in passthrough", timeout: .seconds(20)) {
            harness.pipeline.status.onAir == id && harness.pipeline.status.mode == .passthrough
        }
        // Longer than the 6 s clip: the publisher's loop point is always inside.
        let recording = try await harness.recordProgram(seconds: 7, name: "passthrough.ts")
        publisher.terminate()

        let source = try await Self.packetPrints(MediaFiles.clip(id))
        #expect(source.contains { $0.reorderDelay > 0 }, "the clip has B-frames")
        var program = try await Self.packetPrints(recording)
        _ = program.popLast()  // the reader may have stopped inside the last one
        #expect(program.count >= 60, "\(program.count) video packets recorded")
        // Every packet is the clip's own, in the order the publisher sends it, with its
        // reordering delay. The publisher's loop is ffmpeg's, which does not send the clip's
        // first packet (its IDR) again on later passes (ffmpeg 5.1): the program passes on what
        // it gets, so the expected stream is ffmpeg's loop, not the clip repeated.
        let looped = try await Self.packetPrints(MediaFiles.clip(id), loops: 2)
        #expect(looped.count >= 2 * source.count, "the clip played three times: \(looped.count) packets")
        let start = looped.firstIndex(of: program.first ?? PacketPrint(reorderDelay: 0, size: 0, hash: ""))
        #expect(start != nil, "the program's first packet is one of the clip's")
        if let found = start {
            let expected = Array(looped[found..<min(found + program.count, looped.count)])
            // Byte for byte, but for the picture a second that carries this site's delay stamp
            // (an SEI NAL unit added before its first slice: larger, same timing).
            let stamped = zip(program, expected).filter { $0 != $1 }
            #expect(program.count == expected.count, "the video elementary stream is the source's, packet by packet")
            #expect(stamped.allSatisfy { $0.reorderDelay == $1.reorderDelay && $0.size > $1.size }, "\(stamped.prefix(3))")
            #expect(stamped.count <= program.count / 20, "\(stamped.count) of \(program.count) packets differ")
        }
        await harness.stop()
    }

    @Test func cutsBetweenSourcesWithBFramesSpliceAtIDRAndDecodeWithoutErrors() async throws {
        var configuration = ProgramConfiguration.forTests()
        configuration.instantCut = false  // every cut a passthrough splice at the target's IDR
        let harness = try ProgramHarness(program: configuration)
        let (reader, recording) = try harness.readProgram(name: "splices.ts")
        let drone = try harness.publish("drone-1")
        try await eventually("drone-1 on air", timeout: .seconds(20)) { harness.pipeline.status.onAir == "drone-1" }
        // A second matching source: the drone clip again, under the helicopter's id.
        let second = try harness.publish("heli-1", clip: MediaFiles.clip("drone-1"))
        try await harness.waitReady("heli-1")
        for target in ["heli-1", "drone-1", "heli-1", "drone-1"] {
            let outcome = await harness.pipeline.cut(to: target, by: "test")
            guard case .tookEffect = outcome else {
                Issue.record("cut to \(target): \(outcome)")
                break
            }
            #expect(harness.pipeline.status.mode == .passthrough, "spliced at \(target)'s IDR, not transcoded")
            let before = harness.pipeline.status.videoPacketsWritten
            try await eventually("\(target) on air for a while") { harness.pipeline.status.videoPacketsWritten > before + 20 }
        }
        reader.terminate()
        try await reader.waitForExit()
        drone.terminate()
        second.terminate()

        try RecordedStream.dropCutOffTail(recording)
        let strict = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-err_detect", "explode", "-i", recording, "-map", "0:v:0", "-enc_time_base", "1/90000", "-f", "null", "-",
        ])
        #expect(strict.status == 0 && strict.stderr.isEmpty, "decodes with err_detect explode: \(strict.stderr)")
        let report = try TransportStreamChecker.check(recording)
        #expect(report.isClean, "\(report)")
        await harness.stop()
    }

    /// The columns of a picture's middle row that are bright, as runs (start, length).
    static func brightRuns(_ row: ArraySlice<UInt8>) -> [(Int, Int)] {
        var runs: [(Int, Int)] = []
        var start: Int?
        for (x, value) in zip(0..., row) {
            if value > 128, start == nil { start = x }
            if value <= 128, let begun = start {
                runs.append((begun, x - begun))
                start = nil
            }
        }
        if let begun = start { runs.append((begun, row.count - begun)) }
        return runs
    }

    /// Every picture of a recording as the brightest of each column over the two rows at its
    /// vertical middle: one row of each field, so two fields woven into one picture show both
    /// fields' bars (as a scaler blending them would).
    static func middleRows(_ path: String, width: Int = 1920) async throws -> [[UInt8]] {
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-i", path, "-map", "0:v:0", "-fps_mode", "passthrough",
            "-vf", "crop=iw:2:0:ih/2,format=gray", "-f", "rawvideo", "-",
        ])
        let bytes = [UInt8](result.stdout)
        if bytes.isEmpty { Issue.record("no pictures from \(path): \(result.stderr)") }
        return stride(from: 0, to: bytes.count - 2 * width + 1, by: 2 * width).map { start in
            (0..<width).map { max(bytes[start + $0], bytes[start + width + $0]) }
        }
    }

    @Test func an1080iSourceIsDeinterlacedBeforeScalingOneBarNotTwo() async throws {
        let harness = try ProgramHarness()
        let heli = try harness.publish("heli-1", clip: MediaFiles.directory.appendingPathComponent("field-test.ts").path)
        try await eventually("field test on air", timeout: .seconds(20)) { harness.pipeline.status.onAir == "heli-1" }
        #expect(harness.pipeline.status.sources.first { $0.id == "heli-1" }?.matchesProfile == false, "1080i is converted for 1080p")
        // The program shows the source's converted pictures for a second before the recording
        // starts: the take from the slate is behind it.
        let onAirAt = harness.pipeline.status.programTimeSeconds ?? 0
        try await eventually("a second of heli-1 on the program") { (harness.pipeline.status.programTimeSeconds ?? 0) > onAirAt + 1 }
        // 3 s: the reader's copy starts at the program's next keyframe (up to a second in).
        let recording = try await harness.recordProgram(seconds: 3, name: "fields.ts")
        heli.terminate()

        let rows = try await Self.middleRows(recording)
        let bars = rows.map { Self.brightRuns($0[...]).count }
        print("bright bars per program picture: \(bars)")
        #expect(bars.filter { $0 == 1 }.count >= 30, "pictures with one bar: \(bars)")
        // Woven or blended, every picture would show two. The publisher's loop back to the
        // clip's start (every 2 s, 60 pictures) may cost one picture its neighbours in time.
        #expect(bars.filter { $0 >= 2 }.count <= bars.count / 60 + 1, "pictures showing both fields' bars: \(bars)")
        await harness.stop()
    }

    /// The average colour of a region (fractions of the picture) of the picture at 1 s.
    static func colour(_ path: String, x: Double, y: Double, width: Double, height: Double) async throws -> (Int, Int, Int) {
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-ss", "1", "-i", path, "-frames:v", "1",
            "-vf", "crop=iw*\(width):ih*\(height):iw*\(x):ih*\(y),scale=1:1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ])
        let bytes = [UInt8](result.stdout)
        guard bytes.count >= 3 else { throw TestFailure("ffmpeg cannot decode \(path): \(result.stderr)") }
        return (Int(bytes[0]), Int(bytes[1]), Int(bytes[2]))
    }

    @Test func aVerticalPhonePictureIsPillarboxedNotStretched() async throws {
        let harness = try ProgramHarness()
        let phone = try harness.publish("mobile-1")
        try await eventually("mobile-1 on air", timeout: .seconds(20)) { harness.pipeline.status.onAir == "mobile-1" }
        let recording = try await harness.recordProgram(seconds: 2, name: "phone.ts")
        phone.terminate()

        // 720x1280 shown 1080 high is 608 wide: black columns of 656 on each side.
        let left = try await Self.colour(recording, x: 0, y: 0, width: 640 / 1920, height: 1)
        let right = try await Self.colour(recording, x: 1 - 640 / 1920, y: 0, width: 640 / 1920, height: 1)
        let phoneArea = try await Self.colour(recording, x: 0.45, y: 1 / 3, width: 0.1, height: 0.05)
        #expect(left.0 + left.1 + left.2 < 30, "black on the left, got \(left)")
        #expect(right.0 + right.1 + right.2 < 30, "black on the right, got \(right)")
        #expect(MediaFiles.identify(phoneArea) == "mobile-1", "the phone's red picture in the middle, got \(phoneArea)")
        let edges = try await Self.colour(recording, x: 670 / 1920, y: 0.33, width: 0.01, height: 0.05)
        #expect(MediaFiles.identify(edges) == "mobile-1", "the picture reaches its full 608 columns, got \(edges)")
        await harness.stop()
    }
}
