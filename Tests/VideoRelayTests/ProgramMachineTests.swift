import Testing
@testable import VideoRelay

/// The program's decisions without libav or a clock: events in, actions out. Packets carry a
/// number for a payload; times are milliseconds since the program started. 30 fps: one frame
/// is 3000 ticks, and the program timeline starts at 900 000 (10 s).
@Suite struct ProgramMachineTests {
    typealias Machine = ProgramMachine<Int>
    static let heli = "heli-1"
    static let drone = "drone-1"

    static func machine(instantCut: Bool = true, rules: [String: FailoverRule] = [:], maximumCachedPackets: Int = 600) -> Machine {
        var settings = Machine.Settings(frameRate: .fps30, instantCut: instantCut)
        settings.maximumCachedPackets = maximumCachedPackets
        return Machine(settings: settings, sources: [heli, drone], rules: rules)
    }

    static func ms(_ value: Int) -> Duration { .milliseconds(value) }

    /// Video packet `n` of a source: DTS (and PTS) 1 000 000 + n frames, payload n.
    static func video(_ source: String, _ n: Int, keyframe: Bool = false) -> Machine.Packet {
        let dts = 1_000_000 + Int64(n) * 3000
        return Machine.Packet(source: source, kind: .video, isKeyframe: keyframe, pts: dts, dts: dts, payload: n)
    }

    static func audio(_ source: String, _ n: Int) -> Machine.Packet {
        Machine.Packet(source: source, kind: .audio, isKeyframe: false, pts: 1_000_000 + Int64(n) * 1920, dts: 1_000_000 + Int64(n) * 1920, payload: 1000 + n)
    }

    static func cached(_ n: Int) -> Machine.CachedPacket {
        let dts = 1_000_000 + Int64(n) * 3000
        return Machine.CachedPacket(pts: dts, dts: dts, payload: n)
    }

    /// heli-1 on air in passthrough at 60 ms, with or without instant cuts: the slate's first
    /// picture out at 0 (900 000); heli-1's keyframe 0 cached at 10 ms and seen live by the
    /// health check at 50 ms; its keyframe 1 passed through at 906 000 at 60 ms. The program
    /// clock's lead is then 906 000 - 5400 (60 ms) = 900 600, and heli-1's cached GOP is packet 1.
    static func heliInPassthrough(_ machine: inout Machine) {
        _ = machine.handle(.clock(at: ms(0)))
        _ = machine.handle(.opened(source: heli, hasVideo: true, matchesProfile: true))
        _ = machine.handle(.packet(video(heli, 0, keyframe: true), at: ms(10)))
        for action in machine.handle(.clock(at: ms(50))) {
            // The engine shows the cached GOP's newest picture at once, as the next frame.
            if case .decodeCachedGOP(_, _, let newestAt, .show) = action { _ = machine.handle(.picture(pts: newestAt, at: ms(50))) }
        }
        _ = machine.handle(.packet(video(heli, 1, keyframe: true), at: ms(60)))
        precondition(machine.mode == .passthrough && machine.lastDTS == 906_000 && machine.lead == 900_600)
    }

    /// The cut replies among `actions`.
    static func replies(_ actions: [Machine.Action]) -> [Machine.Action] {
        actions.filter {
            switch $0 {
            case .cutTookEffect, .cutRefused, .cutAbandoned: true
            default: false
            }
        }
    }

    // MARK: - Slate

    @Test func theSlateIsOnAirFromTheStartOneKeyframeThenAPictureEachFrame() {
        var machine = Self.machine()
        #expect(machine.mode == .transcode)
        #expect(machine.handle(.clock(at: .zero)) == [.encodeSlate(pts: 900_000, keyframe: true)])
        #expect(machine.handle(.clock(at: Self.ms(20))) == [], "the next frame is due at 33.3 ms")
        #expect(machine.nextDeadline(after: Self.ms(20)) == .ticks(3000), "woken for the next frame")
        #expect(machine.handle(.clock(at: Self.ms(34))) == [.encodeSlate(pts: 903_000, keyframe: false)])
    }

    @Test func aLateSlateCatchesUpAtMostOneSecondAtATime() {
        var machine = Self.machine()
        _ = machine.handle(.clock(at: .zero))
        let actions = machine.handle(.clock(at: .seconds(3)))
        #expect(actions.count == 30)
        #expect(actions.first == .encodeSlate(pts: 903_000, keyframe: false))
        #expect(actions.last == .encodeSlate(pts: 990_000, keyframe: false))
        #expect(machine.nextDeadline(after: .seconds(3)) == .seconds(3), "still behind: due at once")
    }

    // MARK: - Going on air

