import Crypto
import Foundation
import Testing
import VideoRelay
@testable import relayd

/// A disk that really fills up: the data directory is a 64 MB tmpfs, ffmpeg publishes drone-1
/// (passed through to the program), an srt-live-transmit reader records the program, and a
/// filler file takes the space. Recording stops and resumes by itself; the reader never
/// notices; what was recorded still verifies.
@Suite(.serialized) struct RecordingFullDiskTests {
    static let config = """
        srt:
          listen: 127.0.0.1:{SRT_PORT}
        http:
          listen: 127.0.0.1:{HTTP_PORT}
        sources:
          - id: drone-1
            kind: drone
        recording:
          segment_s: 1
          min_free_mb: 16
        """

    /// relayd on a tmpfs data directory, drone-1 on the program, a program reader recording it.
    struct Setup {
        let relayd: RelaydProcess
        let disk: TmpfsMount
        let publisher: ChildProcess
        let reader: ChildProcess
        let capture: URL
        var filler: URL { disk.directory.appendingPathComponent("filler") }
        var drone: URL { disk.directory.appendingPathComponent("recordings/drone-1") }

        func stopClients() {
            reader.signal(SIGKILL)
            publisher.signal(SIGKILL)
        }
    }

    static func start() async throws -> Setup {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relayd-\(UUID().uuidString)")
        let disk = try TmpfsMount(at: directory.appendingPathComponent("data"), megabytes: 64)
        do {
            let relayd = try RelaydProcess(configYAML: config, directory: directory)
            try await relayd.waitReady()
            let publisher = try relayd.publishSampleClip("drone-1")
            try await relayd.waitFor("/api/program", "drone-1 on air") { ($0 as? [String: Any])?["on_air"] as? String == "drone-1" }
            let capture = directory.appendingPathComponent("program.ts")
            let reader = try ChildProcess(
                ["srt-live-transmit", "-q", "srt://127.0.0.1:\(relayd.srtPort)?streamid=#!::r=program,m=request", "file://con"],
                standardOutput: capture.path)
            let setup = Setup(relayd: relayd, disk: disk, publisher: publisher, reader: reader, capture: capture)
            try await eventually("two segments of drone-1 recorded", timeout: .seconds(30)) { try RecordingIntegrationTests.manifest(setup.drone).count >= 2 }
            return setup
        } catch {
            disk.unmount()
            throw error
        }
    }

    static func metrics(_ relayd: RelaydProcess) async throws -> String {
        String(decoding: try await RelaydHTTP.get(port: relayd.httpPort, path: "/metrics").1, as: UTF8.self)
    }

    /// Waits until the reader's recording of the program has grown by `bytes`.
    static func readerReceives(_ setup: Setup, _ bytes: Int, _ what: String) async throws {
        let from = captured(setup)
        try await eventually(what, timeout: .seconds(30)) { captured(setup) >= from + bytes }
    }

