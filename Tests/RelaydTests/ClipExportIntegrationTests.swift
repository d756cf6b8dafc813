import Crypto
import Foundation
import Testing
import VideoRelay
@testable import relayd

/// Clip export through the real relayd: ffmpeg publishes heli-1, relayd records it in 1 s
/// segments, and a range across two segments is exported by the CLI and over the API. ffprobe
/// and ffmpeg check the MP4 (starts on a keyframe, covers the range, the very packets of the
/// segments), `verify-clip` passes, then fails for each kind of tampering.
@Suite(.serialized) struct ClipExportIntegrationTests {
    static let accounts: [(name: String, role: Role)] = [("view-abe", .viewer), ("op-sato", .operator)]
    static func token(_ name: String) -> String { "token-\(name)-0123456789abcdef" }
    static func bearer(_ name: String) -> [String: String] { ["Authorization": "Bearer \(token(name))"] }

    static var config: String {
        let accounts = Self.accounts.map { account in
            "  - name: \(account.name)\n    role: \(account.role.rawValue)\n    token_hash: \(TokenHash(token: token(account.name)))"
        }.joined(separator: "\n")
        return """
            srt:
              listen: 127.0.0.1:{SRT_PORT}
            http:
              listen: 127.0.0.1:{HTTP_PORT}
            sources:
              - id: heli-1
                kind: helicopter
            program:
              pipeline: false
              record: false
            recording:
              segment_s: 1
              max_export_min: 1
            accounts:
            \(accounts)
            """
    }

    @Test func aClipAcrossTwoSegmentsIsTheirPacketsWithAProofThatCatchesTampering() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        let data = relayd.directory.appendingPathComponent("data")
        let heli = data.appendingPathComponent("recordings/heli-1")
        let key = relayd.directory.appendingPathComponent("keys/audit-signing.key").path
        let events = relayd.directory.appendingPathComponent("events.txt")
        let curl = try ChildProcess(
            ["curl", "-sN", "-H", "Authorization: Bearer \(Self.token("view-abe"))", "http://127.0.0.1:\(relayd.httpPort)/api/events"],
            standardOutput: events.path)
        let publisher = try relayd.publishSampleClip("heli-1")
        defer { publisher.signal(SIGKILL); curl.signal(SIGKILL) }

        // Given heli-1 recorded in 1 s segments, across two loops of the 6 s sample clip the publisher repeats
        try await eventually("heli-1 records 14 s in at least 5 segments", timeout: .seconds(60)) {
            let entries = try RecordingIntegrationTests.manifest(heli)
            guard entries.count >= 5, let first = entries.first.flatMap({ RecordingManifest.parseTimestamp($0.start) }),
                let last = entries.last.flatMap({ RecordingManifest.parseTimestamp($0.end) })
            else { return false }
            return last.timeIntervalSince(first) >= 14
        }
        let entries = try RecordingIntegrationTests.manifest(heli)
        let (second, third) = (entries[1], entries[2])
        let from = try Self.date(second.start, plus: 0.3, of: second)
        let to = try Self.date(third.start, plus: 0.5, of: third)
        let range = ["--resource", "heli-1", "--from", RecordingManifest.timestamp(from), "--to", RecordingManifest.timestamp(to)]
        let out = relayd.directory.appendingPathComponent("clip.mp4")
        let proofFile = relayd.directory.appendingPathComponent("clip.proof.json")
        let base = ["recording", "export", "--data-dir", data.path, "--audit-key", key]

        // When the CLI exports a range from inside the second segment to inside the third
        let exported = try await RelaydProcess.run(base + range + ["--out", out.path])
        #expect(exported.status == 0, "\(exported.output)")
        let proof = try ClipProof.decode(try Data(contentsOf: proofFile))

