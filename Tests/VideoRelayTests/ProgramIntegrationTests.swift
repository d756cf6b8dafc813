import Foundation
import Testing
@testable import VideoRelay

/// The program pipeline inside a real relay, with ffmpeg publishing the sample clips (each a
/// different colour) and real readers recording the program. Serialized: each test runs
/// encoders and decoders, and the machine has two cores.
@Suite(.serialized) struct ProgramIntegrationTests {
    @Test func programRunsOnTheSlateWithNoSourceThenCutsBetweenFeedsWithoutBreaks() async throws {
        let harness = try ProgramHarness()
        // Given no source is live: the program still runs, on the slate.
        let (reader, recording) = try harness.readProgram(name: "program.ts")
        try await eventually("program output flowing") { harness.pipeline.status.videoPacketsWritten > 30 }
        #expect(harness.pipeline.status.onAir == "slate")

        // When heli-1 goes live it is taken (nothing was on air), then an operator cuts to drone-1.
        let heli = try harness.publish("heli-1")
        // drone-1 publishes only once heli-1 is on air: started together, whichever goes live
        // first is taken, and the test needs heli-1.
        try await eventually("heli-1 on air", timeout: .seconds(20)) { harness.pipeline.status.onAir == "heli-1" }
        let drone = try harness.publish("drone-1")
        try await harness.waitReady("drone-1")
        let heliClip = try await harness.recordProgram(seconds: 1.5, name: "heli.ts")
        #expect(try await RecordedStream.sourceShown(heliClip) == "heli-1")

        let outcome = await harness.pipeline.cut(to: "drone-1", by: "test")
        guard case .tookEffect(_, let waited) = outcome else {
            Issue.record("cut did not take effect: \(outcome)")
            return
        }
        #expect(waited <= 500, "an instant cut does not wait for drone-1's next keyframe")
        #expect(harness.pipeline.status.lastCut?.source == "drone-1")
        #expect(harness.pipeline.status.lastCut?.by == "test")
        let droneClip = try await harness.recordProgram(seconds: 1.5, name: "drone.ts")
        #expect(try await RecordedStream.sourceShown(droneClip) == "drone-1")
        // The cut was instant (a bridge encoded); passthrough resumes at drone-1's next IDR.
        try await eventually("passthrough at drone-1's next IDR") { harness.pipeline.status.mode == .passthrough }

        // Then the whole recording (slate, heli-1, drone-1) decodes cleanly and its timeline
        // and continuity counters never break.
        reader.terminate()
        try await reader.waitForExit()
        let decoded = try await RecordedStream.decode(recording)
        #expect(decoded.errors.isEmpty, "\(decoded.errors)")
        #expect(decoded.videoFrames > 90)
        let report = try TransportStreamChecker.check(recording)
        #expect(report.isClean, "\(report)")
        #expect(report.timestamps.count == 2, "one video and one audio PID throughout: \(report.pids)")
        // Pictures under 64 KiB (most of them) say how long their PES is, so a next relay's
        // demuxer releases each with its last byte.
        let bounded = report.videoPESLengths.filter { $0 > 0 }.count
        #expect(bounded * 2 > report.videoPESLengths.count, "\(bounded) of \(report.videoPESLengths.count) video PES with a length")

        heli.terminate()
        drone.terminate()
        await harness.stop()
    }
}
