import Crypto
import Foundation
import Testing
import VideoRelay
@testable import relayd

/// Evidence recording through the real relayd binary: ffmpeg publishes, srt-live-transmit reads,
/// and the segments on disk are decoded, compared with what the reader received, verified, then
/// tampered with in every way `relayd recording verify` must catch.
@Suite(.serialized) struct RecordingIntegrationTests {
    static let config = """
        srt:
          listen: 127.0.0.1:{SRT_PORT}
        http:
          listen: 127.0.0.1:{HTTP_PORT}
        sources:
          - id: heli-1
            kind: helicopter
          - id: drone-1
            kind: drone
            record: false
        program:
          pipeline: false
        recording:
          segment_s: 1
        """

    @Test func segmentsHoldWhatReadersGotDecodeAndEveryTamperingIsCaught() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        let data = relayd.directory.appendingPathComponent("data")
        let heli = data.appendingPathComponent("recordings/heli-1")
        let (reader, publisher, capture) = try Self.readAndPublishHeli(relayd)
        defer { reader.signal(SIGKILL); publisher.signal(SIGKILL) }

        // Given heli-1 recorded in 1 s segments while a reader watches it
        let deadline = ContinuousClock.now + .seconds(60)
        while try Self.manifest(heli).count < 6 {
            guard ContinuousClock.now < deadline else { throw RelaydTestFailure("heli-1 recorded no 6 segments:\n\(relayd.log)") }
            try await Task.sleep(for: .milliseconds(200))
        }
        let seenByReader = try Self.manifest(heli)
        try await checkAPI(relayd, entries: seenByReader)
        reader.terminate()
        _ = try await reader.waitForExit(timeout: .seconds(10))
        publisher.terminate()
        #expect(try await relayd.stop() == 0)

        // Then every segment is an MPEG-TS stream starting on a keyframe that decodes cleanly
        let entries = try Self.manifest(heli)
        #expect(entries.count >= seenByReader.count)
        let received = try Data(contentsOf: capture)
        for entry in entries.dropLast() {
            let path = heli.appendingPathComponent(entry.file).path
            #expect(entry.file.hasPrefix(String(entry.start.prefix(10)) + "/"), "segments live under their UTC date")
            let decode = try await Self.run(["ffmpeg", "-v", "error", "-i", path, "-f", "null", "-"])
            #expect(decode.status == 0 && decode.errors.isEmpty, "segment \(entry.seq) decodes: \(decode.errors)")
            let first = try await Self.run([
                "ffprobe", "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1", "-show_entries", "frame=key_frame", "-of", "csv=p=0", path,
            ])
            #expect(first.output.hasPrefix("1"), "segment \(entry.seq) starts on a keyframe")
            #expect(entry.firstPts != nil && entry.lastPts != nil)
        }
        // And, after the stream's tables, each segment is exactly a run of the reader's bytes
        for entry in seenByReader.dropFirst().dropLast() {
            let segment = try Data(contentsOf: heli.appendingPathComponent(entry.file))
            #expect(segment.count > 376 + 188 * 100)
            #expect(received.range(of: segment.dropFirst(376)) != nil, "segment \(entry.seq) is what the reader received")
        }
        // And the program (passing heli-1 through) was recorded too, and the start and stop audited
        #expect(try Self.manifest(data.appendingPathComponent("recordings/program")).count >= 3)
        #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("recordings/drone-1").path))
        let audit = try String(contentsOf: data.appendingPathComponent("audit.jsonl"), encoding: .utf8)
        #expect(audit.contains("\"action\":\"recording.started\"") && audit.contains("\"action\":\"recording.stopped\""))

        let intact = try await verify(relayd)
        #expect(intact.status == 0, "\(intact.output)")
        #expect(intact.output.contains("recordings intact: 2 resources"))
        let scoped = try await verify(relayd, ["--resource", "heli-1", "--from", entries[1].start, "--to", entries[2].end])
        #expect(scoped.output.contains("1 resources, 2 segments"), "\(scoped.output)")

