import Testing
@testable import VideoRelay

/// A source's timestamps mapped onto the program's one timeline (90 kHz, one frame = 3000).
@Suite struct TimestampRebaserTests {
    static func rebaser() -> TimestampRebaser { TimestampRebaser(start: 900_000, frameTicks: 3000) }

    @Test func theFirstPacketStartsTheTimelineAndFramesFollowAtTheirOwnSpacing() {
        var rebaser = TimestampRebaser(start: 900_000, frameTicks: 3000)
        #expect(rebaser.rebase(pts: 127_920, dts: 127_920) == (900_000, 900_000))
        #expect(rebaser.rebase(pts: 130_920, dts: 130_920) == (903_000, 903_000))
        #expect(rebaser.rebase(pts: 139_920, dts: 133_920) == (912_000, 906_000), "PTS keeps its distance from DTS")
    }

    @Test func aSpliceContinuesOneFrameAfterTheLastOutputWhateverTheNewSourcesClock() {
        var rebaser = TimestampRebaser(start: 900_000, frameTicks: 3000)
        _ = rebaser.rebase(pts: 10_000, dts: 10_000)
        _ = rebaser.rebase(pts: 13_000, dts: 13_000)
        rebaser.splice()
        #expect(rebaser.rebase(pts: 5_000_000, dts: 5_000_000) == (906_000, 906_000))
        rebaser.splice()
        #expect(rebaser.rebase(pts: 50, dts: 50) == (909_000, 909_000), "a source clock behind the last one")
    }

    @Test func the33BitWrapInsideASegmentIsSeamless() {
        var rebaser = TimestampRebaser(start: 900_000, frameTicks: 3000)
        let nearWrap = TimestampRebaser.wrap - 4500
        #expect(rebaser.rebase(pts: nearWrap, dts: nearWrap).dts == 900_000)
        // 3000 ticks later the source's 33-bit clock has wrapped to 1500 ... then 4500.
        #expect(rebaser.rebase(pts: nearWrap + 3000, dts: nearWrap + 3000).dts == 903_000)
        #expect(rebaser.rebase(pts: 1500, dts: 1500).dts == 906_000)
        #expect(rebaser.rebase(pts: 4500, dts: 4500).dts == 909_000)
        // A PTS already wrapped while its DTS has not.
        #expect(rebaser.rebase(pts: 10_500, dts: 7500) == (915_000, 912_000))
    }

    @Test func aPTSThatWrappedBeforeItsDTSStillLeadsIt() {
        var rebaser = TimestampRebaser(start: 900_000, frameTicks: 3000)
        let dts = TimestampRebaser.wrap - 1000
        #expect(rebaser.rebase(pts: 2000, dts: dts) == (903_000, 900_000))
    }

    @Test func aJumpOrStepBackInsideASegmentStartsANewOneInsteadOfAGap() {
        var rebaser = TimestampRebaser(start: 900_000, frameTicks: 3000)
        _ = rebaser.rebase(pts: 100_000, dts: 100_000)
        #expect(rebaser.rebase(pts: 100_000 + 10 * 90_000, dts: 100_000 + 10 * 90_000).dts == 903_000, "a 10 s jump (publisher restart)")
        #expect(rebaser.rebase(pts: 3000, dts: 3000).dts == 906_000, "a step back (loop)")
    }

    @Test func outputFromTheEncoderIsFollowedByTheNextSegment() {
        var rebaser = TimestampRebaser(start: 900_000, frameTicks: 3000)
        _ = rebaser.rebase(pts: 0, dts: 0)
        rebaser.noteOutput(960_000)
        rebaser.splice()
        #expect(rebaser.rebase(pts: 77, dts: 77).dts == 963_000)
    }

    @Test func aMissingPTSIsTakenToEqualTheDTS() {
        var rebaser = Self.rebaser()
        #expect(rebaser.rebase(pts: nil, dts: 77_000) == (pts: 900_000, dts: 900_000))
        #expect(rebaser.rebase(pts: nil, dts: 80_000) == (pts: 903_000, dts: 903_000))
    }

    @Test func outputWrittenByOthersIsFollowedAfterASplice() {
        var rebaser = Self.rebaser()
        _ = rebaser.rebase(pts: 1000, dts: 1000)
        rebaser.noteOutput(960_000)
        rebaser.noteOutput(930_000)
        #expect(rebaser.lastOutput == 960_000, "the latest output, never an earlier one")
        rebaser.splice()
        #expect(rebaser.rebase(pts: 50, dts: 50) == (pts: 963_000, dts: 963_000))
    }

    @Test func encodedOutputDoesNotMoveASegmentInProgressOnlyTheNextOne() {
        var rebaser = Self.rebaser()
        _ = rebaser.rebase(pts: 1000, dts: 1000)
        // The encoder wrote pictures decoded from this segment: with B-frames their DTS (their
        // PTS) lead the packets' DTS, which must stay in the source's decode order and spacing.
        rebaser.noteOutput(909_000)
        #expect(rebaser.rebase(pts: 10_000, dts: 4000) == (pts: 909_000, dts: 903_000))
        #expect(rebaser.rebase(pts: 7000, dts: 7000) == (pts: 906_000, dts: 906_000))
        rebaser.splice()
        #expect(rebaser.rebase(pts: 50, dts: 50) == (pts: 912_000, dts: 912_000), "the next segment follows all of it")
    }

    @Test func aRepeatedDTSIsAStepBackAndAJumpOfExactlyTheMaximumStepIsNot() {
        var rebaser = Self.rebaser()
        _ = rebaser.rebase(pts: 500_000, dts: 500_000)
        // The publisher restarted: its clock went back.
        #expect(rebaser.rebase(pts: 10_000, dts: 10_000) == (pts: 903_000, dts: 903_000))
        #expect(rebaser.rebase(pts: 13_000, dts: 13_000) == (pts: 906_000, dts: 906_000))
        // A repeated DTS is a step back too.
        #expect(rebaser.rebase(pts: 13_000, dts: 13_000) == (pts: 909_000, dts: 909_000))
        // A jump of more than a second (the default maximum step) is a discontinuity.
        #expect(rebaser.rebase(pts: 13_000 + 90_001, dts: 13_000 + 90_001) == (pts: 912_000, dts: 912_000))
        // A jump of exactly the maximum is still the same segment.
        #expect(rebaser.rebase(pts: 13_000 + 180_001, dts: 13_000 + 180_001) == (pts: 1_002_000, dts: 1_002_000))
    }

    @Test func signedDifferenceIsTheShortWayRoundThe33BitCircle() {
        #expect(TimestampRebaser.signedDifference(0, TimestampRebaser.wrap - 1) == 1)
        #expect(TimestampRebaser.signedDifference(TimestampRebaser.wrap - 1, 0) == -1)
        #expect(TimestampRebaser.signedDifference(5000, 2000) == 3000)
        #expect(TimestampRebaser.modulo(-1) == TimestampRebaser.wrap - 1)
        #expect(TimestampRebaser.modulo(TimestampRebaser.wrap + 7) == 7)
    }
}
