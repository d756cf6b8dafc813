import Foundation
import Testing
@testable import VideoRelay

/// Instant cuts, pictures held while a source is silent, the slate's wall clock, sources that
/// need scaling, and a publisher coming back: the program inside a real relay, ffmpeg
/// publishers, recordings checked by ffmpeg/ffprobe and the TS checker. Serialized (two cores).
@Suite(.serialized) struct ProgramInstantCutTests {
    /// The largest PTS step between consecutive pictures of a recording.
    static func largestStep(_ pictures: [RecordedFrames.Picture]) -> Int64 {
        zip(pictures, pictures.dropFirst()).map { $1.pts - $0.pts }.max() ?? 0
    }

    /// A reader stopped mid-stream cuts the B-frames of its last GOP short: the last P may have
    /// arrived without the B-frames shown before it. This many pictures at the end of a
    /// recording (the sample clips' reorder depth and the P) are not judged.
    static let unjudgedTail = 3

    /// Stops the reader and checks its recording as a receiver would: it decodes with no error,
    /// continuity counters and timestamps never break, and there is a picture every frame.
    /// Returns the pictures.
    static func checkUnbroken(_ reader: ExternalProcess, _ recording: String) async throws -> [RecordedFrames.Picture] {
        reader.terminate()
        try await reader.waitForExit()
        let decoded = try await RecordedStream.decode(recording)
        #expect(decoded.errors.isEmpty, "\(decoded.errors)")
        let report = try TransportStreamChecker.check(recording)
        #expect(report.isClean, "\(report)")
        #expect(report.tableContinuityErrors.isEmpty, "PAT/PMT/SDT counters across splices: \(report.tableContinuityErrors.prefix(5))")
        let pictures = try await RecordedFrames.pictures(recording)
        let judged = pictures.dropLast(Self.unjudgedTail)
        // Up to three frames' step is the source's own timing, passed through: a publisher's
        // loop point (2.3 frames in the sample clips) or a picture it lost (SRT drops the late
        // packets of a publisher that bursts after a freeze). Silence or a cut waiting for a
        // keyframe would leave at least 15 (the 500 ms hold) or a GOP.
        let gaps = zip(judged.indices, zip(judged, judged.dropFirst())).filter { $1.1.pts - $1.0.pts > 9009 }
            .map { "#\($0.0) \($0.1.0) -> \($0.1.1)" }
        #expect(gaps.isEmpty, "no gap, in \(judged.count) pictures: \(gaps.prefix(5))")
        return pictures
    }

    @Test func anInstantCutShowsTheNewSourceOnTheNextFrameThenReturnsToPassthrough() async throws {
        let harness = try ProgramHarness()
        let heli = try harness.publish("heli-1", clip: try await MediaFiles.progressiveHeli())
        // drone-1 publishes only once heli-1 is on air: started together, whichever goes live
        // first is taken, and the test needs heli-1.
        try await eventually("heli-1 on air", timeout: .seconds(20)) { harness.pipeline.status.onAir == "heli-1" }
        let drone = try harness.publish("drone-1")
        try await harness.waitReady("drone-1")
        try await eventually("passthrough") { harness.pipeline.status.mode == .passthrough }
        let (reader, recording) = try harness.readProgram(name: "instant.ts")
        try await eventually("program flowing to the reader") { RelayHarness.fileSize(recording) > 300_000 }

        // When an operator cuts, it takes effect at once (no wait for drone-1's next IDR)...
        let outcome = await harness.pipeline.cut(to: "drone-1", by: "test")
        guard case .tookEffect(_, let waited) = outcome else {
            Issue.record("cut did not take effect: \(outcome)")
            return
        }
        #expect(waited < 400, "instant: decoding the cached GOP, not waiting up to a 1 s GOP (waited \(waited) ms)")
        let cutAt = try #require(harness.pipeline.status.lastCut?.programTimeSeconds)
        // ...and the program goes back to passthrough at drone-1's next IDR.
        try await eventually("passthrough again", timeout: .seconds(5)) { harness.pipeline.status.mode == .passthrough }
        try await eventually("passthrough recorded") { RelayHarness.fileSize(recording) > 900_000 }

        // Then the recording decodes cleanly across passthrough → bridge → passthrough on one
        // timeline, and shows heli-1 up to the frame before the cut's program time and drone-1
        // from exactly that frame.
        let pictures = try await Self.checkUnbroken(reader, recording)
        let cutPTS = Int64((cutAt * 90_000).rounded())
        let index = try #require(pictures.firstIndex { $0.pts == cutPTS }, "a picture at the cut's program time \(cutPTS)")
        #expect(index > 0)
        #expect(pictures[index].source == "drone-1", "\(pictures[index])")
        #expect(pictures[index - 1].source == "heli-1", "\(pictures[index - 1])")
        #expect(pictures[index].pts - pictures[index - 1].pts == 3003, "the next frame, no gap")
        #expect(pictures[(index + 1)...].allSatisfy { $0.source == "drone-1" })

        heli.terminate()
        drone.terminate()
        await harness.stop()
    }

