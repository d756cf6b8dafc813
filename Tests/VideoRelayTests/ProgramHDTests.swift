import Foundation
import Testing
@testable import VideoRelay

/// The field's real signals through the relay and the program pipeline: 1080p29.97 with
/// B-frames passed through byte for byte, cuts between such sources that decode cleanly, 1080i
/// deinterlaced and a vertical phone picture pillarboxed when converted. Serialized with the
/// other program tests (two cores).
@Suite(.serialized) struct ProgramHDTests {
    /// One line of ffmpeg's framemd5 for a video packet: what passthrough must keep.
    struct PacketPrint: Hashable {
        var reorderDelay: Int64
        var size: Int
        var hash: String
    }

    /// The video packets of a file as ffmpeg's demuxer gives them (`-c copy`, nothing decoded).
    static func packetPrints(_ path: String) async throws -> [PacketPrint] {
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-i", path, "-map", "0:v:0", "-c", "copy", "-f", "framemd5", "-",
        ])
        return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 6, let dts = Int64(fields[1]), let pts = Int64(fields[2]), let size = Int(fields[4]) else { return nil }
            return PacketPrint(reorderDelay: pts - dts, size: size, hash: fields[5])
        }
    }

    @Test func a1080p2997SourceWithBFramesIsPassedThroughByteForByte() async throws {
        let harness = try ProgramHarness()
        let drone = try harness.publish("drone-1")
        try await eventually("drone-1 on air in passthrough", timeout: .seconds(20)) {
            harness.pipeline.status.onAir == "drone-1" && harness.pipeline.status.mode == .passthrough
        }
        let recording = try await harness.recordProgram(seconds: 3, name: "passthrough.ts")
        drone.terminate()

        let source = try await Self.packetPrints(MediaFiles.clip("drone-1"))
        #expect(source.contains { $0.reorderDelay > 0 }, "the clip has B-frames")
        var program = try await Self.packetPrints(recording)
        _ = program.popLast()  // the reader may have stopped inside the last one
        #expect(program.count >= 60, "\(program.count) video packets recorded")
        // Every packet is the clip's own, in the clip's (looped) order, with its reordering delay.
        let looped = source + source + source
        let start = looped.firstIndex(of: program.first ?? PacketPrint(reorderDelay: 0, size: 0, hash: ""))
        #expect(start != nil, "the program's first packet is one of the clip's")
        if let found = start {
            let expected = Array(looped[found..<min(found + program.count, looped.count)])
            #expect(program == expected, "the video elementary stream is the source's, packet by packet")
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
            "ffmpeg", "-hide_banner", "-v", "error", "-err_detect", "explode", "-i", recording, "-map", "0:v:0", "-f", "null", "-",
        ])
        #expect(strict.status == 0 && strict.stderr.isEmpty, "decodes with err_detect explode: \(strict.stderr)")
        let report = try TransportStreamChecker.check(recording)
        #expect(report.isClean, "\(report)")
        await harness.stop()
    }
}