        // Then the proof names both segments, the exact ranges, and links them to a signed head
        #expect(proof.segments == [second.seq, third.seq])
        #expect(proof.requested == .init(from: RecordingManifest.timestamp(from), to: RecordingManifest.timestamp(to)))
        #expect(proof.entries.first == second && proof.entries.last?.seq == proof.head.seq)
        let actualFrom = try #require(RecordingManifest.parseTimestamp(proof.actual.from))
        #expect(actualFrom <= from && actualFrom >= from - 1.2, "starts at the keyframe at or before --from")

        // And the MP4 starts on a keyframe, covers the range, and holds the segments' packets as they were
        let firstFlags = try await RecordingIntegrationTests.run([
            "ffprobe", "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1", "-show_entries", "packet=flags", "-of", "csv=p=0", out.path,
        ])
        #expect(firstFlags.output.hasPrefix("K"), "\(firstFlags.output)")
        let duration = Double(try await RecordingIntegrationTests.run([
            "ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", out.path,
        ]).output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let requested = to.timeIntervalSince(from)
        #expect(duration >= requested - 0.1 && duration <= requested + 1.5, "duration \(duration) s for \(requested) s requested")
        let segments = relayd.directory.appendingPathComponent("segments.ts")
        try (try Data(contentsOf: heli.appendingPathComponent(second.file)) + Data(contentsOf: heli.appendingPathComponent(third.file))).write(to: segments)
        for stream in ["v", "a"] {
            let inClip = try await Self.packets(out.path, stream: stream, mp4: true)
            let inSegments = try await Self.packets(segments.path, stream: stream, mp4: false)
            #expect(inClip.count > (stream == "v" ? 25 : 20), "\(stream): \(inClip.count) packets")
            #expect(Self.isRun(inClip, of: inSegments), "\(stream) packets of the clip are a run of the segments' packets, byte for byte")
        }
        let codecs = try await RecordingIntegrationTests.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", out.path])
        #expect(codecs.output.split(separator: "\n").sorted() == ["aac", "h264"])

        // And verify-clip passes, saying whether the key was pinned
        let verified = try await Self.verifyClip(out, proofFile)
        #expect(verified.status == 0 && verified.output.contains("clip intact") && verified.output.contains("key NOT pinned"), "\(verified.output)")
        let pinned = try await Self.verifyClip(out, proofFile, ["--audit-key", key, "--data-dir", data.path])
        #expect(pinned.status == 0 && pinned.output.contains("key pinned") && pinned.output.contains("recordings checked"), "\(pinned.output)")

        // And the whole recording, across the publisher's loop (where its audio repeats a timestamp), exports and decodes
        let whole = relayd.directory.appendingPathComponent("whole.mp4")
        let wholeRange = ["--resource", "heli-1", "--from", entries[0].start, "--to", entries[entries.count - 1].end]
        let wholeExport = try await RelaydProcess.run(base + wholeRange + ["--out", whole.path])
        #expect(wholeExport.status == 0, "\(wholeExport.output)")
        let decoded = try await RecordingIntegrationTests.run(["ffmpeg", "-v", "error", "-i", whole.path, "-f", "null", "-"])
        #expect(decoded.status == 0 && decoded.errors.isEmpty, "\(decoded.errors)")

        try await refusals(base: base, range: range, out: out, heli: heli, second: second)
        try await tampering(out: out, proofFile: proofFile, key: key, data: data, heli: heli, third: third)
        try await apiExport(relayd, range: (from, to), cliClip: try Data(contentsOf: out), cliProof: proof, events: events)
        publisher.terminate()
        #expect(try await relayd.stop() == 0)
    }

