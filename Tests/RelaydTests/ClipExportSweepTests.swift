import Foundation
import Logging
import Testing
@testable import relayd

/// Old clip exports go: `ClipExportSweep` picks them (a clip with its proof and any partial
/// clip, together), and `ClipExportSweeper` deletes them from a real exports directory, audits
/// each deletion in a real audit trail, forgets their jobs, and does it again periodically.
@Suite struct ClipExportSweepTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let day: Duration = .seconds(24 * 3600)

    @Test func aClipGoesWithItsProofOnceItsNewestFileIsOlderThanTheLimit() {
        let old = "0123456789abcdef", fresh = "fedcba9876543210", torn = "00000000000000aa"
        let files: [ClipExportSweep.File] = [
            .init(name: "\(old).mp4", modified: now - 90_000), .init(name: "\(old).proof.json", modified: now - 86_400),
            .init(name: "\(fresh).mp4", modified: now - 90_000), .init(name: "\(fresh).proof.json", modified: now - 60),
            .init(name: ".\(torn).mp4.6F9619FF-8B86-D011-B42D-00C04FC964FF.partial", modified: now - 200_000),
            .init(name: "notes.txt", modified: now - 999_999), .init(name: "0123456789abcdeg.mp4", modified: now - 999_999),
            .init(name: "0123456789abcdef0.mp4", modified: now - 999_999),
        ]
        let expired = ClipExportSweep(kept: day).expired(files, now: now)
        #expect(expired.map(\.id) == [torn, old], "oldest first; a proof written a minute ago keeps its clip; other names stay")
        #expect(expired.last?.files == ["\(old).mp4", "\(old).proof.json"])
        #expect(expired.last?.age == .seconds(86_400), "exactly the limit goes")
        #expect(ClipExportSweep(kept: .seconds(3 * 86_400)).expired(files, now: now).isEmpty)
    }

    @Test func theJobIDOfAFileIsItsFirstSixteenHexDigitsBeforeADot() {
        #expect(ClipExportSweep.jobID(of: "0123456789abcdef.mp4") == "0123456789abcdef")
        #expect(ClipExportSweep.jobID(of: ".0123456789abcdef.mp4.x.partial") == "0123456789abcdef")
        #expect(ClipExportSweep.jobID(of: "0123456789abcdef") == nil)
        #expect(ClipExportSweep.jobID(of: "0123456789ABCDEF.mp4") == nil)
        #expect(ClipExportSweep.jobID(of: "..0123456789abcdef.mp4") == nil)
    }

    @Test func theSweeperDeletesAndAuditsOldExportsAtOnceAndPeriodically() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("export-sweep-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data"), exports = data.appendingPathComponent("exports")
        try FileManager.default.createDirectory(at: exports, withIntermediateDirectories: true)
        let key = try AuditTrailSigningKey.loadOrCreate(path: root.appendingPathComponent("audit.key").path)
        let trail = try AuditTrail(dataDirectory: data, key: key)
        let jobs = ClipExportJobs(
            exporter: ClipExporter(recordings: data.appendingPathComponent("recordings"), key: key), directory: exports, auditTrail: trail,
            logger: Logger(label: "test"))
        func write(_ id: String, hoursAgo: Double) throws {
            for name in ["\(id).mp4", "\(id).proof.json"] {
                let path = exports.appendingPathComponent(name).path
                try Data("clip \(id)".utf8).write(to: URL(fileURLWithPath: path))
                try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -hoursAgo * 3600)], ofItemAtPath: path)
            }
        }
        try write("00000000000000a1", hoursAgo: 30)
        try write("00000000000000a2", hoursAgo: 2)
        let sweeper = ClipExportSweeper(jobs: jobs, sweep: ClipExportSweep(kept: day), interval: .milliseconds(50), auditTrail: trail, logger: Logger(label: "test"))

        await sweeper.sweepOnce()
        #expect(try jobs.files().map(\.name).sorted() == ["00000000000000a2.mp4", "00000000000000a2.proof.json"])
        let deletions = try trail.entries().filter { $0.action == "recording.export_deleted" }
        #expect(deletions.map { $0.details["job"] } == ["00000000000000a1"])
        #expect(deletions.first?.details["files"] == "00000000000000a1.mp4,00000000000000a1.proof.json")
        #expect(deletions.first?.details["reason"] == "older than recording.exports_keep_h (24 h)")

        // Running, it finds an export that aged past the limit meanwhile.
        let running = Task { try await sweeper.run() }
        defer { running.cancel() }
        try write("00000000000000a3", hoursAgo: 25)
        func deletedJobs() throws -> [String] { try trail.entries().filter { $0.action == "recording.export_deleted" }.compactMap { $0.details["job"] } }
        try await eventually("the sweeper deletes and audits the export that aged") { try deletedJobs().count == 2 }
        #expect(try deletedJobs() == ["00000000000000a1", "00000000000000a3"])
        #expect(try jobs.files().map(\.name).sorted() == ["00000000000000a2.mp4", "00000000000000a2.proof.json"], "the young export stays")
    }

    @Test func relaydDeletesExportsOlderThanTheConfiguredAgeAsItStarts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relayd-\(UUID().uuidString)")
        let exports = directory.appendingPathComponent("data/exports")
        try FileManager.default.createDirectory(at: exports, withIntermediateDirectories: true)
        for (id, hoursAgo) in [("00000000000000b1", 3.0), ("00000000000000b2", 1.0)] {
            for name in ["\(id).mp4", "\(id).proof.json"] {
                let path = exports.appendingPathComponent(name).path
                try Data("clip".utf8).write(to: URL(fileURLWithPath: path))
                try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -hoursAgo * 3600)], ofItemAtPath: path)
            }
        }
        let relayd = try RelaydProcess(configYAML: """
            srt:
              listen: 127.0.0.1:{SRT_PORT}
            http:
              listen: 127.0.0.1:{HTTP_PORT}
            sources:
              - {id: heli-1, kind: helicopter}
            program:
              pipeline: false
            recording:
              exports_keep_h: 2
            """, directory: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await relayd.waitReady()
        #expect(try FileManager.default.contentsOfDirectory(atPath: exports.path).sorted() == ["00000000000000b2.mp4", "00000000000000b2.proof.json"])
        let audit = try await RelaydAuthHTTP.request(port: relayd.httpPort, "GET", "/api/audit?action=recording.export_deleted")
        let entries = (audit.json["entries"] as? [[String: Any]]) ?? []
        #expect(entries.compactMap { ($0["details"] as? [String: String])?["job"] } == ["00000000000000b1"], "\(audit.json)")
        #expect(try await relayd.stop() == 0)
    }
}