        // When one byte of a segment changes
        let second = heli.appendingPathComponent(entries[1].file)
        let third = heli.appendingPathComponent(entries[2].file)
        let last = heli.appendingPathComponent(entries[entries.count - 1].file)
        try await tampered(relayd, second, expect: "segment 2 (\(entries[1].file)) is altered") { file in
            var bytes = try Data(contentsOf: file)
            bytes[5000] ^= 0x01
            try bytes.write(to: file)
        }
        // When a segment is deleted
        try await tampered(relayd, second, expect: "segment 2 (\(entries[1].file)) is missing") { try FileManager.default.removeItem(at: $0) }
        // When two segments are swapped
        try await tampered(relayd, [second, third], expect: "holds the bytes of segment 3") { files in
            let (a, b) = (try Data(contentsOf: files[0]), try Data(contentsOf: files[1]))
            try b.write(to: files[0])
            try a.write(to: files[1])
        }
        // When the last segment is cut short
        try await tampered(relayd, last, expect: "segment \(entries.count) (\(entries[entries.count - 1].file)) is truncated") { file in
            let bytes = try Data(contentsOf: file)
            try bytes.prefix(bytes.count - 188).write(to: file)
        }
        // When the head is signed with another key
        let head = heli.appendingPathComponent(RecordingManifest.headName)
        try await tampered(relayd, head, expect: "heli-1: the signed head does not verify") { file in
            let genuine = try AuditTrailEntry.decoder.decode(RecordingManifestHead.self, from: Data(contentsOf: file))
            let other = AuditTrailSigningKey(privateKey: Curve25519.Signing.PrivateKey())
            try AuditTrailEntry.encoder.encode(try RecordingManifest.signedHead(resource: "heli-1", seq: genuine.seq, hash: genuine.hash, key: other)).write(to: file)
        }
        // Then, with everything put back, it verifies again
        #expect(try await verify(relayd).status == 0)
    }

    /// `GET /api/recordings` lists what is recorded; `GET /api/recordings/{resource}` a range's segments.
    private func checkAPI(_ relayd: RelaydProcess, entries: [RecordingManifestEntry]) async throws {
        let (status, body) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/recordings")
        #expect(status == 200)
        let list = try #require(try JSONSerialization.jsonObject(with: body) as? [[String: Any]])
        #expect(list.compactMap { $0["resource"] as? String } == ["heli-1", "program"])
        let heli = try #require(list.first)
        #expect((heli["segments"] as? Int ?? 0) >= entries.count)
        #expect((heli["ranges"] as? [[String: Any]])?.first?["from"] as? String == entries[0].start)

        let query = "from=\(entries[1].start)&to=\(entries[2].end)"
        let (rangeStatus, rangeBody) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/recordings/heli-1?\(query)")
        #expect(rangeStatus == 200)
        let range = try #require(try JSONSerialization.jsonObject(with: rangeBody) as? [String: Any])
        let segments = try #require(range["segments"] as? [[String: Any]])
        #expect(segments.compactMap { $0["seq"] as? Int } == [2, 3])
        #expect(segments.first?["sha256"] as? String == entries[1].sha256)

        let (badStatus, badBody) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/recordings/heli-1?from=yesterday")
        #expect(badStatus == 400)
        #expect((try JSONSerialization.jsonObject(with: badBody) as? [String: Any])?["error"] as? String == "bad from")
        let (unknownStatus, _) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/recordings/drone-1")
        #expect(unknownStatus == 404)
    }

    /// Changes `file`, expects verify to fail naming `expect`, and puts the file back.
    private func tampered(_ relayd: RelaydProcess, _ file: URL, expect: String, _ change: (URL) throws -> Void) async throws {
        try await tampered(relayd, [file], expect: expect) { try change($0[0]) }
    }

    /// Changes `files`, expects verify to fail naming `expect`, and puts them back.
    private func tampered(_ relayd: RelaydProcess, _ files: [URL], expect: String, _ change: ([URL]) throws -> Void) async throws {
        let originals = try files.map { try Data(contentsOf: $0) }
        try change(files)
        let outcome = try await verify(relayd)
        #expect(outcome.status == 1, "verify passed after tampering: \(outcome.output)")
        #expect(outcome.output.contains(expect), "\(outcome.output)")
        for (file, original) in zip(files, originals) { try original.write(to: file) }
    }

    private func verify(_ relayd: RelaydProcess, _ extra: [String] = []) async throws -> (status: Int32, output: String) {
        try await RelaydProcess.run([
            "recording", "verify", "--data-dir", relayd.directory.appendingPathComponent("data").path,
            "--audit-key", relayd.directory.appendingPathComponent("keys/audit-signing.key").path,
        ] + extra)
    }

    @Test func aNearlyFullDiskPausesRecordingWhileReadersCarryOn() async throws {
        // More free space asked for than any disk here has: the disk counts as nearly full.
        let relayd = try RelaydProcess(configYAML: Self.config.replacingOccurrences(
            of: "  segment_s: 1", with: "  segment_s: 1\n  min_free_mb: 100000000"))
        try await relayd.waitReady()
        let (reader, publisher, capture) = try Self.readAndPublishHeli(relayd)
        defer { reader.signal(SIGKILL); publisher.signal(SIGKILL) }

        try await relayd.waitFor("/api/audit?action=recording", "recording paused in the audit trail") { value in
            let entries = (value as? [String: Any])?["entries"] as? [[String: Any]] ?? []
            return entries.contains { $0["action"] as? String == "recording.paused" }
        }
        try await eventually("the reader receives heli-1 meanwhile") {
            ((try? FileManager.default.attributesOfItem(atPath: capture.path)[.size] as? Int) ?? 0) > 500_000
        }
        let metrics = String(decoding: try await RelaydHTTP.get(port: relayd.httpPort, path: "/metrics").1, as: UTF8.self)
        #expect(metrics.contains("relay_recording_paused_for_space 1"))
        let heli = relayd.directory.appendingPathComponent("data/recordings/heli-1")
        #expect(try Self.manifest(heli).isEmpty, "nothing recorded while paused")
        let audit = try JSONSerialization.jsonObject(with: try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/audit?action=recording").1)
        let actions = ((audit as? [String: Any])?["entries"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
        #expect(!actions.contains("recording.started"), "\(actions)")
        publisher.terminate()
        #expect(try await relayd.stop() == 0)
    }

    @Test func beyondTheMaximumSizeTheOldestSegmentsGoWithTombstonesThatVerify() async throws {
        // About 135 kB/s recorded in 1 s segments against 1 MiB: the oldest go after ~8 s.
        let relayd = try RelaydProcess(configYAML: Self.config.replacingOccurrences(
            of: "  segment_s: 1", with: "  segment_s: 1\n  max_mb: 1"))
        try await relayd.waitReady()
        let publisher = try relayd.publishSampleClip("heli-1")
        defer { publisher.signal(SIGKILL) }
        let heli = relayd.directory.appendingPathComponent("data/recordings/heli-1")

        try await eventually("two segments of heli-1 deleted for size", timeout: .seconds(90)) {
            try Self.manifest(heli).filter { $0.kind == RecordingManifest.tombstoneKind && $0.reason == "size" }.count >= 2
        }
        let metrics = String(decoding: try await RelaydHTTP.get(port: relayd.httpPort, path: "/metrics").1, as: UTF8.self)
        #expect(metrics.contains("relay_recording_deleted_segments_total{resource=\"heli-1\"}"), "\(metrics)")
        let overview = String(decoding: try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/recordings").1, as: UTF8.self)
        #expect(overview.contains("\"max_bytes\":1048576"), "\(overview)")
        publisher.terminate()
        #expect(try await relayd.stop() == 0)

        // Then what is kept fits, every deleted file is gone, and verify passes, naming the deletions
        let entries = try Self.manifest(heli)
        let kept = RecordingManifest.kept(entries)
        #expect(kept.reduce(0) { $0 + $1.size } <= 1 << 20)
        for tombstone in entries where tombstone.kind == RecordingManifest.tombstoneKind {
            #expect(!FileManager.default.fileExists(atPath: heli.appendingPathComponent(tombstone.file).path))
        }
        let outcome = try await verify(relayd)
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("deleted by retention (size)"), "\(outcome.output)")
        #expect(outcome.output.contains("heli-1 segment 1 ("), "\(outcome.output)")

        // A kept segment deleted by hand, without a tombstone, still fails verification
        try FileManager.default.removeItem(at: heli.appendingPathComponent(kept[0].file))
        let tampered = try await verify(relayd)
        #expect(tampered.status == 1)
        #expect(tampered.output.contains("segment \(kept[0].seq) (\(kept[0].file)) is missing"), "\(tampered.output)")
    }

    /// An srt-live-transmit reader of heli-1 writing to `reader.ts`, then ffmpeg publishing it.
    static func readAndPublishHeli(_ relayd: RelaydProcess) throws -> (reader: ChildProcess, publisher: ChildProcess, capture: URL) {
        let capture = relayd.directory.appendingPathComponent("reader.ts")
        let reader = try ChildProcess(
            ["srt-live-transmit", "-q", "srt://127.0.0.1:\(relayd.srtPort)?streamid=#!::r=heli-1,m=request", "file://con"],
            standardOutput: capture.path)
        do {
            return (reader, try relayd.publishSampleClip("heli-1"), capture)
        } catch {
            reader.signal(SIGKILL)
            throw error
        }
    }

    static func manifest(_ directory: URL) throws -> [RecordingManifestEntry] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent(RecordingManifest.manifestName), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { RecordingManifest.canonical(Data($0.utf8)) }
    }

    /// Runs a tool to completion; its stdout, and its stderr as errors.
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let child = try ChildProcess(arguments, standardOutput: base + ".out", standardError: base + ".err")
        let status = try await child.waitForExit(timeout: .seconds(60))
        let output = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        return (status, output, (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }
}