    @Test func cutsToAndFromASourceWithBFramesKeepEveryPictureThroughTheBridgeAndBack() async throws {
        let harness = try ProgramHarness()
        let heliClip = try await MediaFiles.progressiveHeli()
        let drone = try harness.publish("drone-1")
        try await eventually("drone-1 on air", timeout: .seconds(20)) { harness.pipeline.status.onAir == "drone-1" }
        let heli = try harness.publish("heli-1", clip: heliClip)
        try await harness.waitReady("heli-1")
        let (reader, recording) = try harness.readProgram(name: "bframes.ts")
        try await eventually("program flowing to the reader") { RelayHarness.fileSize(recording) > 300_000 }

        // When an operator cuts back and forth, each cut bridged (decoded) until the new
        // source's next IDR and passed through from there...
        var cutPTS: [Int64] = []
        for target in ["heli-1", "drone-1", "heli-1", "drone-1"] {
            let outcome = await harness.pipeline.cut(to: target, by: "test")
            guard case .tookEffect = outcome else { Issue.record("cut to \(target): \(outcome)"); return }
            cutPTS.append(Int64(((harness.pipeline.status.lastCut?.programTimeSeconds ?? 0) * 90_000).rounded()))
            try await eventually("passthrough again", timeout: .seconds(5)) { harness.pipeline.status.mode == .passthrough }
            let size = RelayHarness.fileSize(recording)
            try await eventually("more recorded") { RelayHarness.fileSize(recording) > size + 200_000 }
        }

        // Then every picture is one frame after the one before, at every cut and every return
        // to passthrough (the B-frames a decoder still held are not dropped), except at the
        // publishers' own loop points, which passthrough carries as they are.
        let pictures = try await Self.checkUnbroken(reader, recording).dropLast(Self.unjudgedTail)
        let seams = ["heli-1": try await RecordedFrames.loopSeam(heliClip), "drone-1": try await RecordedFrames.loopSeam(MediaFiles.clip("drone-1"))]
        let steps = zip(pictures, pictures.dropFirst()).filter { pair in
            pair.1.pts - pair.0.pts != 3003 && !(pair.0.source == pair.1.source && pair.1.pts - pair.0.pts == seams[pair.1.source ?? ""])
        }
        #expect(steps.isEmpty, "steps other than a frame or a loop point: \(steps.prefix(5))")
        for pts in cutPTS {
            let index = try #require(pictures.firstIndex { $0.pts == pts }, "a picture at the cut's program time \(pts)")
            #expect(index > 0 && pictures[index].source != pictures[index - 1].source, "the cut at \(pts) shows the new source")
        }
        heli.terminate()
        drone.terminate()
        await harness.stop()
    }

