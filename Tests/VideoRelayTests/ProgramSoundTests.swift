import Testing
@testable import VideoRelay

/// The program's sound follows its pictures: decoded audio is placed on the sample clock at the
/// time its timestamp maps to, and a cut changes the sound where it changes the picture.
@Suite struct ProgramSoundTests {
    typealias Machine = ProgramMachineTests.Machine

    /// 48 kHz: tolerance 240 samples, crossfade 240 samples; heli-1 heard from the start.
    static func timeline() -> SoundTimeline {
        var timeline = SoundTimeline(sampleRate: 48_000)
        timeline.cut(at: 0, to: "heli-1")
        return timeline
    }

    static func tone(_ count: Int, _ value: Float = 1) -> [[Float]] { [Array(repeating: value, count: count), Array(repeating: value, count: count)] }

    @Test func soundIsWrittenAtItsTimeWithSilenceBeforeIt() {
        var timeline = Self.timeline()
        timeline.place(Self.tone(1024), at: 4800, from: "heli-1")
        let first = timeline.take(4800)
        #expect(first[0].allSatisfy { $0 == 0 }, "100 ms of silence before the sound's time")
        #expect(timeline.take(1024)[1] == Array(repeating: 1, count: 1024))
        #expect(timeline.take(10)[0] == Array(repeating: 0, count: 10), "silence where nothing was written")
        #expect(timeline.position == 5834)
    }

    @Test func soundWithinTheToleranceContinuesItsInputAndAGapBeyondItIsSilence() {
        var timeline = Self.timeline()
        timeline.place(Self.tone(1000), at: 1000, from: "heli-1")
        timeline.place(Self.tone(1000, 0.5), at: 2100, from: "heli-1")
        #expect(timeline.end == 3000, "100 samples late is jitter: it continues where the last ended")
        timeline.place(Self.tone(1000, 0.25), at: 4000, from: "heli-1")
        #expect(timeline.end == 5000, "1000 samples late is a gap: silence in between")
        let out = timeline.take(5000)[0]
        #expect(out[2999] == 0.5 && out[3000] == 0 && out[3999] == 0 && out[4000] == 0.25)
        #expect(timeline.droppedSamples == 0)
    }

    @Test func soundAfterItsTimeWasTakenIsDroppedAndAnOverlapIsWrittenOver() {
        var timeline = Self.timeline()
        _ = timeline.take(2048)
        timeline.place(Self.tone(1024), at: 0, from: "heli-1")
        #expect(timeline.end == 2048 && timeline.droppedSamples == 1024, "wholly late: dropped")
        timeline.place(Self.tone(1024), at: 1536, from: "heli-1")
        #expect(timeline.end == 2560 && timeline.droppedSamples == 1536, "the late half dropped, the rest written")
        timeline.place(Self.tone(1024, 0.5), at: 2048, from: "heli-1")
        #expect(timeline.end == 3072 && timeline.take(1024)[0][600] == 0.5)
    }

    @Test func soundWithATimestampFarAheadOrFromAnInputNotHeardIsDropped() {
        var timeline = Self.timeline()
        timeline.place(Self.tone(1024), at: 48_000 * 10, from: "heli-1")
        timeline.place(Self.tone(1024), at: 0, from: "drone-1")
        #expect(timeline.end == 0 && timeline.droppedSamples == 2048)
    }

    @Test func aCutEndsTheOldSoundAtItsPointAndStartsTheNewOneThereWithACrossfade() {
        var timeline = Self.timeline()
        timeline.place(Self.tone(9600), at: 0, from: "heli-1")
        timeline.cut(at: 4800, to: "drone-1")
        #expect(timeline.end == 4800, "the old input's sound after the cut is dropped")
        // The new input's sound starts 50 ms before the cut: that part is not heard.
        timeline.place(Self.tone(4800, -1), at: 2400, from: "drone-1")
        #expect(timeline.end == 7200)
        let out = timeline.take(7200)[0]
        #expect(out[4000] == 1, "the old sound up to the fade")
        #expect(out[4799] == 0, "faded out at the cut")
        #expect(out[4800] > -0.01 && out[4800] < 0, "fading in from the cut")
        #expect(out[5040] == -1, "the new sound after the fade")
        #expect(out[4560..<4800].allSatisfy { $0 >= 0 } && out[4800..<5040].allSatisfy { $0 <= 0 })
    }

    @Test func theOldInputsLateSoundStillFillsItsPartUpToTheCut() {
        var timeline = Self.timeline()
        timeline.place(Self.tone(3000), at: 0, from: "heli-1")
        timeline.cut(at: 4800, to: "drone-1")
        timeline.place(Self.tone(4800, -1), at: 4800, from: "drone-1")
        // heli-1's muxer sent its last 150 ms late: they arrive after the cut.
        timeline.place(Self.tone(2400), at: 3000, from: "heli-1")
        #expect(timeline.droppedSamples == 600, "what lies after the cut is not heard")
        let out = timeline.take(9600)[0]
        #expect(out[2999] == 1 && out[3000] == 1 && out[4500] == 1, "no gap before the cut")
        #expect(out[4799] == 0 && out[5100] == -1)
        timeline.place(Self.tone(1024), at: 9600, from: "mobile-1")
        #expect(timeline.droppedSamples == 600 + 1024, "an input not heard")
    }

