import Crypto
import Foundation
import Logging
import Testing
import VideoRelay
@testable import relayd

/// The recorder's writer thread, fed the events the relay would send: a rotated segment's
/// successor starts at the very time it ended, so the catalog and clip export see one run.
@Suite struct RecorderRotationTests {
    @Test func eachRotatedSegmentStartsExactlyWhereTheOneBeforeEnded() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recorder-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var settings = RecordingSettings()
        settings.segmentDuration = .seconds(1)
        settings.minimumFreeBytes = 0
        settings.resources = ["heli-1"]
        let recorder = Recorder(
            settings: settings, dataDirectory: directory, key: AuditTrailSigningKey(privateKey: Curve25519.Signing.PrivateKey()),
            auditTrail: nil, logger: Logger(label: "test"))
        recorder.start()
        // An hour ahead, so the writer's idle check never closes a segment between events.
        let origin = ContinuousClock.now + .seconds(3600)
        let tables = Array(repeating: UInt8(0xff), count: 188)
        func picture(_ index: Int) -> ArraySlice<UInt8> {
            VideoPTSScannerTests.pesPacket(streamID: 0xE0, pts: Int64(index) * 90_000)[...]
        }
        let rotations = 1000
        #expect(recorder.queue.offer(.started(resource: "heli-1", programTables: tables, payload: picture(0), at: origin)))
        for index in 1...rotations {
            // A keyframe each second and a little more, so the times cross millisecond boundaries.
            let at = origin + .seconds(index) + .microseconds(index * 2)
            #expect(recorder.queue.offer(.payload(resource: "heli-1", payload: picture(index), keyframeOffset: 0, programTables: tables, at: at)))
        }
        await recorder.stop()

        let entries = try RecordingIntegrationTests.manifest(directory.appendingPathComponent("recordings/heli-1"))
        #expect(entries.count == rotations + 1)
        let breaks = zip(entries, entries.dropFirst()).filter { $0.0.end != $0.1.start }
        #expect(breaks.isEmpty, "segments not joined: \(breaks.prefix(3).map { "\($0.0.end) → \($0.1.start)" })")
        #expect(RecordingCatalog.ranges(entries).count == 1)
    }
}
