import Foundation
import Testing
import VideoRelay
@testable import relayd

/// The recorder's decisions and decoders, without a relay: where segments are cut, what the
/// queue refuses, which timestamps a segment spans, and what the configuration accepts.
@Suite struct SegmentPlannerTests {
    let origin = ContinuousClock.now
    let tables: [UInt8] = Array(repeating: 0x47, count: 376)

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { origin + .milliseconds(milliseconds) }

    func payload(_ byte: UInt8) -> ArraySlice<UInt8> { Array(repeating: byte, count: 1316)[...] }

    @Test func aSegmentOpensAtTheKeyframeWithTheTablesAndTakesEveryPayload() {
        var planner = SegmentPlanner(segmentDuration: .seconds(10))
        let first = payload(1)
        #expect(planner.handle(.started(resource: "heli-1", programTables: tables, payload: first, at: at(0))) == [
            .open(resource: "heli-1", at: at(0), programTables: tables), .write(resource: "heli-1", bytes: first),
        ])
        let next = payload(2)
        #expect(planner.handle(.payload(resource: "heli-1", payload: next, keyframeOffset: nil, programTables: tables, at: at(40))) == [
            .write(resource: "heli-1", bytes: next)
        ])
    }

    @Test func theSegmentRotatesAtTheFirstKeyframeAfterItsDurationWithNoByteLostOrRepeated() {
        var planner = SegmentPlanner(segmentDuration: .seconds(10))
        _ = planner.handle(.started(resource: "heli-1", programTables: tables, payload: payload(1), at: at(0)))
        // A keyframe before the duration is up stays in the segment.
        let early = payload(2)
        #expect(planner.handle(.payload(resource: "heli-1", payload: early, keyframeOffset: 188, programTables: tables, at: at(9_000))) == [
            .write(resource: "heli-1", bytes: early)
        ])
        let cut = payload(3)
        let actions = planner.handle(.payload(resource: "heli-1", payload: cut, keyframeOffset: 376, programTables: tables, at: at(10_500)))
        #expect(actions == [
            .write(resource: "heli-1", bytes: cut[..<376]),
            .close(resource: "heli-1", at: at(10_500), reason: .rotated),
            .open(resource: "heli-1", at: at(10_500), programTables: tables),
            .write(resource: "heli-1", bytes: cut[376...]),
        ])
    }

    @Test func payloadsBeforeAStartAreNotRecorded() {
        var planner = SegmentPlanner(segmentDuration: .seconds(10))
        #expect(planner.handle(.payload(resource: "heli-1", payload: payload(1), keyframeOffset: 0, programTables: tables, at: at(0))).isEmpty)
    }

    @Test func aRestartAnInterruptionADropAndSilenceEachCloseTheSegmentAtItsLastData() {
        var planner = SegmentPlanner(segmentDuration: .seconds(10), idleLimit: .seconds(3))
        _ = planner.handle(.started(resource: "heli-1", programTables: tables, payload: payload(1), at: at(0)))
        _ = planner.handle(.payload(resource: "heli-1", payload: payload(2), keyframeOffset: nil, programTables: tables, at: at(500)))
        let restart = planner.handle(.started(resource: "heli-1", programTables: tables, payload: payload(3), at: at(2_000)))
        #expect(restart.first == .close(resource: "heli-1", at: at(500), reason: .restarted))

        let dropped = planner.handle(.started(resource: "heli-1", programTables: tables, payload: payload(4), at: at(3_000)), dropped: true)
        #expect(dropped.first == .close(resource: "heli-1", at: at(2_000), reason: .dropped))
        #expect(dropped.filter { if case .close = $0 { true } else { false } }.count == 1)

        #expect(planner.handle(.interrupted(resource: "heli-1", at: at(3_500))) == [.close(resource: "heli-1", at: at(3_000), reason: .interrupted)])
        #expect(planner.open.isEmpty)

        _ = planner.handle(.started(resource: "drone-1", programTables: tables, payload: payload(5), at: at(4_000)))
        #expect(planner.nextDeadline == at(7_000))
        #expect(planner.tick(now: at(6_999)).isEmpty)
        #expect(planner.tick(now: at(7_000)) == [.close(resource: "drone-1", at: at(4_000), reason: .idle)])
        #expect(planner.nextDeadline == nil)
    }

    @Test func stoppingClosesEverySegment() {
        var planner = SegmentPlanner(segmentDuration: .seconds(10))
        _ = planner.handle(.started(resource: "program", programTables: tables, payload: payload(1), at: at(0)))
        _ = planner.handle(.started(resource: "heli-1", programTables: tables, payload: payload(1), at: at(10)))
        #expect(planner.stop() == [
            .close(resource: "heli-1", at: at(10), reason: .stopped), .close(resource: "program", at: at(0), reason: .stopped),
        ])
    }
}

@Suite struct RecordingQueueTests {
    @Test func aFullQueueRefusesCountsAndMarksTheNextAcceptedEvent() {
        let queue = RecordingQueue(resources: ["heli-1"], limitBytes: 3000)
        let payload = Array(repeating: UInt8(0x47), count: 1316)[...]
        let event = RecordingEvent.payload(resource: "heli-1", payload: payload, keyframeOffset: nil, programTables: [], at: .now)
        #expect(queue.records("heli-1") && !queue.records("program"))
        #expect(queue.offer(event))
        #expect(queue.offer(event))
        #expect(!queue.offer(event))
        #expect(!queue.offer(event))
        #expect(queue.drops["heli-1"] == RecordingQueue.Drops(events: 2, bytes: 2632))
        let first = queue.take(until: .now())
        #expect(first.items.map(\.droppedBefore) == [0, 0])
        #expect(queue.queuedBytes == 0)
        #expect(queue.offer(.interrupted(resource: "heli-1", at: .now)))
        #expect(queue.take(until: .now()).items.map(\.droppedBefore) == [2])
        queue.close()
        #expect(!queue.offer(event))
        #expect(queue.drops["heli-1"]?.events == 2)
        #expect(queue.take(until: .now()).closed)
    }
}