    @Test func aSilentSourceKeepsTheProgramAtItsFrameRateUntilFailoverAndAfter() async throws {
        let harness = try ProgramHarness(program: .forTests(failover: ["heli-1": FailoverRule(thresholdMilliseconds: 1500)]))
        let heli = try harness.publish("heli-1", clip: try await MediaFiles.progressiveHeli())
        try await eventually("heli-1 on air", timeout: .seconds(20)) { harness.pipeline.status.onAir == "heli-1" }
        try await eventually("passthrough") { harness.pipeline.status.mode == .passthrough }
        let (reader, recording) = try harness.readProgram(name: "silent.ts")
        try await eventually("program flowing to the reader") { RelayHarness.fileSize(recording) > 300_000 }

        // When heli-1's publisher freezes (sends nothing, still connected)...
        heli.signal(SIGSTOP)
        let before = harness.pipeline.status.programTimeSeconds ?? 0
        let frozenAt = ContinuousClock.now
        try await eventually("slate on air after the failover threshold") { harness.pipeline.status.onAir == "slate" }
        // ...the program clock kept pace with the wall clock through the silence: pictures
        // were repeated, not skipped.
        try await eventually("program clock at the wall clock") {
            let elapsed = Double((ContinuousClock.now - frozenAt).components.seconds)
            return (harness.pipeline.status.programTimeSeconds ?? 0) - before >= elapsed
        }
        let afterFailover = harness.pipeline.status
        let wall = ContinuousClock.now - frozenAt
        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        #expect(afterFailover.repeatedFrames >= 20, "about 1 s of held pictures, got \(afterFailover.repeatedFrames)")
        #expect(abs((afterFailover.programTimeSeconds ?? 0) - before - wallSeconds) < 0.5, "program time follows the wall clock")
        heli.signal(SIGCONT)
        try await eventually("heli-1 back from the slate", timeout: .seconds(15)) { harness.pipeline.status.onAir == "heli-1" }
        try await eventually("more recorded") { RelayHarness.fileSize(recording) > 1_200_000 }

        // Then there is a picture every frame across the silence, slate and return.
        let pictures = try await Self.checkUnbroken(reader, recording)
        #expect(pictures.contains { $0.source == nil }, "the slate was recorded")
        heli.terminate()
        await harness.stop()
    }

