import Crypto
import Foundation
import Logging
import Testing
@testable import relayd

/// The pure parts of clip export: which segments a range needs and where on the stream's clock
/// it starts and ends (`ClipPlan`), and what a proof must hold to pass (`ClipProofChecker`).
@Suite struct ClipExportUnitTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// `count` contiguous 10 s segments from `t0` whose video starts at `firstPts` (+10 s each).
    static func entries(count: Int, firstPts: Int64 = 900_000, resource: String = "heli-1") throws -> [RecordingManifestEntry] {
        var entries: [RecordingManifestEntry] = []
        for index in 0..<count {
            let start = t0.addingTimeInterval(Double(index) * 10)
            let pts = (firstPts + Int64(index) * 900_000) % ClipPlan.ptsModulus
            entries.append(try RecordingManifestEntry(content: .init(
                seq: index + 1, kind: RecordingManifest.segmentKind, resource: resource,
                file: RecordingManifest.segmentFile(seq: index + 1, start: start), size: 1000 + index,
                sha256: String(repeating: String(index % 10), count: 64), firstPts: pts, lastPts: pts + 897_000,
                start: RecordingManifest.timestamp(start), end: RecordingManifest.timestamp(start.addingTimeInterval(10)),
                prev: entries.last?.hash ?? "")))
        }
        return entries
    }

    @Test func aRangeAcrossASegmentBoundaryUsesBothSegmentsAndMapsOntoTheStreamClock() throws {
        let entries = try Self.entries(count: 4)
        let plan = try ClipPlan.plan(resource: "heli-1", kept: entries, from: Self.t0 + 15, to: Self.t0 + 25)
        #expect(plan.segments.map(\.seq) == [2, 3])
        #expect(plan.segmentOffsets == [0, 900_000])
        #expect(plan.startOffset == 450_000)
        #expect(plan.endOffset == 1_350_000)
        #expect(plan.date(ofOffset: 1_350_000) == Self.t0 + 25)
        #expect(plan.date(ofOffset: 0) == Self.t0 + 10)
    }

    @Test func aStartBeforeTheRecordingStartsAtItsFirstSegment() throws {
        let plan = try ClipPlan.plan(resource: "heli-1", kept: try Self.entries(count: 2), from: Self.t0 - 60, to: Self.t0 + 5)
        #expect(plan.segments.map(\.seq) == [1])
        #expect(plan.startOffset == 0)
        #expect(plan.endOffset == 450_000)
    }

    @Test func aPTSWrapBetweenSegmentsIsNoJump() throws {
        // The second segment's PTS wrapped past 2^33.
        let entries = try Self.entries(count: 2, firstPts: ClipPlan.ptsModulus - 450_000)
        #expect(entries[1].firstPts == 450_000)
        let plan = try ClipPlan.plan(resource: "heli-1", kept: entries, from: Self.t0 + 5, to: Self.t0 + 15)
        #expect(plan.segmentOffsets == [0, 900_000])
        #expect(plan.endOffset == 1_350_000)
    }

    @Test func badRangesAreRefusedWithTheReason() throws {
        let entries = try Self.entries(count: 3)
        #expect(throws: ClipPlan.Refusal.emptyRange(from: "2027-01-15T08:00:20.000Z", to: "2027-01-15T08:00:10.000Z")) {
            try ClipPlan.plan(resource: "heli-1", kept: entries, from: Self.t0 + 20, to: Self.t0 + 10)
        }
        #expect(throws: ClipPlan.Refusal.tooLong(seconds: 7201, maximumSeconds: 7200)) {
            try ClipPlan.plan(resource: "heli-1", kept: entries, from: Self.t0, to: Self.t0 + 7201, maximum: .seconds(7200))
        }
        #expect(throws: ClipPlan.Refusal.noRecording(resource: "heli-1", from: "2027-01-15T08:01:00.000Z", to: "2027-01-15T08:02:00.000Z")) {
            try ClipPlan.plan(resource: "heli-1", kept: entries, from: Self.t0 + 60, to: Self.t0 + 120)
        }
        // Without the middle segment (deleted), the range has a gap.
        let gapped = [entries[0], entries[2]]
        #expect(throws: ClipPlan.Refusal.gap(resource: "heli-1", after: entries[0].end, before: entries[2].start)) {
            try ClipPlan.plan(resource: "heli-1", kept: gapped, from: Self.t0 + 5, to: Self.t0 + 25)
        }
        // A range on one side of the gap is fine.
        #expect(try ClipPlan.plan(resource: "heli-1", kept: gapped, from: Self.t0 + 21, to: Self.t0 + 25).segments.map(\.seq) == [3])
    }

    // MARK: - Proofs

    let key = AuditTrailSigningKey(privateKey: Curve25519.Signing.PrivateKey())

    func proof(signedBy key: AuditTrailSigningKey? = nil) throws -> ClipProof {
        let key = key ?? self.key
        let entries = try Self.entries(count: 4)
        let head = try RecordingManifest.signedHead(resource: "heli-1", seq: 4, hash: entries[3].hash, key: key)
        return try ClipProof(
            format: ClipProof.formatName, resource: "heli-1", requested: .init(from: entries[1].start, to: entries[2].end),
            actual: .init(from: entries[1].start, to: entries[2].end), clip: .init(file: "clip.mp4", size: 1234, sha256: "ab"),
            segments: [2, 3], entries: Array(entries[1...]), head: head, publicKey: "", exportedAt: entries[3].end, signature: ""
        ).signed(with: key)
    }

    func check(_ proof: ClipProof, size: Int = 1234, sha256: String = "ab", pinned: Curve25519.Signing.PublicKey? = nil) -> ClipProofChecker.Failure? {
        do {
            try ClipProofChecker.check(proof, clipSize: size, clipSHA256: sha256, pinned: pinned)
            return nil
        } catch {
            return error
        }
    }

    @Test func anIntactProofPassesPinnedOrNot() throws {
        let proof = try proof()
        #expect(check(proof) == nil)
        #expect(check(proof, pinned: key.publicKey) == nil)
        // It survives being written and read back.
        #expect(check(try ClipProof.decode(try proof.encoded())) == nil)
    }

    @Test func aChangedOrTruncatedClipIsNamed() throws {
        let proof = try proof()
        #expect(check(proof, sha256: "ac").map { "\($0)" }?.hasPrefix("clip ALTERED") == true)
        #expect(check(proof, size: 1000).map { "\($0)" }?.hasPrefix("clip ALTERED") == true)
    }

    @Test func editedProofsAreCaught() throws {
        let genuine = try proof()
        // An entry's content changed (its hash no longer matches).
        var edited = genuine
        edited.entries[0].size += 1
        #expect(check(edited) == .proofEdited("manifest entry 2 (\(genuine.entries[0].file)) does not match its hash: it was changed"))
        // An entry changed and its hash recomputed: the next entry no longer follows it.
        var rehashed = genuine
        var content = rehashed.entries[0].content
        content.sha256 = String(repeating: "f", count: 64)
        rehashed.entries[0] = try RecordingManifestEntry(content: content)
        #expect(check(rehashed).map { "\($0)" }?.contains("entry 3 does not follow entry 2") == true)
        // An entry removed from between.
        var removed = genuine
        removed.entries.remove(at: 1)
        #expect(check(removed).map { "\($0)" }?.hasPrefix("proof EDITED") == true)
        // The range, the clip's digest or the segment list changed: the proof's signature fails.
        for change: (inout ClipProof) -> Void in [{ $0.actual.from = $0.entries[2].start }, { $0.clip.sha256 = "cd" }, { $0.segments = [2] }] {
            var changed = genuine
            change(&changed)
            #expect(check(changed, sha256: changed.clip.sha256).map { "\($0)" }?.hasPrefix("proof EDITED: its signature") == true)
        }
        // A segment listed that the proof's entries do not hold.
        var listed = genuine
        listed.segments = [1, 2]
        listed = try listed.signed(with: key)
        #expect(check(listed) == .proofEdited("segment 1 is listed as used but is not a segment entry of the proof"))
    }

    @Test func anotherKeyPassesOnlyUnpinnedAndAForgedHeadNever() throws {
        let other = AuditTrailSigningKey(privateKey: Curve25519.Signing.PrivateKey())
        let forged = try proof(signedBy: other)
        #expect(check(forged) == nil, "self-consistent, but only the pinned check can tell")
        #expect(check(forged, pinned: key.publicKey).map { "\($0)" }?.hasPrefix("signature INVALID: the proof is signed with key") == true)
        // The key swapped without re-signing the head.
        var swapped = try proof()
        swapped.publicKey = other.publicKeyHex
        #expect(check(swapped).map { "\($0)" }?.hasPrefix("signature INVALID: the manifest head") == true)
    }

    @Test func theRecordingsOnDiskMustMatchTheProof() throws {
        let proof = try proof()
        let manifest = try Self.entries(count: 4)
        let files = Dictionary(uniqueKeysWithValues: manifest.map { ($0.file, (size: $0.size, sha256: $0.sha256)) })
        func recordings(_ digest: @escaping (String) -> (size: Int, sha256: String)?, _ entries: [RecordingManifestEntry] = manifest) -> ClipProofChecker.Failure? {
            do {
                try ClipProofChecker.checkRecordings(proof, digest: digest, manifestEntry: { seq in entries.first { $0.seq == seq } })
                return nil
            } catch { return error }
        }
        #expect(recordings({ files[$0] }) == nil)
        #expect(recordings({ $0 == manifest[2].file ? nil : files[$0] }) == .segmentsDiffer("segment 3 (\(manifest[2].file)) is missing"))
        #expect(recordings({ $0 == manifest[1].file ? (1001, "00") : files[$0] }).map { "\($0)" }?.contains("segment 2") == true)
        #expect(recordings({ files[$0] }, Array(manifest.prefix(3))) == .segmentsDiffer("the manifest of heli-1 has no entry 4"))
    }

    @Test func aFullJobTableRefusesAnotherExportAndUnknownJobsAreNotLookedUpOnDisk() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exports-\(UUID().uuidString)")
        let jobs = ClipExportJobs(
            exporter: ClipExporter(recordings: scratch.appendingPathComponent("recordings"), key: key), directory: scratch.appendingPathComponent("exports"),
            maximumRunning: 0, auditTrail: nil, logger: Logger(label: "test"))
        #expect(throws: ClipExportJobs.Refusal.busy(running: 0)) {
            try jobs.start(resource: "heli-1", from: Self.t0, to: Self.t0 + 10, by: "op")
        }
        #expect(jobs.job("../../etc/passwd") == nil)
        #expect(jobs.job("0123456789abcdef") == nil)
        #expect(!ClipExportJobs.isJobID("0123456789ABCDEF"))
    }
}