    @Test func theFirstLiveSourceGoesOnAirFromItsCachedKeyframe() {
        var machine = Self.machine()
        _ = machine.handle(.clock(at: .zero))
        #expect(machine.handle(.opened(source: Self.heli, hasVideo: true, matchesProfile: true)) == [])
        #expect(machine.handle(.packet(Self.video(Self.heli, 0, keyframe: true), at: Self.ms(10))) == [], "not on air: only cached")
        #expect(machine.isReady(Self.heli, at: Self.ms(10)) == false, "live once a health check saw it")
        // The health check at 50 ms sees heli-1 live and ready: the cached GOP is decoded and its
        // newest picture is the next program frame.
        #expect(machine.handle(.clock(at: Self.ms(50))) == [
            .newSegment, .soundCut(at: 903_000, to: Self.heli),
            .decodeCachedGOP(source: Self.heli, packets: [Self.cached(0)], newestAt: 903_000, use: .show),
            .switched(to: .source(Self.heli), from: .slate, reason: .firstLive),
        ])
        #expect(machine.switcher.onAir == .source(Self.heli))
        #expect(machine.mode == .transcode, "bridging until the next keyframe")
        #expect(machine.picturesNeedNoFilter, "the source matches the profile and no caption is on")
        #expect(machine.handle(.picture(pts: 903_000, at: Self.ms(50))) == [.encode(pts: 903_000, keyframe: true)])
        #expect(machine.handle(.packet(Self.video(Self.heli, 1), at: Self.ms(60))) == [.decode(1, pts: 906_000, dts: 906_000)])
        #expect(machine.handle(.picture(pts: 906_000, at: Self.ms(60))) == [.encode(pts: 906_000, keyframe: false)])
        // Its next keyframe returns the program to passthrough: a new segment.
        #expect(machine.handle(.packet(Self.video(Self.heli, 2, keyframe: true), at: Self.ms(70))) == [
            .newSegment, .modeChanged(.passthrough), .passThrough(2, pts: 909_000, dts: 909_000),
        ])
        #expect(machine.mode == .passthrough)
    }

    /// A source with B-frames shows its keyframe two frames after decoding it. Encoded
    /// pictures are decoded two frames ahead too, so passthrough after them starts on the very
    /// next frame, not one frame late.
    @Test func aBFrameSourcePassedThroughAfterEncodedPicturesShowsItsKeyframeOnTheNextFrame() {
        var machine = Self.machine()
        #expect(machine.handle(.clock(at: .zero)) == [.encodeSlate(pts: 900_000, keyframe: true)])
        #expect(machine.lastDTS == 894_000, "an encoded picture is decoded two frames before it is shown")
        _ = machine.handle(.opened(source: Self.drone, hasVideo: true, matchesProfile: true))
        let keyframe = Machine.Packet(source: Self.drone, kind: .video, isKeyframe: true, pts: 1_006_000, dts: 1_000_000, payload: 0)
        _ = machine.handle(.packet(keyframe, at: Self.ms(10)))
        _ = machine.handle(.clock(at: Self.ms(50)))
        #expect(machine.handle(.picture(pts: 903_000, at: Self.ms(50))) == [.encode(pts: 903_000, keyframe: true)])
        let next = Machine.Packet(source: Self.drone, kind: .video, isKeyframe: true, pts: 1_096_000, dts: 1_090_000, payload: 30)
        #expect(machine.handle(.packet(next, at: Self.ms(60))) == [
            .newSegment, .modeChanged(.passthrough), .passThrough(30, pts: 906_000, dts: 900_000),
        ])
    }

    @Test func withoutInstantCutsTheSourcesNextKeyframeStartsItsSegment() {
        var machine = Self.machine(instantCut: false)
        _ = machine.handle(.clock(at: .zero))
        _ = machine.handle(.opened(source: Self.heli, hasVideo: true, matchesProfile: true))
        _ = machine.handle(.packet(Self.video(Self.heli, 0, keyframe: true), at: Self.ms(10)))
        #expect(machine.handle(.clock(at: Self.ms(50))) == [.encodeSlate(pts: 903_000, keyframe: false)], "waits for heli-1's next keyframe")
        #expect(machine.switcher.pending?.source == Self.heli)
        #expect(machine.handle(.packet(Self.video(Self.heli, 1), at: Self.ms(60))) == [])
        #expect(machine.handle(.packet(Self.video(Self.heli, 2, keyframe: true), at: Self.ms(70))) == [
            .newSegment, .soundCut(at: 906_000, to: Self.heli), .switched(to: .source(Self.heli), from: .slate, reason: .firstLive),
            .newSegment, .modeChanged(.passthrough), .passThrough(2, pts: 906_000, dts: 906_000),
        ])
    }

    @Test func aSourceThatDoesNotMatchTheProfileIsTranscodedThroughTheFilter() {
        var machine = Self.machine(instantCut: false)
        _ = machine.handle(.clock(at: .zero))
        _ = machine.handle(.opened(source: Self.heli, hasVideo: true, matchesProfile: false))
        _ = machine.handle(.packet(Self.video(Self.heli, 0, keyframe: true), at: Self.ms(10)))
        _ = machine.handle(.clock(at: Self.ms(50)))
        #expect(machine.handle(.packet(Self.video(Self.heli, 1, keyframe: true), at: Self.ms(60))) == [
            .newSegment, .soundCut(at: 906_000, to: Self.heli), .switched(to: .source(Self.heli), from: .slate, reason: .firstLive), .decode(1, pts: 906_000, dts: 906_000),
        ], "stays in transcode: no mode change")
        #expect(machine.mode == .transcode)
        #expect(!machine.picturesNeedNoFilter)
        #expect(machine.handle(.picture(pts: 906_000, at: Self.ms(60))) == [.encode(pts: 906_000, keyframe: true)])
        #expect(machine.handle(.picture(pts: 906_000, at: Self.ms(61))) == [], "a picture not after the last one out is not encoded")
        #expect(machine.handle(.picture(pts: 901_000, at: Self.ms(61))) == [])
    }

    @Test func packetsOfSourcesOffAirAreOnlyCachedAndAudioWaitsForTheSegmentsKeyframe() {
        var machine = Self.machine()
        Self.heliInPassthrough(&machine)
        _ = machine.handle(.opened(source: Self.drone, hasVideo: true, matchesProfile: true))
        #expect(machine.handle(.packet(Self.video(Self.drone, 0, keyframe: true), at: Self.ms(71))) == [])
        #expect(machine.handle(.packet(Self.audio(Self.drone, 0), at: Self.ms(71))) == [])
        #expect(machine.handle(.packet(Self.audio(Self.heli, 0), at: Self.ms(72))) == [.decodeAudio(1000, source: Self.heli, at: 903_000)])
        #expect(machine.handle(.packet(Self.video(Self.heli, 2), at: Self.ms(73))) == [.passThrough(2, pts: 909_000, dts: 909_000)])
    }

    // MARK: - Cuts

    @Test func anInstantCutGoesOnAirAtTheNextFrameAndRepliesAtOnce() {
        var machine = Self.machine()
        Self.heliInPassthrough(&machine)
        _ = machine.handle(.opened(source: Self.drone, hasVideo: true, matchesProfile: true))
        _ = machine.handle(.packet(Self.video(Self.drone, 5, keyframe: true), at: Self.ms(75)))
        _ = machine.handle(.packet(Self.video(Self.drone, 6), at: Self.ms(76)))
        // Live from its first data on, with no health check in between.
        #expect(machine.handle(.cut(source: Self.drone, by: "op", ticket: 8, at: Self.ms(80))) == [
            .newSegment, .soundCut(at: 909_000, to: Self.drone),
            .decodeCachedGOP(source: Self.drone, packets: [Self.cached(5), Self.cached(6)], newestAt: 909_000, use: .show),
            .switched(to: .source(Self.drone), from: .source(Self.heli), reason: .operatorCut(by: "op")),
            .cutTookEffect(ticket: 8, source: Self.drone, by: "op", programPTS: 909_000, waited: .zero),
        ])
        #expect(machine.handle(.cut(source: "sat-9", by: nil, ticket: 9, at: Self.ms(120))) == [.cutRefused(ticket: 9, .unknownSource)])
    }

    /// heli-1 in passthrough sends a P shown three frames on (915 000) before the two B-frames
    /// shown ahead of it; drone-1 is live.
    static func heliOwingTwoBFrames() -> Machine {
        var machine = twoLiveSources(instantCut: true)
        let p = Machine.Packet(source: heli, kind: .video, isKeyframe: false, pts: 1_012_000, dts: 1_004_000, payload: 4)
        #expect(machine.handle(.packet(p, at: ms(105))) == [.passThrough(4, pts: 915_000, dts: 907_000)])
        #expect(machine.owed.count(frameTicks: 3000) == 2)
        return machine
    }

    static func bFrame(_ n: Int, dts: Int64) -> Machine.Packet {
        Machine.Packet(source: heli, kind: .video, isKeyframe: false, pts: 1_000_000 + Int64(n) * 3000, dts: dts, payload: n)
    }

    @Test func aCutAwayFromABFrameSourceWaitsForTheBFramesItOwes() {
        var machine = Self.heliOwingTwoBFrames()
        #expect(machine.handle(.cut(source: Self.drone, by: "op", ticket: 4, at: Self.ms(110))) == [], "held: heli-1 owes 909 000 and 912 000")
        #expect(machine.nextDeadline(after: Self.ms(110)) <= Self.ms(310))
        #expect(machine.handle(.packet(Self.bFrame(2, dts: 1_005_000), at: Self.ms(120))) == [.passThrough(2, pts: 909_000, dts: 908_000)])
        #expect(machine.handle(.packet(Self.bFrame(3, dts: 1_006_000), at: Self.ms(130))) == [
            .passThrough(3, pts: 912_000, dts: 909_000),
            .newSegment, .soundCut(at: 918_000, to: Self.drone),
            .decodeCachedGOP(source: Self.drone, packets: [Self.cached(5)], newestAt: 918_000, use: .show),
            .switched(to: .source(Self.drone), from: .source(Self.heli), reason: .operatorCut(by: "op")),
            .cutTookEffect(ticket: 4, source: Self.drone, by: "op", programPTS: 918_000, waited: .zero),
        ], "the last owed B-frame out, drone-1 goes on air at the next frame")
    }

    @Test func aHeldCutGoesAheadWhenTheSourceSendsALaterPictureOrTheWaitRunsOut() {
        var later = Self.heliOwingTwoBFrames()
        _ = later.handle(.cut(source: Self.drone, by: "op", ticket: 4, at: Self.ms(110)))
        let next = Machine.Packet(source: Self.heli, kind: .video, isKeyframe: false, pts: 1_021_000, dts: 1_007_000, payload: 7)
        let actions = later.handle(.packet(next, at: Self.ms(120)))
        #expect(Self.replies(actions) == [.cutTookEffect(ticket: 4, source: Self.drone, by: "op", programPTS: 918_000, waited: .zero)])
        #expect(!actions.contains { if case .passThrough = $0 { true } else { false } }, "heli-1's later picture stays off air")

        var silent = Self.heliOwingTwoBFrames()
        _ = silent.handle(.cut(source: Self.drone, by: "op", ticket: 4, at: Self.ms(110)))
        #expect(Self.replies(silent.handle(.clock(at: Self.ms(250)))).isEmpty)
        #expect(Self.replies(silent.handle(.clock(at: Self.ms(310)))) == [
            .cutTookEffect(ticket: 4, source: Self.drone, by: "op", programPTS: 918_000, waited: .zero),
        ])
        #expect(silent.switcher.onAir == .source(Self.drone))

        var stopped = Self.heliOwingTwoBFrames()
        _ = stopped.handle(.cut(source: Self.drone, by: "op", ticket: 4, at: Self.ms(110)))
        #expect(stopped.handle(.stop) == [.cutAbandoned(ticket: 4, reason: "program stopped")])
    }

    @Test func owedPicturesAreTheEmptySlotsBeforeTheNewestPicture() {
        var owed = OwedPictures()
        #expect(owed.count(frameTicks: 3003) == 0)
        for pts: Int64 in [0, 9009] { owed.note(pts: pts) }
        #expect(owed.count(frameTicks: 3003) == 2)
        owed.note(pts: 3003)
        #expect(owed.count(frameTicks: 3003) == 1)
        owed.note(pts: 6006)
        #expect(owed.count(frameTicks: 3003) == 0)
        owed.reset()
        owed.note(pts: 90_000)
        #expect(owed.count(frameTicks: 3003) == 0 && owed.newest == 90_000)
    }

    @Test func onlyTheSlotsBeforeTheLatestPAreOwedHoweverLongTheStream() {
        var owed = OwedPictures()
        // I P B B P B B ... in decode order, a frame 3003 ticks.
        owed.note(pts: 0)
        for group in 0..<10 {
            let p = Int64(group + 1) * 3 * 3003
            let latest = owed.note(pts: p)
            #expect(latest, "a P is the new latest picture")
            #expect(owed.count(frameTicks: 3003) == 2)
            let earlier = [owed.note(pts: p - 2 * 3003), owed.note(pts: p - 3003)]
            #expect(earlier == [false, false])
            #expect(owed.count(frameTicks: 3003) == 0, "group \(group)")
        }
        // The source's own step of 2.3 frames (a loop seam) owes one slot until its next P.
        owed.note(pts: 30 * 3003 + 6907)
        #expect(owed.count(frameTicks: 3003) == 1)
        owed.note(pts: 30 * 3003 + 6907 + 3003)
        #expect(owed.count(frameTicks: 3003) == 0)
    }

    /// heli-1 in passthrough with a long failover threshold, drone-1 live with a cached keyframe.
    static func twoLiveSources(instantCut: Bool) -> Machine {
        var machine = machine(instantCut: instantCut, rules: [heli: FailoverRule(thresholdMilliseconds: 60_000), drone: FailoverRule(thresholdMilliseconds: 2000)])
        heliInPassthrough(&machine)
        _ = machine.handle(.opened(source: drone, hasVideo: true, matchesProfile: true))
        _ = machine.handle(.packet(video(drone, 5, keyframe: true), at: ms(75)))
        _ = machine.handle(.clock(at: ms(100)))
        return machine
    }

    @Test func aWaitingCutTakesEffectAtTheTargetsNextKeyframe() {
        var machine = Self.twoLiveSources(instantCut: false)
        #expect(machine.handle(.cut(source: Self.drone, by: "op", ticket: 3, at: Self.ms(110))) == [])
        #expect(machine.pendingReply == .init(ticket: 3, source: Self.drone, at: Self.ms(110)))
        #expect(machine.handle(.packet(Self.video(Self.drone, 6), at: Self.ms(120))) == [])
        #expect(machine.handle(.packet(Self.video(Self.drone, 7, keyframe: true), at: Self.ms(400))) == [
            .newSegment, .soundCut(at: 909_000, to: Self.drone), .switched(to: .source(Self.drone), from: .source(Self.heli), reason: .operatorCut(by: "op")),
            .cutTookEffect(ticket: 3, source: Self.drone, by: "op", programPTS: 909_000, waited: .milliseconds(290)),
            .passThrough(7, pts: 909_000, dts: 909_000),
        ], "passthrough before and after: no mode change")
        #expect(machine.pendingReply == nil)
    }

    @Test func aWaitingCutIsAnsweredWhenReplacedTimedOutSilentOrStopped() {
        var machine = Self.twoLiveSources(instantCut: false)
        _ = machine.handle(.cut(source: Self.drone, by: "op", ticket: 3, at: Self.ms(110)))
        #expect(machine.handle(.cut(source: Self.heli, by: "op", ticket: 4, at: Self.ms(120))) == [
            .cutAbandoned(ticket: 3, reason: "replaced by a cut to heli-1"),
        ])
        // heli-1 sends no keyframe: its cut times out after 5 s, the program stays on it.
        #expect(Self.replies(machine.handle(.clock(at: Self.ms(5100)))) == [])
        #expect(machine.nextDeadline(after: Self.ms(5100)) <= Self.ms(5120))
        #expect(Self.replies(machine.handle(.clock(at: Self.ms(5130)))) == [.cutAbandoned(ticket: 4, reason: "no keyframe from heli-1 within 5 s")])
        #expect(machine.switcher.onAir == .source(Self.heli))

        var silent = Self.twoLiveSources(instantCut: false)
        _ = silent.handle(.cut(source: Self.drone, by: "op", ticket: 5, at: Self.ms(110)))
        #expect(Self.replies(silent.handle(.clock(at: Self.ms(2200)))) == [.cutAbandoned(ticket: 5, reason: "drone-1 fell silent before its next keyframe")])

        var stopping = Self.twoLiveSources(instantCut: false)
        _ = stopping.handle(.cut(source: Self.drone, by: "op", ticket: 6, at: Self.ms(110)))
        #expect(stopping.handle(.stop) == [.cutAbandoned(ticket: 6, reason: "program stopped")])
        #expect(stopping.handle(.stop) == [])
    }

    @Test func aCachedGOPThatCannotBeDecodedLeavesTheCutWaitingForAKeyframe() {
        var machine = Self.twoLiveSources(instantCut: true)
        _ = machine.handle(.cut(source: Self.drone, by: "op", ticket: 1, at: Self.ms(110)))
        #expect(machine.handle(.cachedGOPFailed(.show)) == [])
        #expect(machine.mode == .transcode)
        #expect(machine.handle(.packet(Self.audio(Self.drone, 1), at: Self.ms(120))) == [])
        #expect(machine.handle(.packet(Self.video(Self.drone, 6), at: Self.ms(120))) == [])
        // Nothing of drone-1 was shown: its keyframe is the next frame after heli-1's last.
        #expect(machine.handle(.packet(Self.video(Self.drone, 7, keyframe: true), at: Self.ms(130))) == [
            .newSegment, .modeChanged(.passthrough), .passThrough(7, pts: 909_000, dts: 909_000),
        ])
    }

    // MARK: - Captions

    @Test func aCaptionInPassthroughDecodesTheCachedGOPAndTranscodesFromTheNextFrame() {
        var machine = Self.machine()
        Self.heliInPassthrough(&machine)
        #expect(machine.handle(.caption(on: true)) == [
            .decodeCachedGOP(source: Self.heli, packets: [Self.cached(1)], newestAt: 906_000, use: .caption),
        ], "the newest picture is the one already out")
        #expect(machine.mode == .transcode)
        #expect(!machine.picturesNeedNoFilter, "captioned pictures go through the filter")
        #expect(machine.handle(.packet(Self.video(Self.heli, 2), at: Self.ms(80))) == [.decode(2, pts: 909_000, dts: 909_000)])
        #expect(machine.handle(.picture(pts: 909_000, at: Self.ms(80))) == [.encode(pts: 909_000, keyframe: true)])
        #expect(machine.handle(.caption(on: true)) == [], "an edit while transcoding changes the filter only")
        #expect(machine.handle(.caption(on: false)) == [])
        #expect(machine.picturesNeedNoFilter)
        #expect(machine.handle(.packet(Self.video(Self.heli, 3), at: Self.ms(90))) == [.decode(3, pts: 912_000, dts: 912_000)], "until the next keyframe")
        _ = machine.handle(.picture(pts: 912_000, at: Self.ms(90)))
        #expect(machine.handle(.packet(Self.video(Self.heli, 4, keyframe: true), at: Self.ms(100))) == [
            .newSegment, .modeChanged(.passthrough), .passThrough(4, pts: 915_000, dts: 915_000),
        ])
    }

    @Test func aCaptionThatCannotBridgeLeavesPassthroughUntilTheNextKeyframe() {
        var machine = Self.machine()
        Self.heliInPassthrough(&machine)
        _ = machine.handle(.caption(on: true))
        #expect(machine.handle(.cachedGOPFailed(.caption)) == [])
        #expect(machine.handle(.packet(Self.video(Self.heli, 2), at: Self.ms(80))) == [.passThrough(2, pts: 909_000, dts: 909_000)])
        #expect(machine.handle(.packet(Self.video(Self.heli, 3, keyframe: true), at: Self.ms(90))) == [
            .newSegment, .modeChanged(.transcode), .decode(3, pts: 912_000, dts: 912_000),
        ])
    }

    // MARK: - Silence

    @Test func aSilentSourceInPassthroughHasItsNewestPictureRepeatedAtTheFrameRate() {
        var machine = Self.machine()
        Self.heliInPassthrough(&machine)
        // Due at 600 ms: 900 600 + 54 000 = 954 600, 48 600 after the last picture out.
        #expect(machine.handle(.clock(at: Self.ms(500))) == [], "not yet 500 ms behind")
        let hold = machine.handle(.clock(at: Self.ms(600)))
        #expect(hold.first == .decodeCachedGOP(source: Self.heli, packets: [Self.cached(1)], newestAt: 909_000, use: .hold))
        let repeats = hold.dropFirst().dropLast()
        #expect(repeats.count == 16, "909 000 to 954 000: up to the program clock")
        #expect(repeats.first == .repeatLast(pts: 909_000, keyframe: true))
        #expect(repeats.last == .repeatLast(pts: 954_000, keyframe: false))
        #expect(hold.last == .resetFilter)
        #expect(machine.mode == .transcode)
        // Then one picture per frame while it stays silent...
        #expect(machine.handle(.clock(at: Self.ms(640))) == [.repeatLast(pts: 957_000, keyframe: false), .resetFilter])
        #expect(machine.handle(.clock(at: Self.ms(655))) == [])
        #expect(machine.nextDeadline(after: Self.ms(655)) == Self.ms(660), "960 000 falls due at 660 ms")
        // ...and its next packet continues after the repeats, decoded.
        #expect(machine.handle(.packet(Self.video(Self.heli, 2), at: Self.ms(670))) == [.decode(2, pts: 960_000, dts: 960_000)])
        // Sound of the picture shown before the hold keeps its place; later sound follows the
        // repeats like the pictures.
        #expect(machine.handle(.packet(Self.audio(Self.heli, 2), at: Self.ms(675))) == [.decodeAudio(1002, source: Self.heli, at: 906_840)])
        #expect(machine.handle(.packet(Self.audio(Self.heli, 4), at: Self.ms(680))) == [.decodeAudio(1004, source: Self.heli, at: 960_000 + 7680 - 6000)])
    }

    @Test func aSilentSourceInTranscodeHasItsLastPictureRepeated() {
        var machine = Self.machine()
        Self.heliInPassthrough(&machine)
        _ = machine.handle(.caption(on: true))
        _ = machine.handle(.picture(pts: 909_000, at: Self.ms(80)))
        // Lead 909 000 - 7200 = 901 800; due at 600 ms: 955 800.
        let hold = machine.handle(.clock(at: Self.ms(600)))
        #expect(hold.first == .repeatLast(pts: 912_000, keyframe: false), "no new segment: the decoder has the picture")
        #expect(hold.count == 15 + 1)
        #expect(hold.last == .resetFilter)
    }

    @Test func aHeldSourceWhoseGOPCannotBeDecodedIsHeldWithTheSlateUntilItsNextKeyframe() {
        var machine = Self.machine()
        Self.heliInPassthrough(&machine)
        _ = machine.handle(.clock(at: Self.ms(600)))
        #expect(machine.handle(.cachedGOPFailed(.hold)) == [.newSegment, .keepSlateAsLast(pts: 957_000)])
        #expect(machine.handle(.clock(at: Self.ms(640))) == [.repeatLast(pts: 957_000, keyframe: true), .resetFilter])
        // Sound of what was shown before the hold keeps its place; the rest waits for the keyframe.
        #expect(machine.handle(.packet(Self.audio(Self.heli, 1), at: Self.ms(650))) == [.decodeAudio(1001, source: Self.heli, at: 904_920)])
        #expect(machine.handle(.packet(Self.audio(Self.heli, 4), at: Self.ms(650))) == [])
        #expect(machine.handle(.packet(Self.video(Self.heli, 2), at: Self.ms(650))) == [])
        #expect(machine.handle(.packet(Self.video(Self.heli, 3, keyframe: true), at: Self.ms(660))) == [
            .newSegment, .modeChanged(.passthrough), .passThrough(3, pts: 960_000, dts: 960_000),
        ])
    }

    @Test func aSourceSilentPastItsThresholdHandsOverToTheSlate() {
        var machine = Self.machine()
        Self.heliInPassthrough(&machine)
        let actions = machine.handle(.clock(at: Self.ms(1100)))
        #expect(Array(actions.prefix(4)) == [
            .newSegment, .soundCut(at: 909_000, to: nil), .switched(to: .slate, from: .source(Self.heli), reason: .failover(from: Self.heli)),
            .encodeSlate(pts: 909_000, keyframe: true),
        ])
        #expect(actions.count == 3 + 30, "a second of slate at once, the rest as it falls due")
        #expect(machine.switcher.onAir == .slate)
        #expect(machine.handle(.packet(Self.video(Self.heli, 2), at: Self.ms(1110))) == [], "off air")
    }

    /// heli-1 in passthrough with drone-1 as its backup (1 s threshold), drone-1's keyframe
    /// cached at 75 ms.
    static func heliWithBackupDrone() -> Machine {
        var machine = machine(rules: [heli: FailoverRule(backup: drone, thresholdMilliseconds: 1000)])
        heliInPassthrough(&machine)
        _ = machine.handle(.opened(source: drone, hasVideo: true, matchesProfile: true))
        _ = machine.handle(.packet(video(drone, 5, keyframe: true), at: ms(75)))
        return machine
    }

    @Test func aFailoverToALiveBackupTakesItsCachedGOPAtTheNextFrameWithNoSlatePictureBetween() {
        var machine = Self.heliWithBackupDrone()
        _ = machine.handle(.packet(Self.video(Self.drone, 6), at: Self.ms(1050)))
        // heli-1 silent past its threshold, its backup live: the slate is on air for no picture.
        let actions = machine.handle(.clock(at: Self.ms(1100)))
        let switches = actions.filter { if case .switched = $0 { true } else { false } }
        #expect(switches == [
            .switched(to: .slate, from: .source(Self.heli), reason: .failover(from: Self.heli)),
            .switched(to: .source(Self.drone), from: .slate, reason: .failover(from: Self.heli)),
        ])
        #expect(!actions.contains { if case .encodeSlate = $0 { true } else { false } }, "\(actions)")
        #expect(actions.contains(.decodeCachedGOP(source: Self.drone, packets: [Self.cached(5), Self.cached(6)], newestAt: 909_000, use: .show)))
        #expect(machine.switcher.onAir == .source(Self.drone))
    }

    @Test func aRestoreWaitsForTheBFramesTheBackupInPassthroughOwes() {
        var machine = Self.heliWithBackupDrone()
        _ = machine.handle(.packet(Self.video(Self.drone, 6), at: Self.ms(1050)))
        _ = machine.handle(.clock(at: Self.ms(1100)))
        _ = machine.handle(.packet(Self.video(Self.drone, 36, keyframe: true), at: Self.ms(1150)))
        #expect(machine.mode == .passthrough && machine.switcher.onAir == .source(Self.drone))
        // drone-1 sends a P shown three frames on, then the two B-frames shown before it.
        let p = Machine.Packet(source: Self.drone, kind: .video, isKeyframe: false, pts: 1_117_000, dts: 1_109_000, payload: 39)
        let b1 = Machine.Packet(source: Self.drone, kind: .video, isKeyframe: false, pts: 1_111_000, dts: 1_110_000, payload: 37)
        let b2 = Machine.Packet(source: Self.drone, kind: .video, isKeyframe: false, pts: 1_114_000, dts: 1_111_000, payload: 38)
        _ = machine.handle(.packet(p, at: Self.ms(1205)))
        _ = machine.handle(.packet(Self.video(Self.heli, 40, keyframe: true), at: Self.ms(1206)))
        func restored(_ actions: [Machine.Action]) -> Bool {
            actions.contains(.switched(to: .source(Self.heli), from: .source(Self.drone), reason: .restore))
        }
        #expect(!restored(machine.handle(.clock(at: Self.ms(1210)))), "heli-1 is back, but drone-1 owes two B-frames")
        #expect(machine.nextDeadline(after: Self.ms(1210)) == Self.ms(1405), "no sooner than the wait's end, unless packets come")
        #expect(!restored(machine.handle(.packet(b1, at: Self.ms(1220)))))
        let last = machine.handle(.packet(b2, at: Self.ms(1230)))
        #expect(last.first == .passThrough(38, pts: machine.lastPTS! - 3000, dts: machine.lastDTS!))
        #expect(restored(machine.handle(.clock(at: Self.ms(1231)))), "the B-frames out, heli-1 is restored")
    }

    @Test func aPictureHealthMoveWaitsForOwedBFramesUntilTheNextHealthCheck() {
        var machine = Self.machine(rules: [Self.heli: FailoverRule(backup: Self.drone, thresholdMilliseconds: 60_000, failoverOn: [.frozen])])
        Self.heliInPassthrough(&machine)
        _ = machine.handle(.opened(source: Self.drone, hasVideo: true, matchesProfile: true))
        _ = machine.handle(.packet(Self.video(Self.drone, 5, keyframe: true), at: Self.ms(75)))
        _ = machine.handle(.clock(at: Self.ms(100)))
        let p = Machine.Packet(source: Self.heli, kind: .video, isKeyframe: false, pts: 1_012_000, dts: 1_004_000, payload: 4)
        _ = machine.handle(.packet(p, at: Self.ms(105)))
        #expect(machine.handle(.health([Self.heli: [.frozen]], at: Self.ms(106))) == [], "heli-1 owes two B-frames")
        _ = machine.handle(.packet(Self.bFrame(2, dts: 1_005_000), at: Self.ms(120)))
        _ = machine.handle(.packet(Self.bFrame(3, dts: 1_006_000), at: Self.ms(130)))
        let actions = machine.handle(.clock(at: Self.ms(150)))
        #expect(actions.contains(.switched(to: .slate, from: .source(Self.heli), reason: .failover(from: Self.heli))),
            "the frozen state noted, acted on at the next health check: \(actions)")
        #expect(machine.switcher.onAir == .source(Self.drone))
    }

    @Test func aSourceThatFallsSilentRightAfterAPIsNotWaitedForAtFailover() {
        var machine = Self.heliWithBackupDrone()
        let p = Machine.Packet(source: Self.heli, kind: .video, isKeyframe: false, pts: 1_012_000, dts: 1_004_000, payload: 4)
        _ = machine.handle(.packet(p, at: Self.ms(100)))
        #expect(machine.awaitsOwedPictures(at: Self.ms(250)) && !machine.awaitsOwedPictures(at: Self.ms(300)))
        _ = machine.handle(.packet(Self.video(Self.drone, 40), at: Self.ms(1100)))
        let actions = machine.handle(.clock(at: Self.ms(1110)))
        #expect(actions.contains(.switched(to: .slate, from: .source(Self.heli), reason: .failover(from: Self.heli))),
            "silent a threshold after its last P: failover at once")
    }

    @Test func aSourceWhoseDemuxerEndedIsNoLongerReadyAndItsGOPIsGone() {
        var machine = Self.machine(rules: [Self.heli: FailoverRule(thresholdMilliseconds: 60_000)])
        Self.heliInPassthrough(&machine)
        #expect(machine.isReady(Self.heli, at: Self.ms(80)))
        #expect(machine.handle(.ended(source: Self.heli)) == [])
        #expect(machine.tracks[Self.heli]?.matchesProfile == nil)
        #expect(!machine.isReady(Self.heli, at: Self.ms(80)))
        // The next health check no longer counts it as live: the slate.
        #expect(machine.handle(.clock(at: Self.ms(100))).contains(.switched(to: .slate, from: .source(Self.heli), reason: .failover(from: Self.heli))))
        // A source without video is never ready.
        _ = machine.handle(.opened(source: Self.heli, hasVideo: false, matchesProfile: false))
        _ = machine.handle(.packet(Self.audio(Self.heli, 0), at: Self.ms(120)))
        #expect(!machine.isReady(Self.heli, at: Self.ms(150)))
    }

    @Test func aGOPLongerThanTheCacheIsDroppedUntilTheNextKeyframe() {
        var machine = Self.machine(maximumCachedPackets: 3)
        _ = machine.handle(.opened(source: Self.drone, hasVideo: true, matchesProfile: true))
        for n in 0..<3 { _ = machine.handle(.packet(Self.video(Self.drone, n, keyframe: n == 0), at: Self.ms(n))) }
        #expect(machine.tracks[Self.drone]?.gop.count == 3)
        _ = machine.handle(.packet(Self.video(Self.drone, 3), at: Self.ms(3)))
        #expect(machine.tracks[Self.drone]?.gop.isEmpty == true)
        _ = machine.handle(.packet(Self.video(Self.drone, 4), at: Self.ms(4)))
        #expect(machine.tracks[Self.drone]?.gop.isEmpty == true, "nothing cached without a keyframe")
        _ = machine.handle(.packet(Self.video(Self.drone, 5, keyframe: true), at: Self.ms(5)))
        #expect(machine.tracks[Self.drone]?.gop == [Self.cached(5)])
    }

    @Test func theMachineIsDueForHealthChecksAndCutTimeoutsEvenWhenNothingElseHappens() {
        var machine = Self.machine()
        Self.heliInPassthrough(&machine)
        #expect(machine.nextDeadline(after: Self.ms(60)) == Self.ms(100), "the health check 50 ms after the last")
        #expect(machine.nextDeadline(after: Self.ms(200)) == Self.ms(200), "overdue: at once")
    }
}