    /// The slate's clock area (grey levels) in picture number `index`.
    static func clockArea(_ path: String, picture index: Int) async throws -> [UInt8] {
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-i", path, "-frames:v", "1",
            "-vf", "select=gte(n\\,\(index)),crop=600:70:(iw-600)/2:ih/2+35,format=gray", "-f", "rawvideo", "-",
        ])
        return [UInt8](result.stdout)
    }

    @Test(arguments: [true, false])
    func theSlateShowsTheWallClockWithOrWithoutASlateClip(withClip: Bool) async throws {
        var program = ProgramConfiguration.forTests()
        if !withClip { program.slatePath = nil }
        let harness = try ProgramHarness(program: program)
        try await eventually("program output flowing") { harness.pipeline.status.videoPacketsWritten > 30 }
        #expect(harness.pipeline.status.onAir == "slate")
        let recording = try await harness.recordProgram(seconds: 2.6, name: "slate.ts")

        // The clock area changes from one second to the next (wall time, not a frozen picture)...
        let first = try await Self.clockArea(recording, picture: 2)
        let later = try await Self.clockArea(recording, picture: 65)
        #expect(first.count == 600 * 70 && later.count == first.count)
        let changed = zip(first, later).filter { abs(Int($0) - Int($1)) > 60 }.count
        #expect(changed > 200, "the time drawn changed (\(changed) pixels)")
        // ...on a dark grey slate, in the profile.
        let corner = try #require(try await RecordedStream.cornerColour(recording))
        #expect(abs(corner.0 - 0x21) + abs(corner.1 - 0x21) + abs(corner.2 - 0x21) < 40, "dark grey slate, got \(corner)")
        let decoded = try await RecordedStream.decode(recording)
        #expect(decoded.errors.isEmpty, "\(decoded.errors)")
        #expect(decoded.videoFrames >= 70, "30 fps: \(decoded.videoFrames) frames in 2.6 s")
        await harness.stop()
    }

    @Test func aSourceOfAnotherSizeAndRateIsScaledToTheProfileAndCutToAtOnce() async throws {
        let harness = try ProgramHarness()
        // A 640x360 25 fps field encoder, red like mobile-1.
        let clip = harness.file("small.ts").path
        let made = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0xa02828:s=640x360:r=25:d=4",
            "-f", "lavfi", "-i", "sine=frequency=880:sample_rate=48000:duration=4",
            "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-bf", "0", "-c:a", "aac", "-f", "mpegts", clip,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let heli = try harness.publish("heli-1")
        try await eventually("heli-1 on air", timeout: .seconds(20)) { harness.pipeline.status.onAir == "heli-1" }
        let small = try harness.publish("mobile-1", clip: clip)
        try await harness.waitReady("mobile-1")
        #expect(harness.pipeline.status.sources.first { $0.id == "mobile-1" }?.matchesProfile == false)

        let outcome = await harness.pipeline.cut(to: "mobile-1", by: "test")
        guard case .tookEffect(_, let waited) = outcome else {
            Issue.record("cut did not take effect: \(outcome)")
            return
        }
        #expect(waited < 400, "a transcode cut does not wait for a keyframe either (waited \(waited) ms)")
        #expect(harness.pipeline.status.mode == .transcode)
        // 3 s: the program may mux this source's sound behind its pictures (its muxer sends it late),
        // and a recording counts its length from its first packet of either.
        let recording = try await harness.recordProgram(seconds: 3, name: "scaled.ts")
        let probe = try await ExternalProcess.output([
            "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,r_frame_rate", "-of", "csv=p=0", recording,
        ])
        let line = String(decoding: probe.stdout, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        #expect(line == "1920,1080,30000/1001", "program profile, got \(line)")
        let pictures = try await RecordedFrames.pictures(recording)
        #expect(pictures.count >= 50 && Self.largestStep(pictures) <= 3003, "29.97 fps from a 25 fps source")
        // Judged on the last picture: a joining reader may start on a GOP cached before the cut.
        #expect(pictures.last?.source == "mobile-1", "\(String(describing: pictures.last))")
        let decoded = try await RecordedStream.decode(recording)
        #expect(decoded.errors.isEmpty, "\(decoded.errors)")

        heli.terminate()
        small.terminate()
        await harness.stop()
    }

    @Test func aPublisherThatReconnectsComesBackOnAirWithOneTimeline() async throws {
        let harness = try ProgramHarness(program: .forTests(failover: ["heli-1": FailoverRule(backup: "drone-1", thresholdMilliseconds: 1000)]))
        var heli = try harness.publish("heli-1")
        try await eventually("heli-1 on air", timeout: .seconds(20)) { harness.pipeline.status.onAir == "heli-1" }
        let drone = try harness.publish("drone-1")
        try await harness.waitReady("drone-1")
        let (reader, recording) = try harness.readProgram(name: "reconnect.ts")
        try await eventually("program flowing to the reader") { RelayHarness.fileSize(recording) > 200_000 }

        // When heli-1's publisher disconnects, its backup takes over...
        heli.terminate()
        _ = try await heli.waitForExit()
        try await eventually("drone-1 on air") { harness.pipeline.status.onAir == "drone-1" }
        // ...and when it reconnects, the program returns to it by itself.
        heli = try harness.publish("heli-1")
        try await eventually("heli-1 back on air", timeout: .seconds(20)) { harness.pipeline.status.onAir == "heli-1" }
        #expect(harness.pipeline.status.automaticMoves.contains { $0.to == "heli-1" && $0.reason == "restore" })
        // A joining reader may start on the GOP cached before the return: 2.5 s, the last pictures judged.
        let back = try await harness.recordProgram(seconds: 2.5, name: "back.ts")
        let backPictures = try await RecordedFrames.pictures(back)
        #expect(backPictures.suffix(10).allSatisfy { $0.source == "heli-1" }, "\(backPictures.suffix(10))")

        // Timestamps, continuity and a picture every frame across the disconnect and return.
        let pictures = try await Self.checkUnbroken(reader, recording)
        #expect(Set(pictures.compactMap(\.source)) == ["heli-1", "drone-1"])

        heli.terminate()
        drone.terminate()
        await harness.stop()
    }
}