    static func captured(_ setup: Setup) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: setup.capture.path)[.size] as? Int) ?? 0
    }

    /// The largest step between the video pictures the reader got, in order of presentation (90 kHz).
    static func largestPictureStep(_ capture: URL) async throws -> (step: Int64, pictures: Int, at: Int) {
        let probe = try await RecordingIntegrationTests.run([
            "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts", "-of", "csv=p=0", capture.path,
        ])
        let times = probe.output.split(separator: "\n").compactMap { Int64($0.split(separator: ",").first ?? "") }.sorted()
        // The last few are left out: the reader stopped in the middle of a run of B-frames, so the
        // newest P-frame it got comes after B-frames shown before it that it never received.
        let steps = Array(zip(times.dropFirst(), times).map { $0 - $1 }.dropLast(4))
        let largest = steps.indices.max { steps[$0] < steps[$1] }
        return (largest.map { steps[$0] } ?? .max, times.count, largest ?? -1)
    }

    /// The largest step drone-1's publisher itself makes: at each repeat of the clip its video
    /// jumps by a little more than a frame (the clip's audio runs longer than its video).
    static func publishedLargestStep(_ directory: URL) async throws -> Int64 {
        let looped = directory.appendingPathComponent("published.ts")
        let clip = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Media/drone-1.ts")
        let made = try await RecordingIntegrationTests.run([
            "ffmpeg", "-v", "error", "-y", "-stream_loop", "2", "-i", clip.path, "-c", "copy", "-f", "mpegts", looped.path,
        ])
        guard made.status == 0 else { throw TestFailure("cannot loop \(clip.path): \(made.errors)") }
        return try await largestPictureStep(looped).step
    }

    /// What the reader got: pictures one after another (no step beyond the publisher's own) and
    /// no continuity counter broken (ffmpeg's own check).
    static func expectNoGap(_ setup: Setup) async throws {
        let published = try await publishedLargestStep(setup.relayd.directory)
        let (step, pictures, at) = try await largestPictureStep(setup.capture)
        #expect(pictures > 150, "the reader got \(pictures) pictures")
        #expect(step <= max(published, oneFrame), "the largest step between the reader's pictures is \(step) ticks, after picture \(at) of \(pictures) (publisher: \(published))")
        let decode = try await RecordingIntegrationTests.run(["ffmpeg", "-v", "debug", "-i", setup.capture.path, "-f", "null", "-"])
        let breaks = decode.errors.split(separator: "\n").filter { $0.contains("Continuity check failed") }
        #expect(breaks.isEmpty, "\(breaks.prefix(5))")
    }

    static func verify(_ relayd: RelaydProcess) async throws -> (status: Int32, output: String) {
        try await RelaydProcess.run([
            "recording", "verify", "--data-dir", relayd.directory.appendingPathComponent("data").path,
            "--audit-key", relayd.directory.appendingPathComponent("keys/audit-signing.key").path,
        ])
    }

    /// Waits for `action` in the audit trail; returns when it was entered.
    @discardableResult
    static func audited(_ relayd: RelaydProcess, _ action: String) async throws -> Date {
        try await relayd.waitFor("/api/audit?action=recording", "\(action) in the audit trail", timeout: .seconds(30)) { value in
            ((value as? [String: Any])?["entries"] as? [[String: Any]] ?? []).contains { $0["action"] as? String == action }
        }
        let body = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/audit?action=recording").1
        let entries = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["entries"] as? [[String: Any]] ?? []
        let time = entries.first { $0["action"] as? String == action }?["time"] as? String ?? ""
        return try #require(RecordingManifest.parseTimestamp(time), "the audit entry's time \(time)")
    }

    /// One frame at 29.97 (3003 ticks), and one tick of rounding.
    static let oneFrame: Int64 = 3004

    @Test func aFullDiskPausesRecordingWithoutAGapForReadersAndRecordingResumesWhenSpaceReturns() async throws {
        let setup = try await Self.start()
        defer {
            setup.stopClients()
            setup.disk.unmount()
        }
        let relayd = setup.relayd

        // When a filler leaves less than recording.min_free_mb (16 MB) free
        try setup.disk.fill(setup.filler, bytes: setup.disk.freeBytes - (8 << 20))
        try await eventually("relay_recording_paused_for_space 1", timeout: .seconds(30)) {
            try await Self.metrics(relayd).contains("relay_recording_paused_for_space 1")
        }
        let paused = try await Self.audited(relayd, "recording.paused")
        // Then no segment starts while the program reader carries on
        try await Self.readerReceives(setup, 500_000, "the reader receives the program while recording is paused")
        let recorded = try RecordingIntegrationTests.manifest(setup.drone)
        let whilePaused = recorded.count
        let started = recorded.filter { (RecordingManifest.parseTimestamp($0.start) ?? .distantPast) > paused }
        #expect(started.isEmpty, "segments started after the pause at \(paused): \(started.map(\.file))")

        // When the filler goes, recording resumes by itself and new segments are entered
        try FileManager.default.removeItem(at: setup.filler)
        try await Self.audited(relayd, "recording.resumed")
        try await eventually("two new segments of drone-1", timeout: .seconds(30)) {
            try RecordingIntegrationTests.manifest(setup.drone).count >= whilePaused + 2
        }
        #expect(try await Self.metrics(relayd).contains("relay_recording_paused_for_space 0"))
        #expect(!(try await Self.metrics(relayd).contains("relay_recording_write_errors_total{")), "the guard paused before any write failed")
        // Then the reader saw every picture, one frame after another, throughout, and what was
        // recorded before and after the pause verifies
        try await Self.stopAndCheck(setup)
    }

    /// Stops the reader and relayd, then checks the reader saw no gap and the recordings of both
    /// resources verify.
    static func stopAndCheck(_ setup: Setup) async throws {
        setup.reader.terminate()
        _ = try await setup.reader.waitForExit(timeout: .seconds(10))
        #expect(try await setup.relayd.stop() == 0)
        try await expectNoGap(setup)
        let outcome = try await verify(setup.relayd)
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("recordings intact: 2 resources"), "\(outcome.output)")
    }
}

