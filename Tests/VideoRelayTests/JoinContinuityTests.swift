import Foundation
import Testing
@testable import VideoRelay

/// A reader joining mid-stream gets the PAT and PMT first; their continuity counters must
/// continue into the stream that follows, or every receiver reports a continuity error for
/// PIDs 0 and the PMT's on each join.
@Suite(.serialized)
struct JoinContinuityTests {
    /// Joins three srt-live-transmit readers one after another, each once the previous one has
    /// received something, and checks every recording with ffmpeg's own continuity check.
    private func joinsAreContinuous(gopCache: Bool) async throws {
        let harness = try RelayHarness(.sampleSources(fanout: FanoutLimits(gopCache: gopCache)))
        let publisher = try harness.publish("heli-1")
        try await harness.waitLive("heli-1")
        var recordings: [String] = []
        for index in 0..<3 {
            let (reader, path) = try harness.readWithSRTLiveTransmit("heli-1", name: "join-\(index).ts")
            try await eventually("reader \(index) recording", timeout: .seconds(20)) { RelayHarness.fileSize(path) > 200_000 }
            reader.terminate()
            try await reader.waitForExit()
            recordings.append(path)
        }
        publisher.terminate()
        try await publisher.waitForExit()
        for path in recordings {
            try RecordedStream.dropCutOffTail(path)
            let report = try TransportStreamChecker.check(path)
            #expect(report.tableContinuityErrors.isEmpty && report.continuityErrors.isEmpty, "\(path): \(report)")
            // ffmpeg's demuxer logs continuity failures at debug level.
            let ffmpeg = try await ExternalProcess.output(["ffmpeg", "-hide_banner", "-v", "debug", "-i", path, "-f", "null", "-"])
            let failures = ffmpeg.stderr.split(separator: "\n").filter { $0.contains("Continuity check failed") }
            #expect(failures.isEmpty, "\(path): \(failures)")
        }
        await harness.stop()
    }

    @Test func readersJoiningOnTheCachedGOPSeeNoContinuityJump() async throws {
        try await joinsAreContinuous(gopCache: true)
    }

    @Test func readersWaitingForTheNextKeyframeSeeNoContinuityJump() async throws {
        try await joinsAreContinuous(gopCache: false)
    }
}