    @Test func aCutToTheSlateLeavesSilenceAfterIt() {
        var timeline = Self.timeline()
        timeline.place(Self.tone(9600), at: 0, from: "heli-1")
        timeline.cut(at: 4800, to: nil)
        timeline.place(Self.tone(1000), at: 9600, from: "heli-1")
        let out = timeline.take(12_000)[0]
        #expect(out[4799] == 0 && out[4800...].allSatisfy { $0 == 0 })
    }

    @Test func aNewInputsSoundLiesAtItsOwnTimeAfterTheCut() {
        var timeline = Self.timeline()
        timeline.place(Self.tone(1000), at: 0, from: "heli-1")
        timeline.cut(at: 4800, to: "drone-1")
        timeline.place(Self.tone(1000, -1), at: 6000, from: "drone-1")
        #expect(timeline.end == 7000, "the new input's sound lies at its own time, after silence")
        let out = timeline.take(7000)[0]
        #expect(out[999] == 1 && out[1000..<6000].allSatisfy { $0 == 0 } && out[6000] == -1)
    }

    // MARK: - The machine maps audio with the pictures' mapping

    @Test func audioOfTheSourceOnAirIsPlacedWithItsPicturesMapping() {
        var machine = ProgramMachineTests.machine()
        ProgramMachineTests.heliInPassthrough(&machine)
        // heli-1's picture 1 (source 1 003 000) is at 906 000: audio 0 (1 000 000) is 3000 ticks earlier.
        #expect(machine.handle(.packet(ProgramMachineTests.audio(ProgramMachineTests.heli, 0), at: .milliseconds(72))) == [
            .decodeAudio(1000, source: ProgramMachineTests.heli, at: 903_000),
        ])
        // A timestamp more than a second from the pictures' belongs to no segment: not placed.
        let stray = Machine.Packet(source: ProgramMachineTests.heli, kind: .audio, isKeyframe: false, pts: 1_200_000, dts: 1_200_000, payload: 77)
        #expect(machine.handle(.packet(stray, at: .milliseconds(73))) == [])
    }

    @Test func anInstantCutStartsTheNewSourcesSoundWithItsPictureFromItsCachedAudio() {
        var machine = ProgramMachineTests.machine()
        ProgramMachineTests.heliInPassthrough(&machine)
        let drone = ProgramMachineTests.drone
        _ = machine.handle(.opened(source: drone, hasVideo: true, matchesProfile: true))
        _ = machine.handle(.packet(ProgramMachineTests.video(drone, 5, keyframe: true), at: .milliseconds(75)))
        // Audio 8 and 9 of drone-1: source 1 015 360 and 1 017 280; picture 5 is 1 015 000.
        _ = machine.handle(.packet(ProgramMachineTests.audio(drone, 8), at: .milliseconds(76)))
        _ = machine.handle(.packet(ProgramMachineTests.audio(drone, 9), at: .milliseconds(77)))
        _ = machine.handle(.clock(at: .milliseconds(100)))
        let actions = machine.handle(.cut(source: drone, by: "op", ticket: 1, at: .milliseconds(110)))
        #expect(actions.prefix(2) == [.newSegment, .soundCut(at: 909_000, to: drone)])
        // Picture 5 is shown at 909 000, the next frame: its sound with it.
        #expect(actions.filter { if case .decodeAudio = $0 { true } else { false } } == [
            .decodeAudio(1008, source: drone, at: 909_360), .decodeAudio(1009, source: drone, at: 911_280),
        ])
    }

    @Test func aMachineKeepsAboutASecondOfEachSourcesAudio() {
        var machine = ProgramMachineTests.machine()
        for n in 0..<100 {
            _ = machine.handle(.packet(ProgramMachineTests.audio(ProgramMachineTests.drone, n), at: .milliseconds(n)))
        }
        let kept = machine.tracks[ProgramMachineTests.drone]?.recentAudio ?? []
        #expect(kept.count == 47, "1920 ticks apart: 46 steps make 88 320 ticks, 47 would pass 90 000")
        #expect(kept.last?.payload == 1099)
    }
}

/// How far behind the video the sound is encoded.
@Suite struct EncodingLagTests {
    @Test func audioAheadOfTheVideoNeedsNoLag() {
        var lag = EncodingLag()
        lag.noteAudio(at: 1_000_000, latestVideo: 990_000)
        #expect(lag.ticks == 0)
    }

    @Test func lateAudioRaisesTheLagAtOnceAndItFallsBackSlowly() {
        var lag = EncodingLag()
        lag.noteAudio(at: 1_000_000, latestVideo: 1_018_000)
        #expect(lag.ticks == 18_000 + EncodingLag.margin, "200 ms late: 240 ms lag")
        lag.noteAudio(at: 1_100_000, latestVideo: 1_000_000)
        #expect(lag.ticks == 18_000 + EncodingLag.margin - 90, "early again: 1 ms less per packet")
        lag.noteAudio(at: 1_000_000, latestVideo: 1_200_000)
        #expect(lag.ticks == EncodingLag.maximum, "never above 0.7 s")
    }
}
