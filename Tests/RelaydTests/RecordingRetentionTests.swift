import Crypto
import Foundation
import Testing
@testable import relayd

/// Retention: `RecordingRetention`'s choice of segments, its configuration, and the tombstones
/// `RecordingChain` writes, as `RecordingVerifier` reads them.
@Suite struct RecordingRetentionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// Segments 1...count of `size` bytes each, ending 10 s apart, the last ending `now`.
    func segments(_ count: Int, size: Int = 100) -> [RecordingRetention.Segment] {
        (1...count).map { RecordingRetention.Segment(seq: $0, size: size, end: now - Double(count - $0) * 10) }
    }

    @Test func withoutLimitsEverythingIsKept() {
        #expect(RecordingRetention().deletions(segments(50), now: now + 1_000_000).isEmpty)
    }

    @Test func segmentsOlderThanTheMaximumAgeGoOldestFirst() {
        let retention = RecordingRetention(maxAge: .seconds(25))
        // Ends: -40, -30, -20, -10, 0 s: the first two ended more than 25 s ago.
        #expect(retention.deletions(segments(5), now: now) == [.init(seq: 1, reason: .age), .init(seq: 2, reason: .age)])
        // A segment ending exactly at the limit goes too.
        #expect(retention.deletions(segments(5), now: now + 5).map(\.seq) == [1, 2, 3])
    }

    @Test func beyondTheMaximumSizeTheOldestGoUntilTheRestFits() {
        let retention = RecordingRetention(maxBytes: 250)
        #expect(retention.deletions(segments(5), now: now) == [.init(seq: 1, reason: .size), .init(seq: 2, reason: .size), .init(seq: 3, reason: .size)])
        #expect(RecordingRetention(maxBytes: 500).deletions(segments(5), now: now).isEmpty, "exactly the maximum is kept")
    }

    @Test func ageGoesFirstThenSizeAndTheNewestSegmentIsAlwaysKept() {
        let both = RecordingRetention(maxAge: .seconds(35), maxBytes: 150)
        #expect(both.deletions(segments(5), now: now) == [
            .init(seq: 1, reason: .age), .init(seq: 2, reason: .size), .init(seq: 3, reason: .size), .init(seq: 4, reason: .size),
        ])
        #expect(RecordingRetention(maxAge: .seconds(1)).deletions(segments(3), now: now + 3600).map(\.seq) == [1, 2])
        #expect(RecordingRetention(maxBytes: 1).deletions(segments(1, size: 1000), now: now).isEmpty)
    }

    @Test func anOlderSegmentWithinTheAgeKeepsTheNewerOnes() {
        // Oldest first, always: a newer segment that ended earlier (a clock step) waits its turn.
        var list = segments(3)
        list[1].end = now - 1000
        #expect(RecordingRetention(maxAge: .seconds(25)).deletions(list, now: now).isEmpty)
    }

    @Test func theLimitsAreReadAndCheckedFromTheConfiguration() throws {
        let configuration = try RelaydConfiguration.parse(yaml: """
            sources:
              - {id: heli-1, kind: helicopter}
            recording:
              max_age_h: 720
              max_mb: 2048
            """)
        #expect(configuration.recording.retention == RecordingRetention(maxAge: .seconds(720 * 3600), maxBytes: 2048 << 20))
        let unlimited = try RelaydConfiguration.parse(yaml: "sources:\n  - {id: heli-1, kind: helicopter}\n")
        #expect(unlimited.recording.retention.isUnlimited)
        let errors = RelaydConfiguration.errors(in: """
            sources:
              - {id: heli-1, kind: helicopter}
            recording:
              max_age_h: 0
              max_mb: lots
            """)
        #expect(errors.contains("recording.max_age_h: must be between 1 and 1000000, got 0"))
        #expect(errors.contains("recording.max_mb: must be a whole number"))
    }

    @Test func aSourceOrTheProgramReplacesTheLimitsItNames() throws {
        let configuration = try RelaydConfiguration.parse(yaml: """
            sources:
              - {id: heli-1, kind: helicopter, retention: {max_age_h: 24}}
              - {id: drone-1, kind: drone}
            program:
              retention: {max_mb: 100, max_age_h: 2}
            recording:
              max_age_h: 720
              max_mb: 2048
            """)
        let recording = configuration.recording
        #expect(recording.retention(for: "heli-1") == RecordingRetention(maxAge: .seconds(24 * 3600), maxBytes: 2048 << 20))
        #expect(recording.retention(for: "drone-1") == recording.retention)
        #expect(recording.retention(for: "program") == RecordingRetention(maxAge: .seconds(2 * 3600), maxBytes: 100 << 20))
        let errors = RelaydConfiguration.errors(in: """
            sources:
              - {id: heli-1, kind: helicopter, retention: {max_mb: 0, forever: true}}
            """)
        #expect(errors.contains("sources[0].retention.max_mb: must be between 1 and 1000000000, got 0"), "\(errors)")
        #expect(errors.contains { $0.hasPrefix("sources[0].retention.forever: unknown key") }, "\(errors)")
    }
}