    /// Bad ranges, unknown resources, an existing --out and an altered segment are refused by name.
    private func refusals(base: [String], range: [String], out: URL, heli: URL, second: RecordingManifestEntry) async throws {
        let again = try await RelaydProcess.run(base + range + ["--out", out.path])
        #expect(again.status != 0 && again.output.contains("exists; pass --force"), "\(again.output)")
        let reversed = try await RelaydProcess.run(base + ["--resource", "heli-1", "--from", range[5], "--to", range[3], "--out", out.path + ".x.mp4"])
        #expect(reversed.status == 1 && reversed.output.contains("the range is empty"), "\(reversed.output)")
        let unknown = try await RelaydProcess.run(base + ["--resource", "nope"] + range.dropFirst(2) + ["--out", out.path + ".x.mp4"])
        #expect(unknown.status == 1 && unknown.output.contains("no recordings of \"nope\""), "\(unknown.output)")
        let empty = try await RelaydProcess.run(base + ["--resource", "heli-1", "--from", "2001-01-01T00:00:00Z", "--to", "2001-01-01T00:00:10Z", "--out", out.path + ".x.mp4"])
        #expect(empty.status == 1 && empty.output.contains("heli-1 has no recording between"), "\(empty.output)")
        let badTime = try await RelaydProcess.run(base + ["--resource", "heli-1", "--from", "yesterday", "--to", range[5], "--out", out.path + ".x.mp4"])
        #expect(badTime.status != 0 && badTime.output.contains("--from must be an ISO 8601 time"), "\(badTime.output)")
        // A segment changed on disk: the export names it and writes nothing.
        let segment = heli.appendingPathComponent(second.file)
        let original = try Data(contentsOf: segment)
        var altered = original
        altered[4000] ^= 0x01
        try altered.write(to: segment)
        let refused = try await RelaydProcess.run(base + range + ["--out", out.path + ".x.mp4"])
        try original.write(to: segment)
        #expect(refused.status == 1 && refused.output.contains("segment \(second.seq) (\(second.file)) does not match its manifest entry"), "\(refused.output)")
        #expect(!FileManager.default.fileExists(atPath: out.path + ".x.mp4"))
        let forced = try await RelaydProcess.run(base + range + ["--out", out.path, "--force"])
        #expect(forced.status == 0, "\(forced.output)")
    }

    /// Each change to the clip, the proof, its key or the recordings makes verify-clip exit 1 naming it.
    private func tampering(out: URL, proofFile: URL, key: String, data: URL, heli: URL, third: RecordingManifestEntry) async throws {
        let clip = try Data(contentsOf: out)
        let proofData = try Data(contentsOf: proofFile)
        let scratch = out.deletingLastPathComponent()
        func expectFailure(_ clipBytes: Data, _ proofBytes: Data, _ extra: [String] = [], _ expected: String) async throws {
            let (c, p) = (scratch.appendingPathComponent("t.mp4"), scratch.appendingPathComponent("t.proof.json"))
            try clipBytes.write(to: c)
            try proofBytes.write(to: p)
            let outcome = try await Self.verifyClip(c, p, extra)
            #expect(outcome.status == 1 && outcome.output.contains(expected), "expected \(expected): \(outcome.output)")
        }
        var flipped = clip
        flipped[clip.count / 2] ^= 0x01
        try await expectFailure(flipped, proofData, [], "clip ALTERED")
        try await expectFailure(clip.prefix(clip.count - 1000), proofData, [], "clip ALTERED")
        // An entry of the proof edited (its size), as text.
        var proof = try ClipProof.decode(proofData)
        var edited = proof
        edited.entries[0].size += 1
        try await expectFailure(clip, try edited.encoded(), [], "proof EDITED")
        var shifted = proof
        shifted.actual.from = shifted.requested.from
        try await expectFailure(clip, try shifted.encoded(), [], "proof EDITED")
        // Everything re-signed with another key: consistent, so only a pinned key catches it.
        let other = AuditTrailSigningKey(privateKey: Curve25519.Signing.PrivateKey())
        proof.head = try RecordingManifest.signedHead(resource: proof.resource, seq: proof.head.seq, hash: proof.head.hash, key: other)
        let forged = try proof.signed(with: other).encoded()
        let (c, p) = (scratch.appendingPathComponent("f.mp4"), scratch.appendingPathComponent("f.proof.json"))
        try clip.write(to: c)
        try forged.write(to: p)
        let unpinned = try await Self.verifyClip(c, p)
        #expect(unpinned.status == 0 && unpinned.output.contains("key NOT pinned: signed by \(other.publicKeyHex)"), "\(unpinned.output)")
        try await expectFailure(clip, forged, ["--audit-key", key], "signature INVALID")
        // The key swapped without re-signing.
        var swapped = try ClipProof.decode(proofData)
        swapped.publicKey = other.publicKeyHex
        try await expectFailure(clip, try swapped.encoded(), [], "signature INVALID")
        // A segment the clip was cut from, changed on disk: only the check with --data-dir sees it.
        let segment = heli.appendingPathComponent(third.file)
        let original = try Data(contentsOf: segment)
        try original.prefix(original.count - 188).write(to: segment)
        try await expectFailure(clip, proofData, ["--data-dir", data.path], "recordings DIFFER: segment \(third.seq) (\(third.file)) is altered")
        try original.write(to: segment)
    }