/// The disk fills up at once, with segments open: writes fail mid-segment (ENOSPC).
extension RecordingFullDiskTests {
    @Test func aWriteThatHitsAFullDiskCutsTheSegmentShortAndTheRecordingStillVerifies() async throws {
        let setup = try await Self.start()
        defer {
            setup.stopClients()
            setup.disk.unmount()
        }
        let relayd = setup.relayd

        // When a filler takes every byte left, while drone-1 and the program each have a segment open
        try setup.disk.fill(setup.filler)
        // Then the open segments are cut short by the failed write, counted, and recording pauses
        do {
            try await eventually("a segment cut short by a write error", timeout: .seconds(30)) {
                try await Self.metrics(relayd).contains("relay_recording_write_errors_total{")
            }
        } catch {
            throw RelaydTestFailure("\(error)\n\(relayd.log.suffix(6000))")
        }
        try await eventually("relay_recording_paused_for_space 1", timeout: .seconds(30)) {
            try await Self.metrics(relayd).contains("relay_recording_paused_for_space 1")
        }
        // And relayd and the program reader carry on
        try await Self.readerReceives(setup, 300_000, "the reader receives the program with the disk full")
        #expect(relayd.child.isRunning)

        // When the filler goes, recording resumes and new segments are entered
        let before = try RecordingIntegrationTests.manifest(setup.drone).count
        try FileManager.default.removeItem(at: setup.filler)
        try await eventually("two new segments of drone-1", timeout: .seconds(30)) {
            try RecordingIntegrationTests.manifest(setup.drone).count >= before + 2
        }
        try await Self.audited(relayd, "recording.resumed")
        // And the recording verifies: a segment cut short is entered as what reached the disk, and
        // the head a full disk kept from being signed is signed with the next segment
        try await Self.stopAndCheck(setup)
    }
}

/// The manifest itself on a full disk, through the recorder's own file types.
extension RecordingFullDiskTests {
    @Test func aManifestLineCutOffByAFullDiskIsTakenBackSoTheChainStaysReadable() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recordings-\(UUID().uuidString)")
        let disk = try TmpfsMount(at: directory, megabytes: 1)
        defer {
            disk.unmount()
            try? FileManager.default.removeItem(at: directory)
        }
        let key = AuditTrailSigningKey(privateKey: Curve25519.Signing.PrivateKey())
        let chain = try RecordingChain(recordings: directory, resource: "heli-1", key: key, tracksKept: false)
        let manifest = chain.directory.appendingPathComponent(RecordingManifest.manifestName)
        var made = 0
        func segment() throws -> SegmentFile {
            made += 1
            let start = Date(timeIntervalSince1970: 1_800_000_000 + Double(made) * 10)
            let file = try SegmentFile(directory: chain.directory, relativePath: RecordingManifest.segmentFile(seq: chain.nextSeq, start: start), start: start)
            file.write([UInt8](repeating: 0x47, count: 188)[...])
            return file
        }
        // Given a manifest whose last page has room for part of a line, but not all of it
        while true {
            let size = try Data(contentsOf: manifest).count
            let room = (4096 - size % 4096) % 4096
            if room > 0 && room < 300 { break }
            let file = try segment()
            _ = try chain.append(segment: file, digest: file.finish(), end: file.start + 10)
        }
        let before = try Data(contentsOf: manifest)
        let open = try segment()
        // When the disk is full and the next line is appended
        try disk.fill(directory.appendingPathComponent("filler"))
        #expect(throws: AuditTrailError.self) { _ = try chain.append(segment: open, digest: open.finish(), end: open.start + 10) }
        // Then the manifest is as it was: no half line for the next entry to follow
        #expect(try Data(contentsOf: manifest) == before)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("filler"))
        let next = try segment()
        _ = try chain.append(segment: next, digest: next.finish(), end: next.start + 10)
        let outcome = RecordingVerifier.verify(recordings: directory, publicKey: key.publicKey)
        guard case .intact = outcome else {
            Issue.record("the chain does not verify after the full disk: \(outcome)")
            return
        }
    }
}