@Suite struct VideoPTSScannerTests {
    /// A TS packet starting a PES of `streamID` with `pts`, behind an adaptation field.
    static func pesPacket(streamID: UInt8, pts: Int64) -> [UInt8] {
        var packet: [UInt8] = [0x47, 0x41, 0x00, 0x30, 7, 0x50] + Array(repeating: 0, count: 6)
        packet += [0, 0, 1, streamID, 0, 0, 0x80, 0x80, 5]
        packet += [
            UInt8(0x21 | (pts >> 29) & 0x0e), UInt8((pts >> 22) & 0xff), UInt8(0x01 | (pts >> 14) & 0xfe),
            UInt8((pts >> 7) & 0xff), UInt8(0x01 | (pts << 1) & 0xfe),
        ]
        return packet + Array(repeating: 0xff, count: 188 - packet.count)
    }

    @Test func firstAndLastVideoTimestampsAreFoundAcrossSplitWrites() {
        let bytes = Self.pesPacket(streamID: 0xE0, pts: 8_589_934_000) + Self.pesPacket(streamID: 0xC0, pts: 5)
            + Self.pesPacket(streamID: 0xE0, pts: 126_000)
        var scanner = VideoPTSScanner()
        scanner.scan(bytes[..<100])
        scanner.scan(bytes[100..<300])
        scanner.scan(bytes[300...])
        #expect(scanner.first == 8_589_934_000)
        #expect(scanner.last == 126_000)
    }

    @Test func bytesWithoutVideoGiveNoTimestamps() {
        var scanner = VideoPTSScanner()
        scanner.scan(Self.pesPacket(streamID: 0xC0, pts: 90_000)[...])
        scanner.scan(Array(repeating: 0x00, count: 188)[...])
        #expect(scanner.first == nil && scanner.last == nil)
    }
}

@Suite struct DiskSpaceGuardTests {
    @Test func recordingPausesBelowTheMinimumAndResumesAQuarterAbove() {
        var space = DiskSpaceGuard(minimumFreeBytes: 1000)
        #expect(space.check(freeBytes: 5000) == nil)
        #expect(space.check(freeBytes: 1000) == nil, "exactly the minimum is still enough")
        #expect(space.check(freeBytes: 999) == .paused)
        #expect(space.isPaused)
        #expect(space.check(freeBytes: 500) == nil)
        #expect(space.check(freeBytes: 1200) == nil, "back over the minimum but not by a quarter: still paused")
        #expect(space.isPaused)
        #expect(space.check(freeBytes: 1250) == .resumed)
        #expect(!space.isPaused)
        #expect(space.check(freeBytes: 999) == .paused, "and pauses again")
    }

    @Test func aZeroMinimumNeverPauses() {
        var space = DiskSpaceGuard(minimumFreeBytes: 0)
        #expect(space.check(freeBytes: 0) == nil)
        #expect(!space.isPaused)
    }

    @Test func freeSpaceIsReadFromTheNearestExistingDirectory() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("not-yet-\(UUID().uuidString)/recordings")
        let free = try #require(DiskSpaceGuard.freeBytes(at: missing))
        #expect(free > 0)
    }
}

@Suite struct RecordingConfigurationTests {
    @Test func everySourceAndTheProgramAreRecordedByDefaultInTenSecondSegments() throws {
        let configuration = try RelaydConfiguration.parse(yaml: RelaydConfiguration.embeddedDefaultYAML)
        #expect(configuration.recording.resources == ["heli-1", "drone-1", "mobile-1", "program"])
        #expect(configuration.recording.segmentDuration == .seconds(10))
        #expect(configuration.recording.minimumFreeBytes == 2 << 30)
    }

    @Test func recordFalseLeavesASourceOrTheProgramOut() throws {
        let configuration = try RelaydConfiguration.parse(yaml: """
            sources:
              - {id: heli-1, kind: helicopter, record: false}
              - {id: drone-1, kind: drone}
            program:
              record: false
            recording:
              segment_s: 4
              queue_bytes: 8388608
              min_free_mb: 500
            """)
        #expect(configuration.recording.minimumFreeBytes == 500 << 20)
        #expect(configuration.recording.resources == ["drone-1"])
        #expect(configuration.recording.segmentDuration == .seconds(4))
        #expect(configuration.recording.queueBytes == 8 << 20)
        #expect(configuration.recording.exportsKept == .seconds(24 * 3600), "exports are kept a day by default")
    }

    @Test func badRecordingValuesAreReportedWithTheirPaths() {
        let errors = RelaydConfiguration.errors(in: """
            sources:
              - {id: heli-1, kind: helicopter, record: sometimes}
            program:
              record: 3
            recording:
              segment_s: 0
              queue_bytes: 10
              min_free_mb: -1
              exports_keep_h: 0
              retain: forever
            """)
        #expect(errors.contains("sources[0].record: must be true or false"))
        #expect(errors.contains("program.record: must be true or false"))
        #expect(errors.contains("recording.segment_s: must be between 1 and 3600, got 0"))
        #expect(errors.contains { $0.hasPrefix("recording.queue_bytes: must be between 1048576") })
        #expect(errors.contains { $0.hasPrefix("recording.min_free_mb: must be between 0") })
        #expect(errors.contains { $0.hasPrefix("recording.retain: unknown key") })
        #expect(errors.contains("recording.exports_keep_h: must be between 1 and 87600, got 0"), "\(errors)")
    }
}