    /// The same range over HTTP: refused to a viewer, a job for an operator whose progress
    /// reaches the event stream; the downloads equal the CLI's clip; the export is audited.
    private func apiExport(_ relayd: RelaydProcess, range: (Date, Date), cliClip: Data, cliProof: ClipProof, events: URL) async throws {
        let port = relayd.httpPort
        let body = #"{"from":"\#(RecordingManifest.timestamp(range.0))","to":"\#(RecordingManifest.timestamp(range.1))"}"#
        let path = "/api/recordings/heli-1/exports"
        #expect(try await RelaydAuthHTTP.request(port: port, "POST", path, body: body, headers: Self.bearer("view-abe")).status == 403)
        let tooLong = #"{"from":"2026-01-01T00:00:00Z","to":"2026-01-01T00:02:00Z"}"#
        let long = try await RelaydAuthHTTP.request(port: port, "POST", path, body: tooLong, headers: Self.bearer("op-sato"))
        #expect(long.status == 422 && "\(long.json["detail"] ?? "")".contains("at most 60 s"), "\(long.json)")
        #expect(try await RelaydAuthHTTP.request(port: port, "POST", "/api/recordings/nope/exports", body: body, headers: Self.bearer("op-sato")).status == 404)
        #expect(try await RelaydAuthHTTP.request(port: port, "POST", path, body: #"{"from":"soon","to":"later"}"#, headers: Self.bearer("op-sato")).status == 400)

        let started = try await RelaydAuthHTTP.request(port: port, "POST", path, body: body, headers: Self.bearer("op-sato"))
        #expect(started.status == 202, "\(started.json)")
        let id = try #require(started.json["id"] as? String)
        #expect(started.json["state"] as? String != nil && started.json["progress"] as? Double != nil)
        // The event stream carries the job until it is done.
        try await eventually("the event stream shows export \(id) done", timeout: .seconds(30)) {
            Self.exportStates(events, id: id).contains("done")
        }
        let job = try await RelaydAuthHTTP.request(port: port, "GET", "/api/recordings/exports/\(id)", headers: Self.bearer("view-abe"))
        #expect(job.json["state"] as? String == "done" && job.json["progress"] as? Double == 1)
        #expect(job.json["sha256"] as? String == cliProof.clip.sha256)

        let clip = try await RelaydAuthHTTP.request(port: port, "GET", "/api/recordings/exports/\(id)/clip.mp4", headers: Self.bearer("view-abe"))
        #expect(clip.status == 200 && clip.header("Content-Type") == "video/mp4")
        #expect(clip.body == cliClip, "the API's clip is byte-identical to the CLI's")
        let proofAnswer = try await RelaydAuthHTTP.request(port: port, "GET", "/api/recordings/exports/\(id)/proof.json", headers: Self.bearer("view-abe"))
        let proof = try ClipProof.decode(proofAnswer.body)
        #expect(proof.segments == cliProof.segments && proof.actual == cliProof.actual && proof.clip.sha256 == cliProof.clip.sha256)
        let scratch = relayd.directory.appendingPathComponent("api")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try clip.body.write(to: scratch.appendingPathComponent("clip.mp4"))
        try proofAnswer.body.write(to: scratch.appendingPathComponent("clip.proof.json"))
        let verified = try await Self.verifyClip(scratch.appendingPathComponent("clip.mp4"), scratch.appendingPathComponent("clip.proof.json"))
        #expect(verified.status == 0, "\(verified.output)")
        #expect(try await RelaydAuthHTTP.request(port: port, "GET", "/api/recordings/exports/0123456789abcdef", headers: Self.bearer("view-abe")).status == 404)
        let list = try await RelaydAuthHTTP.request(port: port, "GET", "/api/recordings/exports", headers: Self.bearer("view-abe"))
        let listed = (try? JSONSerialization.jsonObject(with: list.body) as? [[String: Any]]) ?? []
        #expect(listed.compactMap { $0["id"] as? String } == [id], "\(String(decoding: list.body, as: UTF8.self))")

        let audit = try await RelaydAuthHTTP.request(port: port, "GET", "/api/audit?action=recording.exported", headers: Self.bearer("view-abe"))
        let entry = ((audit.json["entries"] as? [[String: Any]]) ?? []).first { $0["action"] as? String == "recording.exported" }
        #expect(entry?["actor"] as? String == "op-sato")
        let details = entry?["details"] as? [String: String] ?? [:]
        #expect(details["resource"] == "heli-1" && details["sha256"] == cliProof.clip.sha256 && details["from"] == cliProof.requested.from, "\(details)")
    }