/// Tombstones in the manifest chain, checked by `RecordingVerifier`.
@Suite struct RecordingTombstoneTests {
    let recordings = FileManager.default.temporaryDirectory.appendingPathComponent("recordings-\(UUID().uuidString)", isDirectory: true)
    let key = AuditTrailSigningKey(privateKey: Curve25519.Signing.PrivateKey())
    let deletedAt = Date(timeIntervalSince1970: 1_800_001_000)

    /// Writes `count` segments of heli-1 through the recorder's own file types.
    func record(count: Int) throws -> RecordingChain {
        let chain = try RecordingChain(recordings: recordings, resource: "heli-1", key: key)
        for index in 0..<count {
            let start = Date(timeIntervalSince1970: 1_800_000_000 + Double(index) * 10)
            let segment = try SegmentFile(
                directory: chain.directory, relativePath: RecordingManifest.segmentFile(seq: chain.nextSeq, start: start), start: start)
            segment.write(Array(repeating: UInt8(index), count: 188 * (index + 1))[...])
            _ = try chain.append(segment: segment, digest: segment.finish(), end: start + 10)
        }
        return chain
    }

    var manifest: URL { recordings.appendingPathComponent("heli-1/manifest.jsonl") }

    func verify() -> RecordingVerifier.Outcome {
        RecordingVerifier.verify(recordings: recordings, publicKey: key.publicKey)
    }

    func problem() -> String {
        guard case .tampered(let problem) = verify() else { return "verified" }
        return problem
    }

    @Test func segmentsDeletedWithATombstoneVerifyAndAreListedWithTheirReason() throws {
        defer { try? FileManager.default.removeItem(at: recordings) }
        let chain = try record(count: 4)
        let files = chain.kept.map(\.file)
        try chain.delete(seq: 1, reason: .age, at: deletedAt)
        try chain.delete(seq: 2, reason: .size, at: deletedAt)
        #expect(!FileManager.default.fileExists(atPath: chain.directory.appendingPathComponent(files[0]).path), "the file is deleted")
        #expect(chain.kept.map(\.seq) == [3, 4])
        let stamp = "2027-01-15T08:16:40.000Z"
        #expect(verify() == .intact(.init(resources: 1, segments: 2, seconds: 20, bytes: 188 * 7, deletions: [
            .init(resource: "heli-1", seq: 1, file: files[0], reason: .age, deletedAt: stamp),
            .init(resource: "heli-1", seq: 2, file: files[1], reason: .size, deletedAt: stamp),
        ])))
        // The chain carries on after a restart, and the catalog lists only what is kept.
        let again = try RecordingChain(recordings: recordings, resource: "heli-1", key: key)
        #expect(again.nextSeq == 7)
        #expect(again.kept.map(\.seq) == [3, 4])
        #expect(RecordingCatalog(recordings: recordings).entries(of: "heli-1")?.map(\.seq) == [3, 4])
    }

    @Test func aSegmentDeletedWithoutATombstoneIsStillCaught() throws {
        defer { try? FileManager.default.removeItem(at: recordings) }
        let chain = try record(count: 3)
        try chain.delete(seq: 1, reason: .age, at: deletedAt)
        try FileManager.default.removeItem(at: chain.directory.appendingPathComponent(chain.kept[0].file))
        #expect(problem().contains("heli-1 segment 2 (\(chain.kept[0].file)) is missing (no tombstone records its deletion)"))
    }

    @Test func anEditedOrForgedTombstoneIsCaught() throws {
        defer { try? FileManager.default.removeItem(at: recordings) }
        let chain = try record(count: 3)
        try chain.delete(seq: 1, reason: .age, at: deletedAt)
        let original = try String(contentsOf: manifest, encoding: .utf8)
        var lines = original.split(separator: "\n").map(String.init)

        // Its reason changed afterwards: the entry's hash no longer matches.
        lines[3] = lines[3].replacingOccurrences(of: "\"reason\":\"age\"", with: "\"reason\":\"size\"")
        try (lines.joined(separator: "\n") + "\n").write(to: manifest, atomically: true, encoding: .utf8)
        #expect(problem().contains("manifest entry 4"), "\(problem())")

        // A tombstone re-hashed to delete another segment than the one whose hash it carries.
        let tombstone = try #require(RecordingManifest.canonical(Data(original.split(separator: "\n")[3].utf8)))
        var content = tombstone.content
        content.deletes = 2
        let forged = try RecordingManifestEntry(content: content)
        lines = original.split(separator: "\n").map(String.init)
        lines[3] = String(decoding: try AuditTrailEntry.encoder.encode(forged), as: UTF8.self)
        try (lines.joined(separator: "\n") + "\n").write(to: manifest, atomically: true, encoding: .utf8)
        #expect(problem().contains("manifest entry 4 is a tombstone that does not match segment 2"), "\(problem())")
    }
}
