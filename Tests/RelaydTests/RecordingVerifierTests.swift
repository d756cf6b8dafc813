import Crypto
import Foundation
import Testing
@testable import relayd

/// `RecordingVerifier` on manifests written by `RecordingChain`: edits of the manifest itself
/// (the segment files' tampering is shown with real streams in `RecordingIntegrationTests`).
@Suite struct RecordingVerifierTests {
    let recordings = FileManager.default.temporaryDirectory.appendingPathComponent("recordings-\(UUID().uuidString)", isDirectory: true)
    let key = AuditTrailSigningKey(privateKey: Curve25519.Signing.PrivateKey())

    /// Writes `count` segments of `resource` through the recorder's own file types.
    func record(_ resource: String, count: Int) throws -> RecordingChain {
        let chain = try RecordingChain(recordings: recordings, resource: resource, key: key)
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

    func verify(_ range: RecordingVerifier.Range = .init()) -> RecordingVerifier.Outcome {
        RecordingVerifier.verify(recordings: recordings, publicKey: key.publicKey, range: range)
    }

    @Test func anIntactRecordingIsSummedUp() throws {
        defer { try? FileManager.default.removeItem(at: recordings) }
        _ = try record("heli-1", count: 3)
        _ = try record("program", count: 2)
        #expect(verify() == .intact(.init(resources: 2, segments: 5, seconds: 50, bytes: 188 * (1 + 2 + 3 + 1 + 2))))
        let second = Date(timeIntervalSince1970: 1_800_000_015)
        #expect(verify(.init(from: second, to: second)) == .intact(.init(resources: 2, segments: 2, seconds: 20, bytes: 188 * 4)))
    }

    @Test func theCatalogJoinsSegmentsWithoutGapsIntoRanges() throws {
        defer { try? FileManager.default.removeItem(at: recordings) }
        _ = try record("heli-1", count: 3)
        let overview = RecordingCatalog(recordings: recordings).overview()
        #expect(overview == [RecordingCatalog.Overview(
            resource: "heli-1", segments: 3, bytes: 188 * 6,
            ranges: [.init(from: "2027-01-15T08:00:00.000Z", to: "2027-01-15T08:00:30.000Z")])])
        #expect(RecordingCatalog(recordings: recordings).entries(of: "../heli-1") == nil)
    }

    @Test func aChainContinuesAcrossRestartsOfTheRecorder() throws {
        defer { try? FileManager.default.removeItem(at: recordings) }
        _ = try record("heli-1", count: 2)
        let again = try RecordingChain(recordings: recordings, resource: "heli-1", key: key)
        #expect(again.nextSeq == 3)
        #expect(verify() == .intact(.init(resources: 1, segments: 2, seconds: 20, bytes: 188 * 3)))
    }

    @Test func aRemovedOrEditedManifestLineIsNamed() throws {
        defer { try? FileManager.default.removeItem(at: recordings) }
        _ = try record("heli-1", count: 3)
        let original = try String(contentsOf: manifest, encoding: .utf8)
        var lines = original.split(separator: "\n").map(String.init)

        lines.remove(at: 1)
        try (lines.joined(separator: "\n") + "\n").write(to: manifest, atomically: true, encoding: .utf8)
        guard case .tampered(let removed) = verify() else { Issue.record("a removed entry verified"); return }
        #expect(removed.contains("manifest line 2 holds entry 3"))

        lines = original.split(separator: "\n").map(String.init)
        lines[0] = lines[0].replacingOccurrences(of: "\"size\":188", with: "\"size\":189")
        try (lines.joined(separator: "\n") + "\n").write(to: manifest, atomically: true, encoding: .utf8)
        guard case .tampered(let edited) = verify() else { Issue.record("an edited entry verified"); return }
        #expect(edited.contains("manifest entry 1"))
        #expect(edited.contains("altered"))

        try String(original.dropLast(20)).write(to: manifest, atomically: true, encoding: .utf8)
        guard case .tampered(let torn) = verify() else { Issue.record("a torn manifest verified"); return }
        #expect(torn.contains("torn line"))
    }

    @Test func aHeadSignedWithAnotherKeyOrBehindTheManifestFails() throws {
        defer { try? FileManager.default.removeItem(at: recordings) }
        let chain = try record("heli-1", count: 2)
        let headPath = chain.directory.appendingPathComponent(RecordingManifest.headName)
        let original = try Data(contentsOf: headPath)
        let other = AuditTrailSigningKey(privateKey: Curve25519.Signing.PrivateKey())
        let forged = try RecordingManifest.signedHead(resource: "heli-1", seq: chain.seq, hash: chain.lastHash, key: other)
        try AuditTrailEntry.encoder.encode(forged).write(to: headPath)
        guard case .tampered(let problem) = verify() else { Issue.record("a head signed by another key verified"); return }
        #expect(problem.contains("signed head does not verify"))

        try original.write(to: headPath)
        let lines = try String(contentsOf: manifest, encoding: .utf8).split(separator: "\n")
        try (lines.dropLast().joined(separator: "\n") + "\n").write(to: manifest, atomically: true, encoding: .utf8)
        guard case .tampered(let cut) = verify() else { Issue.record("a manifest cut behind its head verified"); return }
        #expect(cut.contains("names segment 2 but the manifest ends at 1"))
    }
}