    // MARK: - Helpers

    static func date(_ start: String, plus share: Double, of entry: RecordingManifestEntry) throws -> Date {
        let begin = try #require(RecordingManifest.parseTimestamp(start))
        let end = try #require(RecordingManifest.parseTimestamp(entry.end))
        return begin.addingTimeInterval(end.timeIntervalSince(begin) * share)
    }

    static func verifyClip(_ clip: URL, _ proof: URL, _ extra: [String] = []) async throws -> (status: Int32, output: String) {
        try await RelaydProcess.run(["recording", "verify-clip", clip.path, proof.path] + extra)
    }

    /// Each packet's size and MD5 (ffmpeg's framemd5), video in Annex B without access unit
    /// delimiters and audio without ADTS headers, so MP4 and MPEG-TS carriage compare equal.
    static func packets(_ path: String, stream: String, mp4: Bool) async throws -> [String] {
        let filter = stream == "v" ? ["-bsf:v", (mp4 ? "h264_mp4toannexb," : "") + "filter_units=remove_types=9"] : (mp4 ? [] : ["-bsf:a", "aac_adtstoasc"])
        let result = try await RecordingIntegrationTests.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:\(stream):0", "-c", "copy"] + filter + ["-f", "framemd5", "-"])
        return result.output.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            line.split(separator: ",").dropFirst(4).prefix(2).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        }
    }

    /// Whether `run` appears in `whole` as consecutive elements.
    static func isRun(_ run: [String], of whole: [String]) -> Bool {
        guard !run.isEmpty, run.count <= whole.count else { return false }
        return (0...(whole.count - run.count)).contains { Array(whole[$0..<($0 + run.count)]) == run }
    }

    /// The states export `id` had in the `state` events received so far.
    static func exportStates(_ file: URL, id: String) -> [String] {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.components(separatedBy: "\n\n").compactMap { block -> [String]? in
            guard let line = block.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }),
                let view = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any],
                let exports = view["exports"] as? [[String: Any]]
            else { return nil }
            return exports.filter { $0["id"] as? String == id }.compactMap { $0["state"] as? String }
        }.flatMap { $0 }
    }
}
